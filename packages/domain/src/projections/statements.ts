import { QueryTypes, type Sequelize } from "sequelize";
import { transactionSql } from "../db/sql.js";
import { contentHash } from "../sync/canonical.js";
import type { ProjectionContext } from "./projection.js";

export interface StatementKey {
  customerId: string;
  /** Business month, `yyyy-MM` (documents carry business-local dates). */
  period: string;
}

interface StatementLineInput {
  doc_type: string;
  doc_id: string;
  doc_no: string;
  doc_date: string;
  amount: string;
}

interface Computed extends StatementKey {
  total: string;
  lines: StatementLineInput[];
}

interface Live extends StatementKey {
  id: string;
  status: "OPEN" | "CONFIRMED" | "SUPERSEDED";
  revision: number;
  contentHash: string | null;
}

const keyOf = (k: StatementKey) => `${k.customerId}|${k.period}`;

// Deliveries add to what the customer owes; receipts (ar_credit) reduce it.
const computeStatements = `WITH k AS (
       SELECT k.customer_id, k.period, to_date(k.period, 'YYYY-MM') AS month_start
         FROM unnest($1::uuid[], $2::text[]) AS k(customer_id, period)
     ),
     -- Per customer × month, a range probe of (customer_id, bill_date), never a scan of the tenant's
     -- documents, whatever the planner knows of the tables: OFFSET 0 keeps each probe its own plan,
     -- and a customer belongs to one tenant, so the tenant's own index has nothing to offer.
     docs AS (
       SELECT k.customer_id, k.period, 'sal_out_bound' AS doc_type, d.kingdee_id AS doc_id, d.bill_no AS doc_no,
              d.bill_date AS doc_date, d.total_amount AS amount
         FROM k CROSS JOIN LATERAL (
           SELECT kingdee_id, bill_no, bill_date, total_amount FROM delivery
            WHERE customer_id = k.customer_id AND bill_date >= k.month_start AND bill_date < k.month_start + interval '1 month'
           OFFSET 0
         ) d
       UNION ALL
       SELECT k.customer_id, k.period, 'ar_credit', r.kingdee_id, r.bill_no, r.bill_date, -r.amount
         FROM k CROSS JOIN LATERAL (
           SELECT kingdee_id, bill_no, bill_date, amount FROM receipt
            WHERE customer_id = k.customer_id AND bill_date >= k.month_start AND bill_date < k.month_start + interval '1 month'
           OFFSET 0
         ) r
     )
     SELECT customer_id AS "customerId", period, sum(amount)::text AS total,
            json_agg(json_build_object('doc_type', doc_type, 'doc_id', doc_id, 'doc_no', doc_no, 'doc_date', doc_date,
                     'amount', amount::text) ORDER BY doc_date, doc_type DESC, doc_no, doc_id) AS lines
       FROM docs GROUP BY 1, 2`;

const latestStatements = `SELECT DISTINCT ON (s.customer_id, s.period) s.id, s.customer_id AS "customerId", s.period, s.status, s.revision,
            s.content_hash AS "contentHash"
       FROM statement s
       JOIN unnest($2::uuid[], $3::text[]) AS k(customer_id, period) ON s.customer_id = k.customer_id AND s.period = k.period
      WHERE s.tenant_id = $1
      ORDER BY s.customer_id, s.period, s.revision DESC`;

/**
 * Recomputes the monthly statements of the given customer × month pairs from their deliveries
 * and receipts.
 * An OPEN statement follows the ERP; a CONFIRMED one is never changed: a different content makes
 * it SUPERSEDED and a new OPEN revision that needs confirming again. Totals are summed in SQL
 * (numeric), never in floating point.
 */
export async function refreshStatements({ sql, tenantId }: ProjectionContext, keys: StatementKey[]) {
  const unique = [...new Map(keys.map((k) => [keyOf(k), k])).values()];
  if (unique.length === 0) return;
  const bindKeys = [unique.map((k) => k.customerId), unique.map((k) => k.period)];
  const computed = await sql<Computed>(computeStatements, bindKeys);
  const latest = await sql<Live>(latestStatements, [tenantId, ...bindKeys]);
  const computedByKey = new Map(computed.map((c) => [keyOf(c), c]));
  const latestByKey = new Map(latest.map((l) => [keyOf(l), l]));

  const supersede: string[] = [];
  const removeOpen: string[] = [];
  const updateOpen: Array<{ id: string; total: string; hash: string; lines: StatementLineInput[] }> = [];
  const create: Array<StatementKey & { revision: number; total: string; hash: string; lines: StatementLineInput[] }> = [];

  for (const key of unique) {
    const now = computedByKey.get(keyOf(key));
    const live = latestByKey.get(keyOf(key));
    const isLive = live && live.status !== "SUPERSEDED";
    if (!now) {
      // Every delivery left this month: an unconfirmed statement goes; a confirmed one stays as it was confirmed.
      if (isLive && live.status === "OPEN") removeOpen.push(live.id);
      continue;
    }
    const hash = contentHash({ total: now.total, lines: now.lines });
    if (isLive && live.contentHash === hash) continue;
    if (isLive && live.status === "OPEN") {
      updateOpen.push({ id: live.id, total: now.total, hash, lines: now.lines });
      continue;
    }
    if (isLive && live.status === "CONFIRMED") supersede.push(live.id);
    create.push({ ...key, revision: (live?.revision ?? 0) + 1, total: now.total, hash, lines: now.lines });
  }

  if (removeOpen.length) {
    await sql(deleteLines, [removeOpen]);
    await sql(deleteOpen, [removeOpen]);
  }
  if (supersede.length) await sql(supersedeStatements, [supersede]);
  if (updateOpen.length) {
    await sql(updateOpenStatements, [JSON.stringify(updateOpen.map(({ id, total, hash }) => ({ id, total, hash })))]);
    await sql(deleteLines, [updateOpen.map((u) => u.id)]);
  }
  const linesFor: Array<{ statement_id: string } & StatementLineInput> = updateOpen.flatMap((u) =>
    u.lines.map((line) => ({ statement_id: u.id, ...line })),
  );
  if (create.length) {
    const created = await sql<{ id: string; customerId: string; period: string }>(insertStatements, [
      tenantId,
      JSON.stringify(create.map((c) => ({ customer_id: c.customerId, period: c.period, total: c.total, revision: c.revision, hash: c.hash }))),
    ]);
    const idByKey = new Map(created.map((c) => [keyOf(c), c.id]));
    for (const c of create) linesFor.push(...c.lines.map((line) => ({ statement_id: idByKey.get(keyOf(c))!, ...line })));
  }
  if (linesFor.length) await sql(insertLines, [JSON.stringify(linesFor)]);
}

const deleteLines = `DELETE FROM statement_line WHERE statement_id = ANY($1::uuid[])`;
const deleteOpen = `DELETE FROM statement WHERE id = ANY($1::uuid[]) AND status = 'OPEN'`;
const supersedeStatements = `UPDATE statement SET status = 'SUPERSEDED', updated_at = now() WHERE id = ANY($1::uuid[])`;
const updateOpenStatements = `UPDATE statement s SET total_amount = r.total::numeric, content_hash = r.hash, updated_at = now()
     FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, total text, hash text)
    WHERE s.id = r.id AND s.status = 'OPEN'`;
const insertStatements = `INSERT INTO statement (id, tenant_id, customer_id, period, currency, total_amount, status, revision, content_hash, created_at, updated_at)
   SELECT gen_random_uuid(), $1, r.customer_id, r.period, 'CNY', r.total::numeric, 'OPEN', r.revision, r.hash, now(), now()
     FROM jsonb_to_recordset($2::jsonb) AS r(customer_id uuid, period text, total text, revision int, hash text)
   RETURNING id, customer_id AS "customerId", period`;
const insertLines = `INSERT INTO statement_line (id, statement_id, doc_type, doc_id, doc_no, doc_date, amount, raw)
   SELECT gen_random_uuid(), r.statement_id, r.doc_type, r.doc_id, r.doc_no, r.doc_date::date, r.amount::numeric,
          jsonb_build_object('doc_no', r.doc_no, 'amount', r.amount)
     FROM jsonb_to_recordset($1::jsonb) AS r(statement_id uuid, doc_type text, doc_id text, doc_no text, doc_date text, amount text)`;

/**
 * The CTE that marks customer × month statements for recomputing, for a projection's one
 * statement (in the page's transaction). `keys`: a query of (customer_id, period); $1 the tenant.
 */
export const markStaleCte = (keys: string) => `stale AS (
       INSERT INTO statement_refresh (tenant_id, customer_id, period)
       SELECT DISTINCT $1::uuid, k.customer_id, k.period FROM (${keys}) k
       ON CONFLICT DO NOTHING
     )`;

/**
 * Recomputes every statement marked stale for the tenant, in batches; each batch and the removal
 * of its marks commit together, so an interrupted refresh resumes where it stopped.
 */
export async function refreshStaleStatements(sequelize: Sequelize, tenantId: string, batchSize = 200): Promise<number> {
  let refreshed = 0;
  for (;;) {
    const done = await sequelize.transaction(async (transaction) => {
      const keys = await sequelize.query<StatementKey>(
        `DELETE FROM statement_refresh WHERE (tenant_id, customer_id, period) IN (
           SELECT tenant_id, customer_id, period FROM statement_refresh WHERE tenant_id = $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING customer_id AS "customerId", period`,
        { bind: [tenantId, batchSize], type: QueryTypes.SELECT, transaction },
      );
      await refreshStatements({ sql: transactionSql(transaction), tenantId }, keys);
      return keys.length;
    });
    refreshed += done;
    if (done < batchSize) return refreshed;
  }
}
