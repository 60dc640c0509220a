import type { Migration } from "../migrator.js";
import { addCheck, oneOf } from "../migration-helpers.js";

// "stopped": a graceful shutdown ended the run after committing its page; the next run resumes.
// The partial index serves the reaper, which looks for unfinished runs every few seconds.
export const up: Migration = async ({ context: qi }) => {
  await qi.sequelize.query(`ALTER TABLE sync_run DROP CONSTRAINT sync_run_status_check`);
  await addCheck(qi, "sync_run", "sync_run_status_check", oneOf("status", ["pending", "running", "success", "failed", "partial", "stopped"]));
  await qi.sequelize.query(
    `CREATE INDEX sync_run_unfinished_idx ON sync_run (tenant_id, job_name) WHERE status IN ('running', 'pending')`,
  );
};

export const down: Migration = async ({ context: qi }) => {
  await qi.sequelize.query(`DROP INDEX sync_run_unfinished_idx`);
  await qi.sequelize.query(`UPDATE sync_run SET status = 'failed' WHERE status = 'stopped'`);
  await qi.sequelize.query(`ALTER TABLE sync_run DROP CONSTRAINT sync_run_status_check`);
  await addCheck(qi, "sync_run", "sync_run_status_check", oneOf("status", ["pending", "running", "success", "failed", "partial"]));
};
