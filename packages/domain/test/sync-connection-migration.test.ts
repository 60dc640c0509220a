import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigrator, migrate } from "../src/db/index.js";
import { addJdyConnection, setupDomainDb, type TestDomainDb } from "./helpers.js";

// Migration 0024 (sync jobs and runs keyed by connection) on a database filled under 0023: a
// tenant's job rows and runs go to its default JDY connection; a tenant without one loses its
// sync rows (nothing could sync it), not its runs of other kinds.

let db: TestDomainDb;
beforeAll(async () => {
  db = await setupDomainDb({ migrate: false });
});
afterAll(async () => {
  await db?.teardown();
});

const sql = <T extends object>(query: string, bind: unknown[] = []) => db.sequelize.query<T>(query, { bind, type: QueryTypes.SELECT });
const tenant = async (name: string) => (await sql<{ id: string }>(`INSERT INTO tenant (name) VALUES ($1) RETURNING id`, [name]))[0]!.id;
const job = (tenantId: string, jobName: string, cursor: object) =>
  sql(`INSERT INTO sync_job (tenant_id, job_name, last_cursor) VALUES ($1, $2, $3::jsonb) RETURNING id`, [tenantId, jobName, JSON.stringify(cursor)]);
const run = async (tenantId: string | null, kind = "sync") =>
  (await sql<{ id: string }>(
    `INSERT INTO sync_run (kind, tenant_id, job_name, trigger, status) VALUES ($1, $2, 'documents_incremental', 'schedule', 'success') RETURNING id`,
    [kind, tenantId],
  ))[0]!.id;

describe("migration 0024", () => {
  it("keys sync jobs and runs by the tenant's default JDY connection, and back", async () => {
    await createMigrator(db.sequelize).up({ to: "0023-outbox" });
    const synced = await tenant("synced");
    const defaultConnection = await addJdyConnection(db, synced);
    await sql(`INSERT INTO connection (tenant_id, kind, name) VALUES ($1, 'kingdee_jdy', 'other') RETURNING id`, [synced]);
    await job(synced, "documents_incremental", { sal_out_bound: { watermark: "2025-01-01T00:00:00.000Z" } });
    await job(synced, "master_data_full", {});
    const syncedRun = await run(synced);
    const bare = await tenant("bare"); // never had a connection: its sync failed before reading anything
    await job(bare, "documents_incremental", {});
    await run(bare);
    const probe = await run(bare, "probe");
    const notifications = await run(null, "notifications");

    expect((await migrate(db.sequelize)).migrations).toEqual(["0024-sync-connection"]);

    expect(await sql(`SELECT tenant_id, connection_id, job_name, last_cursor FROM sync_job ORDER BY job_name`)).toEqual([
      {
        tenant_id: synced, connection_id: defaultConnection, job_name: "documents_incremental",
        last_cursor: { sal_out_bound: { watermark: "2025-01-01T00:00:00.000Z" } },
      },
      { tenant_id: synced, connection_id: defaultConnection, job_name: "master_data_full", last_cursor: {} },
    ]);
    expect(await sql(`SELECT id, kind, connection_id FROM sync_run ORDER BY kind`)).toEqual([
      { id: notifications, kind: "notifications", connection_id: null },
      { id: probe, kind: "probe", connection_id: null },
      { id: syncedRun, kind: "sync", connection_id: defaultConnection },
    ]);
    const indexes = await sql<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('sync_job', 'sync_run') AND indexdef LIKE '%connection_id%' ORDER BY 1`,
    );
    expect(indexes.map((i) => i.indexname)).toEqual(["sync_job_connection_job_key", "sync_run_connection_created_idx", "sync_run_unfinished_idx"]);
    await expect(run(synced)).rejects.toThrow(/sync_run_sync_connection_check/);

    // And back: one job row per tenant × job again, no connection column.
    const otherConnection = (await sql<{ id: string }>(`SELECT id FROM connection WHERE name = 'other'`))[0]!.id;
    await sql(`INSERT INTO sync_job (tenant_id, connection_id, job_name) VALUES ($1, $2, 'documents_incremental') RETURNING id`, [synced, otherConnection]);
    expect((await migrate(db.sequelize, { direction: "down" })).migrations).toEqual(["0024-sync-connection"]);
    expect(await sql(`SELECT tenant_id, job_name, last_cursor FROM sync_job ORDER BY job_name`)).toEqual([
      { tenant_id: synced, job_name: "documents_incremental", last_cursor: { sal_out_bound: { watermark: "2025-01-01T00:00:00.000Z" } } },
      { tenant_id: synced, job_name: "master_data_full", last_cursor: {} },
    ]);
    expect(await sql(`SELECT column_name FROM information_schema.columns WHERE column_name = 'connection_id' AND table_name IN ('sync_job', 'sync_run')`)).toEqual([]);
    await expect(job(synced, "master_data_full", {})).rejects.toMatchObject({
      name: "SequelizeUniqueConstraintError", parent: expect.objectContaining({ constraint: "sync_job_tenant_id_job_name_key" }),
    });
  });
});
