import { QueryTypes } from "sequelize";
import { z } from "zod";
import { decimalString } from "../values.js";
import { ensureCustomers } from "./customers.js";
import type { Projection, RecordFailure } from "../../../projections/index.js";
import { markStatementsStale, type StatementKey } from "../../../projections/statements.js";

const receiptSchema = z.looseObject({
  id: z.coerce.string().min(1),
  bill_no: z.string().min(1),
  bill_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "bill_date must be yyyy-MM-dd"),
  customer_id: z.coerce.string().min(1, "customer_id is required"),
  customer_name: z.string().optional(),
  customer_number: z.coerce.string().optional(),
  total_amount: z.union([z.string(), z.number()]),
});

/** ar_credit (收款单) → `receipt`, then marks the affected monthly statements for recomputing. */
export const projectReceipts: Projection = async (ctx, documents) => {
  const { sequelize, transaction, tenantId } = ctx;
  const failures: RecordFailure[] = [];
  const receipts = [];
  for (const doc of documents) {
    try {
      const r = receiptSchema.parse(doc.data);
      receipts.push({
        kingdee_id: r.id,
        kingdee_customer_id: r.customer_id,
        customer_name: r.customer_name ?? r.customer_number ?? r.customer_id,
        customer_number: r.customer_number ?? null,
        bill_no: r.bill_no,
        bill_date: r.bill_date,
        amount: decimalString(r.total_amount, "total_amount"),
      });
    } catch (error) {
      const reason = error instanceof z.ZodError ? z.prettifyError(error).replace(/\n/g, "; ") : error instanceof Error ? error.message : String(error);
      failures.push({ bizId: doc.bizId, reason: `ar_credit: ${reason}` });
    }
  }
  if (receipts.length === 0) return failures;
  await ensureCustomers(ctx, receipts);
  const before = await sequelize.query<StatementKey>(
    `SELECT customer_id AS "customerId", to_char(bill_date, 'YYYY-MM') AS period FROM receipt WHERE tenant_id = $1 AND kingdee_id = ANY($2::text[])`,
    { bind: [tenantId, receipts.map((r) => r.kingdee_id)], type: QueryTypes.SELECT, transaction },
  );
  const after = await sequelize.query<StatementKey>(
    `INSERT INTO receipt (id, tenant_id, customer_id, kingdee_id, bill_no, bill_date, amount, created_at, updated_at)
     SELECT gen_random_uuid(), $1, c.id, r.kingdee_id, r.bill_no, r.bill_date::date, r.amount::numeric, now(), now()
       FROM jsonb_to_recordset($2::jsonb) AS r(kingdee_id text, kingdee_customer_id text, bill_no text, bill_date text, amount text)
       JOIN customer c ON c.tenant_id = $1 AND c.kingdee_customer_id = r.kingdee_customer_id
     ON CONFLICT (tenant_id, kingdee_id) DO UPDATE
       SET customer_id = EXCLUDED.customer_id, bill_no = EXCLUDED.bill_no, bill_date = EXCLUDED.bill_date,
           amount = EXCLUDED.amount, updated_at = now()
     RETURNING customer_id AS "customerId", to_char(bill_date, 'YYYY-MM') AS period`,
    { bind: [tenantId, JSON.stringify(receipts)], type: QueryTypes.SELECT, transaction },
  );
  await markStatementsStale(ctx, [...before, ...after]);
  return failures;
};
