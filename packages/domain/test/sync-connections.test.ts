import type { KingdeeClient } from "@erpbridge/kingdee-sdk";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantNotReadyError } from "../src/connections/index.js";
import { jdyConnector } from "../src/connectors/index.js";
import { tenantSchedules } from "../src/scheduler/index.js";
import { SyncAlreadyRunningError, SyncService } from "../src/sync/index.js";
import { type SyncFixture, setupSync } from "./sync-fixture.js";

// A sync runs per connection × job: its lock, its job row (cursor) and its runs name the connection
// it reads through, the tenant's default one when it starts.

let f: SyncFixture;
let sync: SyncService<KingdeeClient>;
let firstConnection: string;
beforeAll(async () => {
  f = await setupSync();
  firstConnection = await idOf(`SELECT id FROM connection WHERE tenant_id = $1 AND name = 'default'`, [f.tenantId]);
  // Every connection of the tenant reads the same sandbox account here: the client is the first one's.
  const client = await f.clients.get(f.tenantId);
  sync = new SyncService({ sequelize: f.db.sequelize, connector: jdyConnector, clientFor: async () => client });
});
afterAll(async () => {
  await sync?.stop();
  await f?.teardown();
});

function query<T extends object>(sql: string, bind: unknown[] = []): Promise<T[]> {
  return f.db.sequelize.query<T>(sql, { bind, type: QueryTypes.SELECT });
}
const idOf = async (sql: string, bind: unknown[]) => (await query<{ id: string }>(sql, bind))[0]!.id;

describe("sync per connection × job", () => {
  it("a run, its job row and its records carry the tenant's default connection", async () => {
    const run = await sync.run({ tenantId: f.tenantId, resource: "customer" });
    expect(run).toMatchObject({ status: "success", connectionId: firstConnection, jobName: "master_data_full" });
    expect(await query(`SELECT connection_id, job_name, status FROM sync_job`)).toEqual([
      { connection_id: firstConnection, job_name: "master_data_full", status: "idle" },
    ]);
    expect(await query(`SELECT DISTINCT connection_id FROM source_record`)).toEqual([{ connection_id: firstConnection }]);
  });

  it("a tenant without a connection is refused before anything is locked or recorded", async () => {
    const bare = await idOf(`INSERT INTO tenant (name) VALUES ('bare') RETURNING id`, []);
    await expect(sync.start({ tenantId: bare, jobName: "documents_incremental" })).rejects.toThrow(TenantNotReadyError);
    expect(await query(`SELECT id FROM sync_run WHERE tenant_id = $1`, [bare])).toEqual([]);
  });

  it("locks per connection × job: the same job of another connection runs meanwhile; the reaper reaps per connection × job", { timeout: 60_000 }, async () => {
    f.sandbox.faults.inject({ kind: "latency", ms: 1_000, path: "/jdy/v2/scm/sal_out_bound" });
    const stopFirst = new AbortController();
    try {
      const first = await sync.start(
        { tenantId: f.tenantId, resource: "sal_out_bound", fromTime: new Date("2000-01-01T00:00:00Z") },
        { signal: stopFirst.signal },
      );
      const refused = await sync.start({ tenantId: f.tenantId, jobName: "documents_incremental" }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SyncAlreadyRunningError);
      expect((refused as Error).message).toBe(
        `sync documents_incremental of connection default (${firstConnection}) is already running (run ${first.run.id})`,
      );

      // The tenant moves to a new default connection; the first one's run goes on.
      await query(`UPDATE connection SET name = 'archive' WHERE id = $1 RETURNING id`, [firstConnection]);
      const secondConnection = await idOf(`INSERT INTO connection (tenant_id, kind) VALUES ($1, 'kingdee_jdy') RETURNING id`, [f.tenantId]);
      // A run of the new connection whose worker died (no lock held), same job as the live run.
      const abandoned = await idOf(
        `INSERT INTO sync_run (tenant_id, connection_id, job_name, trigger, status, started_at)
         VALUES ($1, $2, 'documents_incremental', 'schedule', 'running', now()) RETURNING id`,
        [f.tenantId, secondConnection],
      );
      await query(
        `INSERT INTO sync_job (tenant_id, connection_id, job_name, status, locked_by, locked_at)
         VALUES ($1, $2, 'documents_incremental', 'running', $3, now()) RETURNING id`,
        [f.tenantId, secondConnection, abandoned],
      );
      expect(await sync.reapAbandonedRuns()).toBe(1);
      expect(await query(`SELECT status FROM sync_run WHERE id = $1`, [abandoned])).toEqual([{ status: "failed" }]);
      await first.run.reload();
      expect(first.run.status).toBe("running");

      const second = await sync.run({ tenantId: f.tenantId, resource: "sal_invoice" });
      expect(second).toMatchObject({ status: "success", connectionId: secondConnection, jobName: "documents_incremental" });
      await first.run.reload();
      expect(first.run.status).toBe("running");

      stopFirst.abort();
      expect(await first.done).toMatchObject({ status: "stopped", connectionId: firstConnection });
      expect(await query(`SELECT connection_id, status, locked_by FROM sync_job WHERE job_name = 'documents_incremental' ORDER BY created_at`)).toEqual([
        { connection_id: firstConnection, status: "idle", locked_by: null },
        { connection_id: secondConnection, status: "idle", locked_by: null },
      ]);
    } finally {
      f.sandbox.faults.clear();
    }
  });

  it("the tenant's schedule takes the overrides of the connection its runs sync (the default one)", async () => {
    const defaults = { enabled: true, masterDataCron: "0 2 * * *", documentsCron: "0 * * * *" };
    await query(`UPDATE sync_job SET cron = '0 5 * * *' WHERE connection_id = $1 RETURNING id`, [firstConnection]); // the archived one
    await query(`UPDATE sync_job SET enabled = false WHERE connection_id <> $1 AND job_name = 'documents_incremental' RETURNING id`, [firstConnection]);
    expect(await tenantSchedules(f.tenantId, defaults)).toEqual([
      { jobName: "master_data_full", cron: "0 2 * * *", enabled: true },
      { jobName: "documents_incremental", cron: "0 * * * *", enabled: false },
    ]);
  });
});
