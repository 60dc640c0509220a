import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PostgresBackend } from "@agendajs/postgres-backend";
import { createTestDatabase, requireMongo, type TestDatabase } from "@erpbridge/test-support";
import { Agenda } from "agenda";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createSchedulerBackend, maskUrl, SchedulerStartError, } from "../src/jobs/index.js";
import type { DomainLogger } from "../src/logger.js";
import {
  createSyncScheduler,
  isValidCronExpression,
  syncScheduleDefaults,
  type SyncJobArgs,
  type SyncScheduler,
  type SyncSchedulerOptions,
} from "../src/scheduler/index.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/scheduler/start-stop.ts", import.meta.url));
const replicaFixture = fileURLToPath(new URL("./fixtures/scheduler/start-together.ts", import.meta.url));

const databases: TestDatabase[] = [];
const schedulers: SyncScheduler[] = [];

afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  for (const db of databases) await db.drop();
});

/** Every test gets its own database, so schedulers of different tests never see each other's jobs. */
async function freshDb(): Promise<TestDatabase> {
  const db = await createTestDatabase("scheduler");
  databases.push(db);
  return db;
}

interface Recorder extends DomainLogger {
  lines: Array<{ level: string; msg: string; meta?: object }>;
}
function recorder(): Recorder {
  const lines: Recorder["lines"] = [];
  return {
    lines,
    info: (msg, meta) => lines.push({ level: "info", msg, ...(meta ? { meta } : {}) }),
    warn: (msg, meta) => lines.push({ level: "warn", msg, ...(meta ? { meta } : {}) }),
    error: (msg, meta) => lines.push({ level: "error", msg, ...(meta ? { meta } : {}) }),
  };
}

function scheduler(opts: Partial<SyncSchedulerOptions> & Pick<SyncSchedulerOptions, "databaseUrl">): SyncScheduler {
  const s = createSyncScheduler({
    runJob: async () => {},
    processEvery: 200,
    lockLifetimeMs: 2_000,
    stopTimeoutMs: 5_000,
    logger: recorder(),
    ...opts,
  });
  schedulers.push(s);
  return s;
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

async function sql<T extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Collects unhandled rejections while `fn` runs (and shortly after). */
async function noUnhandledRejections(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on("unhandledRejection", listener);
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    process.off("unhandledRejection", listener);
  }
  return seen;
}

/** Schedule → stop (restart) → new instance on the same store lists and runs the job. */
async function restartScenario(base: { databaseUrl: string; mongoUrl?: string }): Promise<void> {
  const tenantId = `t-${Math.random().toString(36).slice(2, 8)}`;
  const firstRuns: SyncJobArgs[] = [];
  const first = scheduler({ ...base, runJob: async (a) => void firstRuns.push(a) });
  await first.start();
  expect(first.backendName).toBe(base.mongoUrl ? "mongo" : "postgres");
  await first.scheduleTenant(tenantId, [{ jobName: "documents", cron: "2 seconds", enabled: true }]);
  expect((await first.jobs(tenantId)).map((j) => [j.tenantId, j.jobName, j.cron])).toEqual([
    [tenantId, "documents", "2 seconds"],
  ]);
  await first.stop();
  expect(firstRuns).toEqual([]); // stopped before the first tick (skipImmediate)

  const secondRuns: SyncJobArgs[] = [];
  const second = scheduler({ ...base, runJob: async (a) => void secondRuns.push(a) });
  await second.start();
  const listed = await second.jobs();
  expect(listed.filter((j) => j.tenantId === tenantId)).toHaveLength(1);
  await waitFor(() => secondRuns.length > 0, 8_000, "the job to run after the restart");
  expect(secondRuns[0]).toMatchObject({ tenantId, jobName: "documents", trigger: "schedule" });
  const [row] = await waitFor(async () => {
    const rows = await second.jobs(tenantId);
    return rows[0]?.lastFinishedAt ? rows : undefined;
  }, 5_000, "lastFinishedAt");
  expect(row?.lastRunAt).toBeInstanceOf(Date);
  expect(row?.failReason).toBeNull();
  await second.unscheduleTenant(tenantId);
  await second.stop();
}

describe("sync scheduler on PostgreSQL", () => {
  it("keeps a scheduled job across a restart and runs it on the new instance", async () => {
    const db = await freshDb();
    await restartScenario({ databaseUrl: db.url });
  });

  it("keeps one job per tenant × job name; rescheduling updates, enabled:false removes", async () => {
    const db = await freshDb();
    const s = scheduler({ databaseUrl: db.url });
    await s.start();
    await s.scheduleTenant("tenant-a", [
      { jobName: "documents", cron: "0 * * * *", enabled: true },
      { jobName: "master-data", cron: "0 2 * * *", enabled: true },
    ]);
    await s.scheduleTenant("tenant-b", [{ jobName: "documents", cron: "0 * * * *", enabled: true }]);
    // idempotent: same call again (e.g. after a restart) changes nothing
    const before = await s.jobs();
    await s.scheduleTenant("tenant-a", [{ jobName: "documents", cron: "0 * * * *", enabled: true }]);
    expect(await s.jobs()).toEqual(before);
    expect(before.map((j) => `${j.tenantId}/${j.jobName}/${j.cron}/${j.timezone}`)).toEqual([
      "tenant-a/documents/0 * * * */Asia/Shanghai",
      "tenant-a/master-data/0 2 * * */Asia/Shanghai",
      "tenant-b/documents/0 * * * */Asia/Shanghai",
    ]);
    for (const j of before) expect(j.nextRunAt!.getTime()).toBeGreaterThan(Date.now());

    // new cron for tenant-a only: updated in place, tenant-b untouched
    await s.scheduleTenant("tenant-a", [{ jobName: "documents", cron: "30 * * * *", enabled: true }]);
    const after = await s.jobs();
    expect(after.map((j) => `${j.tenantId}/${j.jobName}/${j.cron}`)).toEqual([
      "tenant-a/documents/30 * * * *",
      "tenant-a/master-data/0 2 * * *",
      "tenant-b/documents/0 * * * *",
    ]);
    expect(after[0]!.nextRunAt!.getUTCMinutes()).toBe(30);
    const rows = await sql<{ n: string }>(
      db.url,
      `SELECT count(*) AS n FROM agenda_jobs WHERE data->>'tenantId' = 'tenant-a' AND data->>'jobName' = 'documents'`,
    );
    expect(rows[0]?.n).toBe("1");

    // a second instance scheduling the same thing concurrently still leaves one row
    const other = scheduler({ databaseUrl: db.url });
    await Promise.all([
      s.scheduleTenant("tenant-c", [{ jobName: "documents", cron: "5 * * * *", enabled: true }]),
      other.scheduleTenant("tenant-c", [{ jobName: "documents", cron: "5 * * * *", enabled: true }]),
    ]);
    expect((await s.jobs("tenant-c")).length).toBe(1);

    await s.scheduleTenant("tenant-a", [{ jobName: "master-data", cron: "0 2 * * *", enabled: false }]);
    expect((await s.jobs("tenant-a")).map((j) => j.jobName)).toEqual(["documents"]);
    expect(await s.unscheduleTenant("tenant-b")).toBe(1);
    expect((await s.jobs()).map((j) => j.tenantId)).toEqual(["tenant-a", "tenant-c"]);

    await expect(
      s.scheduleTenant("tenant-a", [{ jobName: "documents", cron: "61 * * * *", enabled: true }]),
    ).rejects.toThrow(/invalid cron "61 \* \* \* \*"/);
    await expect(s.scheduleTenant("", [])).rejects.toThrow();
  });

  it("agenda.every() upserts by job name only (why the scheduler uses create().unique())", async () => {
    const db = await freshDb();
    const backend = new PostgresBackend({ connectionString: db.url, tableName: "every_probe", disableNotifications: true });
    await backend.connect();
    const agenda = new Agenda({ backend, processEvery: 60_000 });
    try {
      await agenda.ready;
      await agenda.every("1 hour", "probe", { tenantId: "a" });
      await agenda.every("1 hour", "probe", { tenantId: "b" });
      const { jobs } = await agenda.queryJobs({ name: "probe" });
      expect(jobs.map((j) => j.data)).toEqual([{ tenantId: "b" }]);
    } finally {
      await backend.disconnect();
    }
  });

  it("SYNC_ALREADY_RUNNING is a quiet skip; other errors are recorded as failures", async () => {
    const db = await freshDb();
    const log = recorder();
    const calls: SyncJobArgs[] = [];
    const s = scheduler({
      databaseUrl: db.url,
      logger: log,
      runJob: async (args) => {
        calls.push(args);
        if (args.tenantId === "busy") throw Object.assign(new Error("a manual sync is running"), { code: "SYNC_ALREADY_RUNNING" });
        throw new Error("Kingdee said no");
      },
    });
    await s.start();
    await s.scheduleTenant("busy", [{ jobName: "documents", cron: "1 second", enabled: true }]);
    await s.scheduleTenant("broken", [{ jobName: "documents", cron: "1 second", enabled: true }]);
    const finished = await waitFor(async () => {
      const rows = await s.jobs();
      return rows.every((r) => r.lastFinishedAt) ? rows : undefined;
    }, 8_000, "both jobs to finish once");
    const busy = finished.find((r) => r.tenantId === "busy")!;
    const broken = finished.find((r) => r.tenantId === "broken")!;
    expect(busy.failReason).toBeNull();
    expect(broken.failReason).toBe("Kingdee said no");
    const raw = await sql<{ fail_count: number | null; fail_reason: string | null }>(
      db.url,
      `SELECT fail_count, fail_reason FROM agenda_jobs WHERE data->>'tenantId' = 'busy'`,
    );
    expect(raw).toEqual([{ fail_count: null, fail_reason: null }]);
    expect(log.lines.some((l) => l.level === "info" && /already running/.test(l.msg))).toBe(true);
    expect(log.lines.some((l) => l.level === "error" && /sync failed/.test(l.msg))).toBe(true);

    // runNow goes through the same processor (manual trigger), also a quiet skip
    await s.unscheduleTenant("busy");
    await s.unscheduleTenant("broken");
    const before = calls.length;
    await s.runNow("busy", "master-data");
    await waitFor(() => calls.slice(before).some((c) => c.trigger === "manual"), 5_000, "the manual run");
    expect(calls.slice(before).find((c) => c.trigger === "manual")).toMatchObject({ tenantId: "busy", jobName: "master-data" });
    const manual = await waitFor(async () => {
      const r = await sql<{ fail_reason: string | null; last_finished_at: Date | null }>(
        db.url,
        `SELECT fail_reason, last_finished_at FROM agenda_jobs WHERE data->>'trigger' = 'manual'`,
      );
      return r[0]?.last_finished_at ? r : undefined;
    }, 5_000, "the manual run to be recorded");
    expect(manual).toHaveLength(1);
    expect(manual[0]?.fail_reason).toBeNull();
    expect(await s.jobs()).toEqual([]); // manual runs are not listed as scheduled jobs
  });

  it("stop() tells a running sync to stop, then waits for it to finish", async () => {
    const db = await freshDb();
    let finished = false;
    let started = false;
    let toldToStop = false;
    const s = scheduler({
      databaseUrl: db.url,
      runJob: async ({ signal }) => {
        started = true;
        await new Promise((r) => setTimeout(r, 1_500));
        toldToStop = signal.aborted; // a sync checks this after each page
        finished = true;
      },
    });
    await s.start();
    await s.runNow("slow", "documents");
    await waitFor(() => started, 5_000, "the run to start");
    await s.stop();
    expect(finished).toBe(true);
    expect(toldToStop).toBe(true);
    const rows = await sql<{ locked_at: Date | null; last_finished_at: Date | null }>(
      db.url,
      `SELECT locked_at, last_finished_at FROM agenda_jobs`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.locked_at).toBeNull();
    expect(rows[0]?.last_finished_at).toBeInstanceOf(Date);
  });

  it("a wrong DATABASE_URL fails start() clearly, without leaking the password", async () => {
    const url = "postgres://postgres:hunter2@127.0.0.1:1/erpbridge";
    const seen = await noUnhandledRejections(async () => {
      const t0 = Date.now();
      const s = scheduler({ databaseUrl: url });
      const error = await s.start().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(SchedulerStartError);
      const message = (error as Error).message;
      expect(message).toMatch(/^Scheduler: cannot reach PostgreSQL at DATABASE_URL \(postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/erpbridge\): /);
      expect(message).not.toContain("hunter2");
      expect(Date.now() - t0).toBeLessThan(5_000);
      // a scheduler that failed to start can be stopped
      await s.stop();
    });
    expect(seen).toEqual([]);
  });
});

describe("wrong MONGODB_URL (no server listening)", () => {
  it("createSyncScheduler().start() and createSchedulerBackend() reject with SchedulerStartError within 5 s", async () => {
    const db = await freshDb();
    const seen = await noUnhandledRejections(async () => {
      const t0 = Date.now();
      const s = scheduler({ databaseUrl: db.url, mongoUrl: "mongodb://erp:s3cret@127.0.0.1:1/erpbridge" });
      expect(s.backendName).toBe("mongo");
      const error = await s.start().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(SchedulerStartError);
      expect((error as SchedulerStartError).variable).toBe("MONGODB_URL");
      const message = (error as Error).message;
      expect(message).toMatch(/^Scheduler: cannot reach MongoDB at MONGODB_URL \(mongodb:\/\/erp:\*\*\*@127\.0\.0\.1:1\/erpbridge\): /);
      expect(message).not.toContain("s3cret");
      expect(Date.now() - t0).toBeLessThan(5_000);

      const t1 = Date.now();
      await expect(
        createSchedulerBackend({ databaseUrl: db.url, mongoUrl: "mongodb://127.0.0.1:1/erpbridge" }),
      ).rejects.toThrow(/MONGODB_URL \(mongodb:\/\/127\.0\.0\.1:1\/erpbridge\)/);
      expect(Date.now() - t1).toBeLessThan(5_000);
    });
    expect(seen).toEqual([]);
  });
});

const mongo = requireMongo("scheduler on MongoDB");
describe.skipIf(!mongo)("sync scheduler on MongoDB", () => {
  it("keeps a scheduled job across a restart and runs it on the new instance", async () => {
    await restartScenario({ databaseUrl: "postgres://unused@127.0.0.1:1/unused", mongoUrl: mongo! });
  });
});

describe("process exit", () => {
  function runChild(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; exitedAfterLastLineMs: number }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", fixture], {
        cwd: packageDir,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      let lastLineAt = Date.now();
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        lastLineAt = Date.now();
      });
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const killer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`child did not exit by itself; stdout=${stdout} stderr=${stderr}`));
      }, 60_000); // a bound for a hung child, not a speed target: a busy CI machine takes seconds to start tsx
      child.on("exit", (code) => {
        clearTimeout(killer);
        resolve({ code, stdout, stderr, exitedAfterLastLineMs: Date.now() - lastLineAt });
      });
    });
  }

  it("a process that starts, runs a job and stops the scheduler exits by itself", async () => {
    const db = await freshDb();
    const r = await runChild({ SCHED_DB_URL: db.url, SCHED_MODE: "run" });
    expect(r.stdout).toMatch(/stopped runs=[1-9]/);
    expect(r.code).toBe(0);
    expect(r.exitedAfterLastLineMs).toBeLessThan(3_000);
  }, 70_000);

  it("a process whose scheduler cannot reach MongoDB exits by itself", async () => {
    const db = await freshDb();
    const r = await runChild({ SCHED_DB_URL: db.url, SCHED_MODE: "bad-mongo" });
    expect(r.stdout).toMatch(/start-error: true Scheduler: cannot reach MongoDB at MONGODB_URL/);
    expect(r.code).toBe(0);
    expect(r.exitedAfterLastLineMs).toBeLessThan(3_000);
  }, 70_000);
});

describe("replicas starting together on an empty database", () => {
  /** Starts `count` children, releases them at once when all are ready, and collects what each said. */
  async function startTogether(url: string, count: number): Promise<Array<{ code: number | null; stdout: string; stderr: string }>> {
    const children = Array.from({ length: count }, () => {
      const child = spawn(process.execPath, ["--import", "tsx", replicaFixture], {
        cwd: packageDir,
        env: { ...process.env, SCHED_DB_URL: url },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const ready = new Promise<void>((resolve) =>
        child.stdout.on("data", (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes("ready")) resolve();
        }),
      );
      const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
        child.on("exit", (code) => resolve({ code, stdout, stderr })),
      );
      return { child, ready, exited };
    });
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.write("go\n");
    return Promise.all(children.map((c) => c.exited));
  }

  it("every replica comes up: the job table is created under the migration lock, not side by side", { timeout: 180_000 }, async () => {
    for (let round = 0; round < 4; round++) {
      const db = await freshDb();
      const results = await startTogether(db.url, 3);
      for (const r of results) {
        expect(r.stdout, r.stderr).toMatch(/^up$/m);
        expect(r.code).toBe(0);
      }
    }
  });

  it("a failure while creating the job table is named as such, not as an unreachable database", async () => {
    const db = await freshDb();
    // A view squatting on the table's name: connecting works, creating the indexes does not.
    await sql(db.url, "CREATE VIEW agenda_jobs AS SELECT 1 AS id");
    const error = await createSchedulerBackend({ databaseUrl: db.url }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SchedulerStartError);
    expect((error as Error).message).toMatch(/^Scheduler: cannot create its job table "agenda_jobs" in PostgreSQL at DATABASE_URL/);
    expect((error as Error).message).not.toMatch(/cannot reach/);
  });
});

describe("syncScheduleDefaults", () => {
  it("reads the env with defaults", () => {
    expect(syncScheduleDefaults({})).toEqual({ enabled: true, masterDataCron: "0 2 * * *", documentsCron: "0 * * * *" });
    expect(
      syncScheduleDefaults({
        SYNC_SCHEDULER_ENABLED: "false",
        SYNC_MASTER_DAILY_CRON: "30 3 * * *",
        SYNC_DOCUMENT_HOURLY_CRON: "*/15 8-20 * * MON-FRI",
      }),
    ).toEqual({ enabled: false, masterDataCron: "30 3 * * *", documentsCron: "*/15 8-20 * * MON-FRI" });
    expect(syncScheduleDefaults({ SYNC_SCHEDULER_ENABLED: "true", SYNC_MASTER_DAILY_CRON: "" }).masterDataCron).toBe("0 2 * * *");
  });

  it("names the variable of a bad cron", () => {
    expect(() => syncScheduleDefaults({ SYNC_MASTER_DAILY_CRON: "0 25 * * *" })).toThrow(
      /SYNC_MASTER_DAILY_CRON="0 25 \* \* \*" is not a valid cron expression/,
    );
    expect(() => syncScheduleDefaults({ SYNC_DOCUMENT_HOURLY_CRON: "every hour" })).toThrow(/SYNC_DOCUMENT_HOURLY_CRON/);
  });

  it("accepts what agenda (cron-parser) accepts and rejects the obvious mistakes", () => {
    for (const ok of ["0 2 * * *", "*/5 * * * * *", "0 0 L * *", "0 0 * * 5L", "0 0 * * 1#2", "0 0 ? * MON-FRI", "0 0 1 JAN,JUL *", "@daily", "0 0 * * 7"]) {
      expect(isValidCronExpression(ok), ok).toBe(true);
    }
    for (const bad of ["", "0 2 * *", "61 * * * *", "0 0 * * 8", "0 0 0 * * * *", "*/0 * * * *", "5-1 * * * *", "2 seconds"]) {
      expect(isValidCronExpression(bad), bad).toBe(false);
    }
  });

  it("valid crons schedule in agenda too", async () => {
    const db = await freshDb();
    const s = scheduler({ databaseUrl: db.url });
    const crons = ["0 2 * * *", "*/5 * * * * *", "0 0 L * *", "0 0 * * 5L", "0 0 * * 1#2", "0 0 ? * MON-FRI", "0 0 1 JAN,JUL *", "@daily"];
    await s.scheduleTenant("t", crons.map((cron, i) => ({ jobName: `j${i}`, cron, enabled: true })));
    const jobs = await s.jobs("t");
    expect(jobs.map((j) => j.cron).sort()).toEqual([...crons].sort());
    for (const j of jobs) expect(j.nextRunAt).toBeInstanceOf(Date);
  });

  it("maskUrl hides passwords only", () => {
    expect(maskUrl("mongodb://u:p%40ss@h1:27017,h2:27017/db?replicaSet=rs")).toBe("mongodb://u:***@h1:27017,h2:27017/db?replicaSet=rs");
    expect(maskUrl("postgres://postgres@127.0.0.1:5432/test")).toBe("postgres://postgres@127.0.0.1:5432/test");
    expect(maskUrl("postgres://h/db?user=a&password=b")).toBe("postgres://h/db?user=a&password=***");
  });
});
