import { DataTypes } from "sequelize";
import type { Migration } from "../migrator.js";
import {
  addCheck, decimalColumn, fkColumn, idColumn, intColumn, jsonbColumn, oneOf, textColumn, timeColumn, timestampColumns,
} from "../migration-helpers.js";

export const up: Migration = async ({ context: qi }) => {
  await qi.createTable("customer", {
    id: idColumn(),
    tenant_id: fkColumn("tenant", { onDelete: "CASCADE" }),
    kingdee_customer_id: textColumn(),
    number: textColumn({ nullable: true }),
    name: textColumn(),
    phone: textColumn({ nullable: true }),
    address: textColumn({ nullable: true }),
    raw: jsonbColumn({ default: "{}" }),
    ...timestampColumns(),
  });
  await qi.addIndex("customer", ["tenant_id", "kingdee_customer_id"], { unique: true, name: "customer_tenant_kingdee_id_key" });

  await qi.createTable("delivery", {
    id: idColumn(),
    tenant_id: fkColumn("tenant"),
    customer_id: fkColumn("customer"),
    kingdee_id: textColumn(),
    bill_no: textColumn(),
    bill_date: { type: DataTypes.DATEONLY, allowNull: false },
    total_amount: decimalColumn(18, 2, { default: "0" }),
    status: textColumn({ default: "PENDING" }),
    source_modify_time: timeColumn({ nullable: true }),
    ...timestampColumns(),
  });
  await addCheck(qi, "delivery", "delivery_status_check", oneOf("status", ["PENDING", "SIGNED"]));
  await qi.addIndex("delivery", ["tenant_id", "kingdee_id"], { unique: true, name: "delivery_tenant_kingdee_id_key" });
  await qi.addIndex("delivery", ["customer_id", "bill_date"], { name: "delivery_customer_bill_date_idx" });

  await qi.createTable("delivery_item", {
    id: idColumn(),
    delivery_id: fkColumn("delivery", { onDelete: "CASCADE" }),
    seq: intColumn(),
    material_id: textColumn({ nullable: true }),
    material_number: textColumn({ nullable: true }),
    material_name: textColumn({ nullable: true }),
    unit_name: textColumn({ nullable: true }),
    qty: decimalColumn(18, 4),
    price: decimalColumn(18, 4, { nullable: true }), // unit price: 4 decimals
    amount: decimalColumn(18, 2, { nullable: true }),
    src_bill_no: textColumn({ nullable: true }),
  });
  await qi.addIndex("delivery_item", ["delivery_id", "seq"], { unique: true, name: "delivery_item_delivery_seq_key" });

  await qi.createTable("delivery_signoff", {
    id: idColumn(),
    delivery_id: { ...fkColumn("delivery"), unique: true },
    customer_id: fkColumn("customer"),
    signer_name: textColumn(),
    signed_at: timeColumn(),
    signature_path: textColumn(),
    photo_paths: jsonbColumn({ default: "[]" }),
    remark: textColumn({ nullable: true }),
    gps: jsonbColumn({ nullable: true }),
    snapshot: jsonbColumn(), // what the customer saw: name, address, items, quantities
    created_at: timeColumn({ now: true }),
  });
};

export const down: Migration = async ({ context: qi }) => {
  await qi.dropTable("delivery_signoff");
  await qi.dropTable("delivery_item");
  await qi.dropTable("delivery");
  await qi.dropTable("customer");
};
