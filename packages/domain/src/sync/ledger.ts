import { QueryTypes, type Sequelize } from "sequelize";
import type { Sql } from "../db/sql.js";
import type { RecordFailure } from "../projections/index.js";

/** One stream's ledger, written on the page's transaction. */
interface LedgerScope {
  sql: Sql;
  tenantId: string;
  bizType: string;
  runId: string;
}

const addFailures = `INSERT INTO sync_failure (id, tenant_id, sync_run_id, biz_type, biz_id, reason, attempts, first_failed_at, last_failed_at)
   SELECT gen_random_uuid(), $1, $2, $3, r.biz_id, r.reason, 1, now(), now()
     FROM jsonb_to_recordset($4::jsonb) AS r(biz_id text, reason text)
   ON CONFLICT (tenant_id, biz_type, biz_id) WHERE resolved_at IS NULL DO UPDATE
     SET attempts = sync_failure.attempts + 1, reason = EXCLUDED.reason, last_failed_at = now(), sync_run_id = EXCLUDED.sync_run_id`;

const closeFailures = `UPDATE sync_failure SET resolved_at = now(), resolved_by_run_id = $2
    WHERE tenant_id = $1 AND biz_type = $3 AND resolved_at IS NULL AND biz_id = ANY($4::text[])`;

/** Adds failures to the ledger; a document already open there counts one more attempt. */
export async function recordFailures(scope: LedgerScope, failures: RecordFailure[]): Promise<void> {
  if (failures.length === 0) return;
  const rows = JSON.stringify(failures.map((f) => ({ biz_id: f.bizId, reason: f.reason.slice(0, 2000) })));
  await scope.sql(addFailures, [scope.tenantId, scope.runId, scope.bizType, rows]);
}

/** Closes the ledger entries of documents that have now synced. */
export async function resolveFailures(scope: LedgerScope, bizIds: string[]): Promise<void> {
  if (bizIds.length === 0) return;
  await scope.sql(closeFailures, [scope.tenantId, scope.runId, scope.bizType, bizIds]);
}

/** Open ledger entries of one document type. */
export async function openFailures(sequelize: Sequelize, tenantId: string, bizType: string): Promise<string[]> {
  const rows = await sequelize.query<{ biz_id: string }>(
    `SELECT biz_id FROM sync_failure WHERE tenant_id = $1 AND biz_type = $2 AND resolved_at IS NULL ORDER BY first_failed_at`,
    { bind: [tenantId, bizType], type: QueryTypes.SELECT },
  );
  return rows.map((r) => r.biz_id);
}
