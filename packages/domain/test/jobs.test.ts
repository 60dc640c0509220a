import { QueryTypes } from "sequelize";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createJobRuntime, type JobRuntime, listJobRuns, recordJobRun } from "../src/jobs/index.js";
import { SyncRun } from "../src/models/index.js";
import { registerNotificationJobs } from "../src/notifications/queue.js";
import { addJdyConnection, setupDomainDb, type TestDomainDb } from "./helpers.js";

// The job runtime (one Agenda instance per process with a registry of job kinds) and the business
// run history of every kind.

let db: TestDomainDb;
let tenantId: string;
let connectionId: string;
const runtimes: JobRuntime[] = [];
const silent = { info() {}, warn() {}, error() {} };

beforeAll(async () => {
  db = await setupDomainDb();
  const [t] = await db.sequelize.query<{ id: string }>(
    `INSERT INTO tenant (id, name, created_at, updated_at) VALUES (gen_random_uuid(), 't', now(), now()) RETURNING id`,
    { type: QueryTypes.SELECT },
  );
  tenantId = t!.id;
  connectionId = await addJdyConnection(db, tenantId);
});
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await db?.teardown();
});

function runtime(): JobRuntime {
  const r = createJobRuntime({ databaseUrl: db.testDb.url, processEvery: 200, lockLifetimeMs: 2_000, stopTimeoutMs: 5_000, logger: silent });
  runtimes.push(r);
  return r;
}

async function waitFor<T>(probe: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("job runtime", () => {
  it("runs every registered kind on one Agenda instance: queued ones, repeating ones; names are unique", async () => {
    const jobs = runtime();
    const seen: Array<{ kind: string; data: unknown }> = [];
    jobs.register<{ n: number }>({ name: "alpha", run: async ({ data }) => void seen.push({ kind: "alpha", data }) });
    jobs.register({ name: "beta", every: "1 second", run: async () => void seen.push({ kind: "beta", data: null }) });
    expect(() => jobs.register({ name: "alpha", run: async () => {} })).toThrow(/already registered/);
    expect(jobs.kinds()).toEqual(["alpha", "beta"]);
    expect(jobs.backendName).toBe("postgres");

    await jobs.start();
    expect(jobs.started).toBe(true);
    await (await jobs.agenda()).now("alpha", { n: 7 });
    await waitFor(() => seen.some((s) => s.kind === "alpha") && seen.some((s) => s.kind === "beta"), 10_000, "both kinds to run");
    expect(seen.find((s) => s.kind === "alpha")?.data).toEqual({ n: 7 });

    // Both kinds were run by the same instance (Agenda records its name on each job it ran).
    const rows = await db.sequelize.query<{ name: string; last_modified_by: string | null }>(
      `SELECT name, last_modified_by FROM agenda_jobs WHERE name IN ('alpha', 'beta') AND last_run_at IS NOT NULL`,
      { type: QueryTypes.SELECT },
    );
    const instances = new Set(rows.map((r) => r.last_modified_by));
    expect(rows.map((r) => r.name).sort()).toEqual(["alpha", "beta"]);
    expect(instances.size).toBe(1);
    expect([...instances][0]).toMatch(new RegExp(`^erpbridge@.+:${process.pid}$`));
  });

  it("a process that does not start the runtime queues jobs but runs none; one that starts runs them", async () => {
    const api = runtime();
    let apiRan = 0;
    api.register({ name: "gamma", run: async () => void apiRan++ });
    await (await api.agenda()).now("gamma"); // connected, not started
    await new Promise((r) => setTimeout(r, 1_000));
    expect(apiRan).toBe(0);

    const worker = runtime();
    let workerRan = 0;
    worker.register({ name: "gamma", run: async () => void workerRan++ });
    await worker.start();
    await waitFor(() => workerRan === 1, 10_000, "the worker to run the queued job");
    expect(apiRan).toBe(0);
  });

  it("stop() tells every running job to stop first, then waits for it", async () => {
    const jobs = runtime();
    let started = false;
    let toldToStop = false;
    jobs.register({
      name: "slow",
      run: async ({ signal }) => {
        started = true;
        await new Promise((r) => setTimeout(r, 1_000));
        toldToStop = signal.aborted;
      },
    });
    await jobs.start();
    await (await jobs.agenda()).now("slow");
    await waitFor(() => started, 5_000, "the job to start");
    await jobs.stop();
    expect(toldToStop).toBe(true);
    expect(jobs.started).toBe(false);
  });
});

describe("run history", () => {
  it("holds runs of every kind, with trigger, status incl. partial, counts, duration and error; SyncRun sees syncs only", async () => {
    const t0 = new Date(Date.now() - 5_000);
    const sync = await SyncRun.create({ tenantId, connectionId, jobName: "documents_incremental", trigger: "schedule", status: "success", startedAt: t0, finishedAt: new Date(t0.getTime() + 1_500) });
    await SyncRun.update({ fetchedCount: 10, insertedCount: 4, failedCount: 0 }, { where: { id: sync.id } });
    const partial = await recordJobRun(db.sequelize, {
      kind: "notifications", jobName: "delivery_notices", trigger: "schedule", startedAt: t0, finishedAt: new Date(t0.getTime() + 250),
      counts: { sent: 3, retried: 1 }, failed: 1,
    });
    const failed = await recordJobRun(db.sequelize, {
      kind: "probe", jobName: "erp", tenantId, trigger: "schedule", startedAt: t0, error: "token expired",
    });
    const webhook = await recordJobRun(db.sequelize, { kind: "wecom", jobName: "message", tenantId, trigger: "webhook", startedAt: t0 });

    const all = await listJobRuns(db.sequelize, {});
    expect(all.total).toBe(4);
    const byId = new Map(all.runs.map((r) => [r.id, r]));
    expect(byId.get(sync.id)).toMatchObject({
      kind: "sync", jobName: "documents_incremental", tenantId, connectionId, connectionName: "default", trigger: "schedule", status: "success", durationMs: 1500,
      counts: { fetched: 10, inserted: 4, updated: 0, unchanged: 0, failed: 0 },
    });
    expect(byId.get(partial)).toMatchObject({ kind: "notifications", tenantId: null, connectionId: null, connectionName: null, status: "partial", durationMs: 250, counts: { sent: 3, retried: 1, failed: 1 } });
    expect(byId.get(failed)).toMatchObject({ kind: "probe", status: "failed", error: "token expired" });
    expect(byId.get(webhook)).toMatchObject({ kind: "wecom", trigger: "webhook", status: "success" });

    expect((await listJobRuns(db.sequelize, { kind: "notifications" })).runs.map((r) => r.id)).toEqual([partial]);
    expect((await listJobRuns(db.sequelize, { status: "partial" })).runs.map((r) => r.id)).toEqual([partial]);
    expect((await listJobRuns(db.sequelize, { tenantId })).total).toBe(3);
    expect((await listJobRuns(db.sequelize, { connectionId })).runs.map((r) => r.id)).toEqual([sync.id]);
    const paged = await listJobRuns(db.sequelize, { page: 2, pageSize: 3 });
    expect(paged).toMatchObject({ page: 2, pageSize: 3, total: 4 });
    expect(paged.runs).toHaveLength(1);
    await expect(listJobRuns(db.sequelize, { status: "weird" as never })).rejects.toThrow();

    expect((await SyncRun.findAll()).map((r) => r.id)).toEqual([sync.id]);
    expect(await SyncRun.findByPk(partial)).toBeNull();
    await db.sequelize.query(`DELETE FROM sync_run`);
  });

  it("a notification pass that did something, or failed, is a run; an idle sweep is not", async () => {
    const jobs = runtime();
    const passes = [
      { events: 0, queued: 0, sent: 0, noConsent: 0, failed: 0, retried: 0, reaped: 0 },
      { events: 2, queued: 2, sent: 1, noConsent: 0, failed: 1, retried: 0, reaped: 0 },
    ];
    let fail = false;
    const notifications = registerNotificationJobs(jobs, {
      sequelize: db.sequelize,
      logger: silent,
      run: async () => {
        if (fail) throw new Error("database went away");
        return passes.shift() ?? { events: 0, queued: 0, sent: 0, noConsent: 0, failed: 0, retried: 0, reaped: 0 };
      },
    });
    expect(jobs.kinds()).toEqual(["wechat-notify", "wechat-notify-sweep"]);
    await notifications.runNow("schedule"); // idle
    await notifications.runNow("schedule"); // one sent, one failed
    fail = true;
    await expect(notifications.runNow("manual")).rejects.toThrow("database went away");
    const { runs } = await listJobRuns(db.sequelize, { kind: "notifications" });
    expect(runs.map((r) => [r.trigger, r.status, r.counts.sent ?? null, r.counts.failed, r.error])).toEqual([
      ["manual", "failed", null, 0, "database went away"],
      ["schedule", "partial", 1, 1, null],
    ]);
  });
});
