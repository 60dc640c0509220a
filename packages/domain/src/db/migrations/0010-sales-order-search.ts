import type { Migration } from "../migrator.js";

// Customer orders are read straight from the current `sal_order` versions in `kingdee_raw` (no
// projection table): these two indexes make a customer's order list and an order's delivery
// progress index lookups.
export const up: Migration = async ({ context: qi }) => {
  // A customer's current sales orders, in list order (bill date, bill no, id; all descending).
  // It leads with the customer expression on purpose: a lookup by (tenant_id, biz_type, biz_id)
  // can never use it, so it never competes with kingdee_raw_current_key (see 0002).
  await qi.sequelize.query(`
    CREATE INDEX IF NOT EXISTS kingdee_raw_sal_order_customer_idx ON kingdee_raw
      ((data ->> 'customer_id'), tenant_id, (data ->> 'bill_date') DESC, (data ->> 'bill_no') DESC, biz_id DESC)
      WHERE biz_type = 'sal_order' AND is_current`);
  // Out-bound entries delivering a sales order (`src_bill_no` = the order's bill_no), per material.
  await qi.sequelize.query(`
    CREATE INDEX IF NOT EXISTS delivery_item_src_bill_no_idx ON delivery_item (src_bill_no, material_id)
      WHERE src_bill_no IS NOT NULL`);
};

export const down: Migration = async ({ context: qi }) => {
  await qi.sequelize.query(`DROP INDEX IF EXISTS delivery_item_src_bill_no_idx`);
  await qi.sequelize.query(`DROP INDEX IF EXISTS kingdee_raw_sal_order_customer_idx`);
};
