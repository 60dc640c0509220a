import { z } from "zod";
import { decimalString } from "../values.js";
import { billHeader, customerNameOf, projectionFailure } from "./bill-header.js";
import { docCustomerCtes } from "./customers.js";
import { markStaleCte } from "../../../projections/statements.js";
import type { Projection, RecordFailure } from "../../../projections/index.js";

const receiptSchema = z.looseObject({
  ...billHeader,
  total_amount: z.union([z.string(), z.number()]),
});

/** A page of receipts in one statement, like deliveries': placeholders, upsert, stale statements (old and new). */
const writeReceipts = `WITH doc AS (
       SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(kingdee_id text, kingdee_customer_id text, customer_name text,
              customer_number text, bill_no text, bill_date text, amount text)
     ),
     ${docCustomerCtes},
     before AS (
       SELECT d.customer_id, to_char(d.bill_date, 'YYYY-MM') AS period
         FROM doc CROSS JOIN LATERAL (
           SELECT customer_id, bill_date FROM receipt WHERE tenant_id = $1 AND kingdee_id = doc.kingdee_id LIMIT 1
         ) d
     ),
     upserted AS (
       INSERT INTO receipt (id, tenant_id, customer_id, kingdee_id, bill_no, bill_date, amount, created_at, updated_at)
       SELECT gen_random_uuid(), $1, c.id, doc.kingdee_id, doc.bill_no, doc.bill_date::date, doc.amount::numeric, now(), now()
         FROM doc JOIN doc_customer c ON c.kingdee_customer_id = doc.kingdee_customer_id
       ON CONFLICT (tenant_id, kingdee_id) DO UPDATE
         SET customer_id = EXCLUDED.customer_id, bill_no = EXCLUDED.bill_no, bill_date = EXCLUDED.bill_date,
             amount = EXCLUDED.amount, updated_at = now()
       RETURNING customer_id, to_char(bill_date, 'YYYY-MM') AS period
     ),
     ${markStaleCte("SELECT customer_id, period FROM before UNION SELECT customer_id, period FROM upserted")}
     SELECT count(*)::int AS written FROM upserted`;

/** ar_credit (收款单) → `receipt`, then marks the affected monthly statements for recomputing. */
export const projectReceipts: Projection = async ({ sql, tenantId }, documents) => {
  const failures: RecordFailure[] = [];
  const receipts = [];
  for (const doc of documents) {
    try {
      const r = receiptSchema.parse(doc.data);
      receipts.push({
        kingdee_id: r.id,
        kingdee_customer_id: r.customer_id,
        customer_name: customerNameOf(r),
        customer_number: r.customer_number ?? null,
        bill_no: r.bill_no,
        bill_date: r.bill_date,
        amount: decimalString(r.total_amount, "total_amount"),
      });
    } catch (error) {
      failures.push({ bizId: doc.bizId, reason: `ar_credit: ${projectionFailure(error)}` });
    }
  }
  if (receipts.length > 0) await sql(writeReceipts, [tenantId, JSON.stringify(receipts)]);
  return failures;
};
