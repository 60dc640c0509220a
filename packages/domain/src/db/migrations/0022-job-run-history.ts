import type { Migration } from "../migrator.js";
import { addCheck, oneOf } from "../migration-helpers.js";

// `sync_run` becomes the business run history of every job kind (sync, notifications, probes,
// later WeCom and DSCO tasks). The table keeps its name and its rows: existing runs are syncs.
// - kind: which job kind ran; job_name: which job of that kind (a sync job, "delivery_notices", "erp").
// - tenant_id: null for a run that spans tenants (a notification pass, a probe pass).
// - trigger: also "webhook" (an outside system asked) and "retry" (a failed run re-queued).
// - counts: the kind's own counters (sent, retried…); the sync counters keep their columns, and
//   failed_count is the generic "records that failed" that makes a run `partial`.
export const up: Migration = async ({ context: qi }) => {
  const sql = (text: string) => qi.sequelize.query(text);
  await sql(`ALTER TABLE sync_run ADD COLUMN kind text NOT NULL DEFAULT 'sync'`);
  await sql(`ALTER TABLE sync_run ADD COLUMN counts jsonb NOT NULL DEFAULT '{}'`);
  await addCheck(qi, "sync_run", "sync_run_counts_object_check", `jsonb_typeof(counts) = 'object'`);
  await sql(`ALTER TABLE sync_run ALTER COLUMN tenant_id DROP NOT NULL`);
  await addCheck(qi, "sync_run", "sync_run_sync_tenant_check", `kind <> 'sync' OR tenant_id IS NOT NULL`);
  await sql(`ALTER TABLE sync_run DROP CONSTRAINT sync_run_trigger_check`);
  await addCheck(qi, "sync_run", "sync_run_trigger_check", oneOf("trigger", ["schedule", "manual", "webhook", "retry"]));
  // The run list: newest first, filtered by kind (and status).
  await sql(`CREATE INDEX sync_run_kind_created_idx ON sync_run (kind, created_at)`);
};

export const down: Migration = async ({ context: qi }) => {
  const sql = (text: string) => qi.sequelize.query(text);
  await sql(`DROP INDEX sync_run_kind_created_idx`);
  await sql(`DELETE FROM sync_run WHERE kind <> 'sync'`);
  await sql(`UPDATE sync_run SET trigger = 'manual' WHERE trigger NOT IN ('schedule', 'manual')`);
  await sql(`ALTER TABLE sync_run DROP CONSTRAINT sync_run_trigger_check`);
  await addCheck(qi, "sync_run", "sync_run_trigger_check", oneOf("trigger", ["schedule", "manual"]));
  await sql(`ALTER TABLE sync_run DROP CONSTRAINT sync_run_sync_tenant_check`);
  await sql(`ALTER TABLE sync_run ALTER COLUMN tenant_id SET NOT NULL`);
  await sql(`ALTER TABLE sync_run DROP COLUMN counts`);
  await sql(`ALTER TABLE sync_run DROP COLUMN kind`);
};
