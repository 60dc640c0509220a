import { QueryTypes } from "sequelize";
import { z } from "zod";
import { decimalString, kingdeeTime } from "../values.js";
import type { Projection, RecordFailure } from "../../../projections/index.js";
import { ensureCustomers } from "./customers.js";
import { markStatementsStale, type StatementKey } from "../../../projections/statements.js";

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
  id: z.coerce.string().min(1),
  bill_no: z.string().min(1),
  bill_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "bill_date must be yyyy-MM-dd"),
  customer_id: z.coerce.string().min(1, "customer_id is required"),
  customer_name: z.string().optional(),
  customer_number: z.coerce.string().optional(),
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
  items: Array<Record<string, string | number | null>>;
}

function toDelivery(data: unknown): DeliveryRow {
  const doc = outBoundSchema.parse(data);
  const items = doc.material_entity.map((entry, index) => ({
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
  return {
    kingdee_id: doc.id,
    kingdee_customer_id: doc.customer_id,
    customer_name: doc.customer_name ?? doc.customer_number ?? doc.customer_id,
    customer_number: doc.customer_number ?? null,
    bill_no: doc.bill_no,
    bill_date: doc.bill_date,
    total_amount: decimalString(doc.total_amount, "total_amount"),
    source_modify_time: kingdeeTime(doc.modify_time)?.toISOString() ?? null,
    items,
  };
}

const describe = (error: unknown) =>
  error instanceof z.ZodError ? z.prettifyError(error).replace(/\n/g, "; ") : error instanceof Error ? error.message : String(error);

/**
 * sal_out_bound (with detail) → `delivery` + `delivery_item`; the affected monthly statements are
 * marked for recomputing once the stream has synced (see `refreshStaleStatements`).
 * A customer not synced yet gets a placeholder (`ensureCustomers`). Status is never touched: a
 * SIGNED delivery stays signed.
 */
export const projectDeliveries: Projection = async (ctx, documents) => {
  const { sequelize, transaction, tenantId } = ctx;
  const failures: RecordFailure[] = [];
  const deliveries: DeliveryRow[] = [];
  for (const doc of documents) {
    try {
      deliveries.push(toDelivery(doc.data));
    } catch (error) {
      failures.push({ bizId: doc.bizId, reason: `sal_out_bound: ${describe(error)}` });
    }
  }
  if (deliveries.length === 0) return failures;
  const payload = JSON.stringify(deliveries);

  await ensureCustomers(ctx, deliveries);

  // Where the deliveries were before this change: a moved date or customer changes two statements.
  const before = await sequelize.query<StatementKey>(
    `SELECT d.customer_id AS "customerId", to_char(d.bill_date, 'YYYY-MM') AS period
       FROM delivery d WHERE d.tenant_id = $1 AND d.kingdee_id = ANY($2::text[])`,
    { bind: [tenantId, deliveries.map((d) => d.kingdee_id)], type: QueryTypes.SELECT, transaction },
  );

  const upserted = await sequelize.query<{ id: string; kingdee_id: string; customerId: string; period: string }>(
    `INSERT INTO delivery (id, tenant_id, customer_id, kingdee_id, bill_no, bill_date, total_amount, status, source_modify_time, created_at, updated_at)
     SELECT gen_random_uuid(), $1, c.id, r.kingdee_id, r.bill_no, r.bill_date::date, r.total_amount::numeric, 'PENDING', r.source_modify_time, now(), now()
       FROM jsonb_to_recordset($2::jsonb) AS r(kingdee_id text, kingdee_customer_id text, bill_no text, bill_date text, total_amount text, source_modify_time timestamptz)
       JOIN customer c ON c.tenant_id = $1 AND c.kingdee_customer_id = r.kingdee_customer_id
     ON CONFLICT (tenant_id, kingdee_id) DO UPDATE
       SET customer_id = EXCLUDED.customer_id, bill_no = EXCLUDED.bill_no, bill_date = EXCLUDED.bill_date,
           total_amount = EXCLUDED.total_amount, source_modify_time = EXCLUDED.source_modify_time, updated_at = now()
     RETURNING id, kingdee_id, customer_id AS "customerId", to_char(bill_date, 'YYYY-MM') AS period`,
    { bind: [tenantId, payload], type: QueryTypes.SELECT, transaction },
  );

  const idOf = new Map(upserted.map((row) => [row.kingdee_id, row.id]));
  const items = deliveries.flatMap((d) => d.items.map((item) => ({ ...item, delivery_id: idOf.get(d.kingdee_id) })));
  await sequelize.query(`DELETE FROM delivery_item WHERE delivery_id = ANY($1::uuid[])`, {
    bind: [[...idOf.values()]],
    type: QueryTypes.DELETE,
    transaction,
  });
  if (items.length > 0) {
    await sequelize.query(
      `INSERT INTO delivery_item (id, delivery_id, seq, material_id, material_number, material_name, unit_name, qty, price, amount, src_bill_no)
       SELECT gen_random_uuid(), r.delivery_id, r.seq, r.material_id, r.material_number, r.material_name, r.unit_name,
              r.qty::numeric, r.price::numeric, r.amount::numeric, r.src_bill_no
         FROM jsonb_to_recordset($1::jsonb) AS r(delivery_id uuid, seq int, material_id text, material_number text,
              material_name text, unit_name text, qty text, price text, amount text, src_bill_no text)`,
      { bind: [JSON.stringify(items)], type: QueryTypes.INSERT, transaction },
    );
  }

  await markStatementsStale(ctx, [...before, ...upserted]);
  return failures;
};
