import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMALL_COUNTS, spawnService, startTestApi, type TestApi } from "./harness.js";

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
  const service = spawnService(api, entry, { SYNC_DOCUMENT_HOURLY_CRON: "*/2 * * * * *", ...env });
  children.push(service.child);
  const deadline = Date.now() + 60_000;
  while (!ready.test(service.output())) {
    if (Date.now() > deadline || service.child.exitCode !== null) throw new Error(`${entry} did not start:\n${service.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = service.exited.then(({ code, signal }) => ({ code, signal }));
  return { child: service.child, exited, output: service.output };
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
