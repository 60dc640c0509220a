import type { Migration } from "../migrator.js";
import { addCheck } from "../migration-helpers.js";

// A sync runs per connection × job (issue #9): a tenant may reach two accounts of one system, each
// with its own cursor, lock and run history. Every existing sync row is JDY, read through the
// tenant's `default` kingdee_jdy connection (the one the sync has always used), so that is its
// connection. Rows of a tenant without one are deleted: such a tenant's sync failed before it read
// anything (no connection to read through), so its job row holds no cursor and its runs wrote nothing.
// `tenant_id` stays on both tables for the tenant-scoped readers.
export const up: Migration = async ({ context: qi }) => {
  const sql = (text: string) => qi.sequelize.query(text);
  const defaultConnection = (table: string) =>
    `UPDATE ${table} r SET connection_id = c.id
       FROM connection c WHERE c.tenant_id = r.tenant_id AND c.kind = 'kingdee_jdy' AND c.name = 'default'`;

  await sql(`ALTER TABLE sync_job ADD COLUMN connection_id uuid REFERENCES connection (id) ON DELETE CASCADE ON UPDATE CASCADE`);
  await sql(defaultConnection("sync_job"));
  await sql(`DELETE FROM sync_job WHERE connection_id IS NULL`);
  await sql(`ALTER TABLE sync_job ALTER COLUMN connection_id SET NOT NULL`);
  // A tenant with two connections has a job row for each: the tenant × job key goes.
  await sql(`DROP INDEX sync_job_tenant_id_job_name_key`);
  await sql(`CREATE UNIQUE INDEX sync_job_connection_job_key ON sync_job (connection_id, job_name)`);

  // Runs of other kinds have no connection; a sync run always has one.
  await sql(`ALTER TABLE sync_run ADD COLUMN connection_id uuid REFERENCES connection (id) ON DELETE CASCADE ON UPDATE CASCADE`);
  await sql(`${defaultConnection("sync_run")} AND r.kind = 'sync'`);
  await sql(`DELETE FROM sync_run WHERE kind = 'sync' AND connection_id IS NULL`);
  await addCheck(qi, "sync_run", "sync_run_sync_connection_check", `kind <> 'sync' OR connection_id IS NOT NULL`);
  // The run list by connection, newest first; the unfinished runs the reaper and the lock's loser look up.
  await sql(`CREATE INDEX sync_run_connection_created_idx ON sync_run (connection_id, created_at) WHERE connection_id IS NOT NULL`);
  await sql(`DROP INDEX sync_run_unfinished_idx`);
  await sql(`CREATE INDEX sync_run_unfinished_idx ON sync_run (connection_id, job_name) WHERE status IN ('running', 'pending')`);
};

export const down: Migration = async ({ context: qi }) => {
  const sql = (text: string) => qi.sequelize.query(text);
  await sql(`DROP INDEX sync_run_unfinished_idx`);
  await sql(`CREATE INDEX sync_run_unfinished_idx ON sync_run (tenant_id, job_name) WHERE status IN ('running', 'pending')`);
  await sql(`DROP INDEX sync_run_connection_created_idx`);
  await sql(`ALTER TABLE sync_run DROP CONSTRAINT sync_run_sync_connection_check`);
  await sql(`ALTER TABLE sync_run DROP COLUMN connection_id`);
  // One job row per tenant × job again: the default connection's, else the most recently updated.
  await sql(
    `DELETE FROM sync_job WHERE id IN (
       SELECT id FROM (
         SELECT j.id, row_number() OVER (PARTITION BY j.tenant_id, j.job_name ORDER BY c.name = 'default' DESC, j.updated_at DESC) AS rank
           FROM sync_job j JOIN connection c ON c.id = j.connection_id
       ) ranked WHERE rank > 1
     )`,
  );
  await sql(`DROP INDEX sync_job_connection_job_key`);
  await sql(`CREATE UNIQUE INDEX sync_job_tenant_id_job_name_key ON sync_job (tenant_id, job_name)`);
  await sql(`ALTER TABLE sync_job DROP COLUMN connection_id`);
};
