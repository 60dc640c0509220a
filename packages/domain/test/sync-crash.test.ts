import { spawn } from "node:child_process";
import { join } from "node:path";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jdyConnector } from "../src/connectors/index.js";
import { SyncService } from "../src/sync/index.js";
import { SMALL_COUNTS, type SyncFixture, setupSync } from "./sync-fixture.js";

const DOCS = 1_500;
let f: SyncFixture;
beforeAll(async () => {
  f = await setupSync({ sandbox: { counts: { ...SMALL_COUNTS, sal_out_bound: DOCS } } });
  await f.sync.run({ tenantId: f.tenantId, jobName: "master_data_full" });
});
afterAll(() => f?.teardown());

describe("crash mid-sync", () => {
  it("a worker killed with SIGKILL after page k resumes there: exact totals, no duplicate, no gap", { timeout: 120_000 }, async () => {
    // Slow pages so the kill lands in the middle of the out-bound stream.
    f.sandbox.faults.inject({ kind: "latency", ms: 120, path: "/jdy/v2/scm/sal_out_bound" });
    const worker = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "fixtures", "sync-worker.ts")], {
      cwd: join(import.meta.dirname, ".."),
      env: {
        ...process.env,
        DATABASE_URL: f.db.testDb.url,
        ENCRYPTION_KEY: f.encryptionKey,
        TENANT_ID: f.tenantId,
        JOB_NAME: "documents_incremental",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    worker.stderr.on("data", (chunk) => (stderr += chunk));
    worker.stdout.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => worker.on("exit", (code, signal) => resolve(signal ?? code)));

    const deadline = Date.now() + 60_000;
    while ((await f.outBoundNextPage()) < 6) {
      if (Date.now() > deadline || worker.exitCode !== null) throw new Error(`worker never reached page 6: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    worker.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    f.sandbox.faults.clear();

    const killedAt = await f.outBoundNextPage();
    expect(killedAt).toBeGreaterThanOrEqual(6);
    const storedBefore = await f.count(`SELECT count(*) AS n FROM source_record WHERE stream = 'sal_out_bound'`);
    expect(storedBefore).toBeGreaterThanOrEqual((killedAt - 1) * 100);
    expect(storedBefore).toBeLessThan(DOCS);
    const lastRun = async () =>
      (
        await f.db.sequelize.query<{ id: string; status: string; error: string | null }>(
          `SELECT id, status, error FROM sync_run WHERE job_name = 'documents_incremental' ORDER BY created_at DESC LIMIT 1`,
          { type: QueryTypes.SELECT },
        )
      )[0]!;
    const dead = await lastRun();
    expect(dead.status).toBe("running"); // nobody is left to say otherwise…

    // …until another replica's reaper sees that the run's lock is gone: well inside the scheduler's
    // 10 s lock lifetime, not at the next run of the job (a day, for the daily job).
    const replica = new SyncService({ sequelize: f.db.sequelize, connector: jdyConnector, clientFor: (id) => f.clients.get(id) });
    const reapStarted = Date.now();
    replica.startReaping(1_000);
    while ((await lastRun()).status === "running") {
      if (Date.now() - reapStarted > 10_000) throw new Error("the killed run is still running after 10 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    await replica.stop();
    expect(await lastRun()).toMatchObject({ id: dead.id, status: "failed", error: expect.stringMatching(/^abandoned/) });
    const [job] = await f.db.sequelize.query<{ status: string; locked_by: string | null }>(
      `SELECT status, locked_by FROM sync_job WHERE job_name = 'documents_incremental'`,
      { type: QueryTypes.SELECT },
    );
    expect(job).toEqual({ status: "failed", locked_by: null });

    f.sandbox.calls.reset();
    const resumed = await f.sync.run({ tenantId: f.tenantId, jobName: "documents_incremental" });
    expect(resumed.status).toBe("success");
    expect(resumed.warnings.join("\n")).toMatch(new RegExp(`sal_out_bound: resumed an interrupted window at page ${killedAt}`));
    // It did not start over: the pages already committed were not listed again.
    expect(f.sandbox.calls.count("/jdy/v2/scm/sal_out_bound")).toBe(Math.ceil(DOCS / 100) - killedAt + 1);

    const ids = f.sandbox.data.rows("sal_out_bound").map((r) => r.id);
    const stored = await f.db.sequelize.query<{ biz_id: string; versions: number; current: number }>(
      `SELECT record_id AS biz_id, count(*)::int AS versions, count(*) FILTER (WHERE is_current)::int AS current
         FROM source_record WHERE stream = 'sal_out_bound' GROUP BY record_id`,
      { type: QueryTypes.SELECT },
    );
    expect(stored).toHaveLength(DOCS);
    expect(new Set(stored.map((s) => s.biz_id))).toEqual(new Set(ids));
    expect(stored.every((s) => s.versions === 1 && s.current === 1)).toBe(true);
    expect(await f.count(`SELECT count(*) AS n FROM delivery`)).toBe(DOCS);
    expect(await f.count(`SELECT count(*) AS n FROM delivery_item`)).toBe(
      f.sandbox.data.rows("sal_out_bound").reduce((n, r) => n + (r.material_entity as unknown[]).length, 0),
    );
    const [old] = await f.db.sequelize.query<{ status: string; error: string }>(`SELECT status, error FROM sync_run WHERE id = $1`, {
      bind: [dead.id],
      type: QueryTypes.SELECT,
    });
    expect(old).toMatchObject({ status: "failed" });
    expect(old!.error).toMatch(/^abandoned/);
  });

  it("the reaper leaves a live run alone: it holds the run's lock", { timeout: 60_000 }, async () => {
    f.sandbox.faults.inject({ kind: "latency", ms: 150, path: "/jdy/v2/scm/sal_out_bound" });
    try {
      const { run, done } = await f.sync.start({ tenantId: f.tenantId, resource: "sal_out_bound", fromTime: new Date("2000-01-01T00:00:00Z") });
      expect(await f.sync.reapAbandonedRuns()).toBe(0);
      await run.reload();
      expect(run.status).toBe("running");
      expect((await done).status).toBe("success");
    } finally {
      f.sandbox.faults.clear();
    }
  });
});
