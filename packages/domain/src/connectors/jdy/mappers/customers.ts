import { z } from "zod";
import type { Projection, RecordFailure } from "../../../projections/index.js";

const contactSchema = z.looseObject({
  mobile: z.string().optional(),
  phone: z.string().optional(),
  contact_address: z.string().optional(),
});

const customerSchema = z.looseObject({
  id: z.coerce.string().min(1),
  number: z.coerce.string().optional(),
  name: z.string().min(1, "customer name is empty"),
  bomentity: z.array(contactSchema).optional(),
});

/** customer (list + detail) → `customer`: name, number, first contact's phone and address. */
export const projectCustomers: Projection = async ({ sql, tenantId }, documents) => {
  const failures: RecordFailure[] = [];
  const rows = [];
  for (const doc of documents) {
    const parsed = customerSchema.safeParse(doc.data);
    if (!parsed.success) {
      failures.push({ bizId: doc.bizId, reason: `customer: ${z.prettifyError(parsed.error)}` });
      continue;
    }
    const contact = parsed.data.bomentity?.find((c) => c.mobile || c.phone);
    rows.push({
      kingdee_customer_id: parsed.data.id,
      number: parsed.data.number ?? null,
      name: parsed.data.name,
      phone: contact?.mobile || contact?.phone || null,
      address: contact?.contact_address ?? null,
      raw: doc.data,
    });
  }
  if (rows.length > 0) await sql(upsertCustomers, [tenantId, JSON.stringify(rows)]);
  return failures;
};

const upsertCustomers = `INSERT INTO customer (id, tenant_id, kingdee_customer_id, number, name, phone, address, raw, created_at, updated_at)
   SELECT gen_random_uuid(), $1, r.kingdee_customer_id, r.number, r.name, r.phone, r.address, r.raw, now(), now()
     FROM jsonb_to_recordset($2::jsonb) AS r(kingdee_customer_id text, number text, name text, phone text, address text, raw jsonb)
   ON CONFLICT (tenant_id, kingdee_customer_id) DO UPDATE
     SET number = EXCLUDED.number, name = EXCLUDED.name, phone = EXCLUDED.phone,
         address = EXCLUDED.address, raw = EXCLUDED.raw, updated_at = now()`;

/**
 * Documents may arrive before their customer does: a placeholder from the document's own
 * customer fields, filled in when the customer stream syncs it. CTEs for a document projection's
 * one statement: over a CTE `doc` (kingdee_customer_id, customer_number, customer_name) and the
 * tenant in $1, `doc_customer` (id, kingdee_customer_id) holds every document's customer, new
 * placeholders included (a sibling CTE cannot see the placeholder rows themselves).
 */
export const docCustomerCtes = `placeholder AS (
       INSERT INTO customer (id, tenant_id, kingdee_customer_id, number, name, raw, created_at, updated_at)
       SELECT DISTINCT ON (doc.kingdee_customer_id) gen_random_uuid(), $1, doc.kingdee_customer_id, doc.customer_number,
              doc.customer_name, '{}'::jsonb, now(), now()
         FROM doc
       ON CONFLICT (tenant_id, kingdee_customer_id) DO NOTHING
       RETURNING id, kingdee_customer_id
     ),
     doc_customer AS (
       -- one index probe per customer, whatever the planner knows of the table
       SELECT c.id, c.kingdee_customer_id FROM (SELECT DISTINCT kingdee_customer_id FROM doc) k
        CROSS JOIN LATERAL (
          SELECT id, kingdee_customer_id FROM customer WHERE tenant_id = $1 AND kingdee_customer_id = k.kingdee_customer_id LIMIT 1
        ) c
       UNION ALL
       SELECT id, kingdee_customer_id FROM placeholder
     )`;
