import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { join } from "node:path";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, SMALL_COUNTS, startTestApi, type TestApi } from "./harness.js";

// The worker entrypoint and the API with jobs off, as real processes on one database: the
// scheduled sync runs in the worker and never in the API, which keeps serving HTTP.

let api: TestApi;
let tenantId: string;
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  api = await startTestApi({ sandbox: { counts: SMALL_COUNTS } });
  tenantId = await api.createSandboxTenant();
  await api.services.sync.run({ tenantId, jobName: "master_data_full" });
}, 60_000);
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await api?.close();
});

const query = <T extends object>(sql: string, bind: unknown[] = []) =>
  api.services.db.sequelize.query<T>(sql, { bind, type: QueryTypes.SELECT });

/** `src/<entry>.ts` as its own process, on the harness's database and sandbox; resolves once `ready` matches its output. */
async function startProcess(entry: "main" | "worker", env: Record<string, string>, ready: RegExp) {
  const { config } = api.services;
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "..", "src", `${entry}.ts`)], {
    cwd: join(import.meta.dirname, ".."),
    env: {
      ...process.env,
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: config.DATABASE_URL,
      ...(config.REDIS_URL ? { REDIS_URL: config.REDIS_URL } : {}),
      ADMIN_TOKEN,
      ENCRYPTION_KEY: config.ENCRYPTION_KEY,
      LOG_LEVEL: "info",
      KINGDEE_BASE_URL: api.sandbox.url,
      ERP_PROBE_INTERVAL_MS: "3600000",
      SYNC_SCHEDULER_ENABLED: "true",
      SYNC_DOCUMENT_HOURLY_CRON: "*/2 * * * * *",
      SYNC_MASTER_DAILY_CRON: "0 0 1 1 *",
      ...env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 60_000;
  while (!ready.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${entry} did not start:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, exited, output: () => output };
}

const scheduledRuns = () =>
  query<{ status: string }>(`SELECT status FROM sync_run WHERE kind = 'sync' AND trigger = 'schedule' AND tenant_id = $1`, [tenantId]);

describe("worker entrypoint", () => {
  it("the worker runs the scheduled sync; the API with JOBS=off serves HTTP and runs none", { timeout: 120_000 }, async () => {
    // Every 2 s, in the shared job store; any process may schedule.
    await api.services.scheduler.scheduleTenant(tenantId, [{ jobName: "documents_incremental", cron: "*/2 * * * * *", enabled: true }]);

    const http = await startProcess("main", { JOBS: "off" }, /erpbridge listening/);
    const url = /"url":"(http:\/\/[^"]+)"/.exec(http.output())?.[1];
    expect(url).toBeDefined();
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // Three ticks pass with only the API up: nobody runs them.
    await new Promise((r) => setTimeout(r, 6_500));
    expect(await scheduledRuns()).toEqual([]);

    const worker = await startProcess("worker", {}, /erpbridge worker running jobs/);
    expect(worker.output()).not.toMatch(/listening/);
    const deadline = Date.now() + 60_000;
    // The run's row turns success before the job handler logs that it finished: wait for both.
    while (!(await scheduledRuns()).some((r) => r.status === "success") || !/Scheduler: sync finished/.test(worker.output())) {
      if (Date.now() > deadline) throw new Error(`no scheduled run finished in the worker:\n${worker.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(worker.output()).toMatch(/Scheduler: sync finished/);
    expect(http.output()).not.toMatch(/Scheduler: sync started/);
    // The worker's start-up probe is in the run history, which the API reads.
    const [probe] = await api.admin.admin.erp.status.query();
    expect(probe).toMatchObject({ tenantId, probe: { ok: true } });

    http.child.kill("SIGTERM");
    worker.child.kill("SIGTERM");
    expect(await http.exited).toEqual({ code: 0, signal: null });
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.output()).toMatch(/stopped cleanly/);
    await api.services.scheduler.unscheduleTenant(tenantId);
  });
});
