import { z } from "zod";
import { decimalString, kingdeeTime } from "../values.js";
import type { Projection, RecordFailure } from "../../../projections/index.js";
import { billHeader, customerNameOf, projectionFailure } from "./bill-header.js";
import { docCustomerCtes } from "./customers.js";
import { markStaleCte } from "../../../projections/statements.js";

const entrySchema = z.looseObject({
  seq: z.coerce.number().int().optional(),
  material_id: z.coerce.string().optional(),
  material_number: z.coerce.string().optional(),
  material_name: z.string().optional(),
  unit_name: z.string().optional(),
  qty: z.union([z.string(), z.number()]),
  price: z.union([z.string(), z.number()]).optional(),
  tax_price: z.union([z.string(), z.number()]).optional(),
  amount: z.union([z.string(), z.number()]).optional(),
  all_amount: z.union([z.string(), z.number()]).optional(),
  src_bill_no: z.string().optional(),
});

const outBoundSchema = z.looseObject({
  ...billHeader,
  total_amount: z.union([z.string(), z.number()]).optional(),
  modify_time: z.string().optional(),
  material_entity: z.array(entrySchema).default([]),
});

interface DeliveryRow {
  kingdee_id: string;
  kingdee_customer_id: string;
  customer_name: string;
  customer_number: string | null;
  bill_no: string;
  bill_date: string;
  total_amount: string;
  source_modify_time: string | null;
}

interface DeliveryItemRow {
  kingdee_id: string;
  seq: number;
  material_id: string | null;
  material_number: string | null;
  material_name: string | null;
  unit_name: string | null;
  qty: string;
  price: string | null;
  amount: string;
  src_bill_no: string | null;
}

function toDelivery(data: unknown): { delivery: DeliveryRow; items: DeliveryItemRow[] } {
  const doc = outBoundSchema.parse(data);
  const items = doc.material_entity.map((entry, index) => ({
    kingdee_id: doc.id,
    seq: entry.seq ?? index + 1,
    material_id: entry.material_id ?? null,
    material_number: entry.material_number ?? null,
    material_name: entry.material_name ?? null,
    unit_name: entry.unit_name ?? null,
    qty: decimalString(entry.qty, `material_entity[${index}].qty`),
    price: entry.tax_price ?? entry.price ? decimalString(entry.tax_price ?? entry.price, `material_entity[${index}].price`) : null,
    amount: decimalString(entry.all_amount ?? entry.amount, `material_entity[${index}].amount`),
    src_bill_no: entry.src_bill_no || null,
  }));
  const delivery = {
    kingdee_id: doc.id,
    kingdee_customer_id: doc.customer_id,
    customer_name: customerNameOf(doc),
    customer_number: doc.customer_number ?? null,
    bill_no: doc.bill_no,
    bill_date: doc.bill_date,
    total_amount: decimalString(doc.total_amount, "total_amount"),
    source_modify_time: kingdeeTime(doc.modify_time)?.toISOString() ?? null,
  };
  return { delivery, items };
}

/**
 * A page of deliveries in one statement: customer placeholders, the delivery upsert, its lines, and the statements of both the old and the new customer × month marked stale (the
 * `before` CTE reads the rows as they were before this statement). $1 tenant, $2 deliveries, $3 lines.
 * Lookups are index probes per key whatever the planner knows of the tables (LATERAL … LIMIT 1,
 * `= ANY(ARRAY(…))`): an `IN (SELECT …)` was planned as a scan of every delivery of the tenant, per page.
 */
const writeDeliveries = `WITH doc AS (
       SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(kingdee_id text, kingdee_customer_id text, customer_name text,
              customer_number text, bill_no text, bill_date text, total_amount text, source_modify_time timestamptz)
     ),
     ${docCustomerCtes},
     before AS (
       SELECT d.customer_id, to_char(d.bill_date, 'YYYY-MM') AS period
         FROM doc CROSS JOIN LATERAL (
           SELECT customer_id, bill_date FROM delivery WHERE tenant_id = $1 AND kingdee_id = doc.kingdee_id LIMIT 1
         ) d
     ),
     upserted AS (
       INSERT INTO delivery (id, tenant_id, customer_id, kingdee_id, bill_no, bill_date, total_amount, status, source_modify_time, created_at, updated_at)
       SELECT gen_random_uuid(), $1, c.id, doc.kingdee_id, doc.bill_no, doc.bill_date::date, doc.total_amount::numeric, 'PENDING',
              doc.source_modify_time, now(), now()
         FROM doc JOIN doc_customer c ON c.kingdee_customer_id = doc.kingdee_customer_id
       ON CONFLICT (tenant_id, kingdee_id) DO UPDATE
         SET customer_id = EXCLUDED.customer_id, bill_no = EXCLUDED.bill_no, bill_date = EXCLUDED.bill_date,
             total_amount = EXCLUDED.total_amount, source_modify_time = EXCLUDED.source_modify_time, updated_at = now()
       RETURNING id, kingdee_id, customer_id, to_char(bill_date, 'YYYY-MM') AS period
     ),
     item AS (
       SELECT * FROM jsonb_to_recordset($3::jsonb) AS i(kingdee_id text, seq int, material_id text, material_number text,
              material_name text, unit_name text, qty text, price text, amount text, src_bill_no text)
     ),
     -- Lines are matched by seq: changed ones updated in place, new ones added, the rest removed
     -- (disjoint rows, so the sibling CTEs never meet on one).
     kept_items AS (
       INSERT INTO delivery_item (id, delivery_id, seq, material_id, material_number, material_name, unit_name, qty, price, amount, src_bill_no)
       SELECT gen_random_uuid(), u.id, i.seq, i.material_id, i.material_number, i.material_name, i.unit_name,
              i.qty::numeric, i.price::numeric, i.amount::numeric, i.src_bill_no
         FROM item i JOIN upserted u ON u.kingdee_id = i.kingdee_id
       ON CONFLICT (delivery_id, seq) DO UPDATE
         SET material_id = EXCLUDED.material_id, material_number = EXCLUDED.material_number, material_name = EXCLUDED.material_name,
             unit_name = EXCLUDED.unit_name, qty = EXCLUDED.qty, price = EXCLUDED.price, amount = EXCLUDED.amount,
             src_bill_no = EXCLUDED.src_bill_no
     ),
     dropped_items AS (
       DELETE FROM delivery_item di
        WHERE di.delivery_id = ANY(ARRAY(SELECT id FROM upserted))
          AND NOT EXISTS (SELECT 1 FROM item i JOIN upserted u ON u.kingdee_id = i.kingdee_id WHERE u.id = di.delivery_id AND i.seq = di.seq)
     ),
     ${markStaleCte("SELECT customer_id, period FROM before UNION SELECT customer_id, period FROM upserted")}
     SELECT count(*)::int AS written FROM upserted`;

/**
 * sal_out_bound (with detail) → `delivery` + `delivery_item`; the affected monthly statements are
 * marked for recomputing once the stream has synced (see `refreshStaleStatements`).
 * A customer not synced yet gets a placeholder (`docCustomerCtes`). Status is never touched: a
 * SIGNED delivery stays signed.
 */
export const projectDeliveries: Projection = async ({ sql, tenantId }, documents) => {
  const failures: RecordFailure[] = [];
  const deliveries: DeliveryRow[] = [];
  const items: DeliveryItemRow[] = [];
  for (const doc of documents) {
    try {
      const mapped = toDelivery(doc.data);
      deliveries.push(mapped.delivery);
      items.push(...mapped.items);
    } catch (error) {
      failures.push({ bizId: doc.bizId, reason: `sal_out_bound: ${projectionFailure(error)}` });
    }
  }
  if (deliveries.length > 0) await sql(writeDeliveries, [tenantId, JSON.stringify(deliveries), JSON.stringify(items)]);
  return failures;
};
