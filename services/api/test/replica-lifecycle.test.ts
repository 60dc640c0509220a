import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMALL_COUNTS, spawnService, startTestApi, type TestApi } from "./harness.js";

/** main.ts's shutdown budget: the process must be gone this long after SIGTERM. */
const SHUTDOWN_BUDGET_MS = 25_000;

let api: TestApi;
let tenantId: string;
beforeAll(async () => {
  api = await startTestApi({ sandbox: { counts: { ...SMALL_COUNTS, sal_order: 40 } } });
  tenantId = await api.createSandboxTenant();
  await api.services.sync.run({ tenantId, jobName: "master_data_full" });
}, 60_000);
afterAll(() => api?.close());

const query = <T extends object>(sql: string) => api.services.db.sequelize.query<T>(sql, { type: QueryTypes.SELECT });

/**
 * Starts main.ts as a replica with the scheduler on (documents every 2 s) and resolves once its
 * scheduled run is in the middle of its first page (slow details keep that page in flight for seconds).
 */
async function startReplicaMidRun() {
  api.sandbox.data.mutate("sal_order", 40); // every order changed: the run's first page needs 40 details
  api.sandbox.faults.inject({ kind: "latency", ms: 400, path: "/jdy/v2/scm/sal_order_detail" });
  const { child, exited, output } = spawnService(api, "main", { SYNC_DOCUMENT_HOURLY_CRON: "*/2 * * * * *" });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [run] = await query<{ id: string }>(
      `SELECT id FROM sync_run WHERE trigger = 'schedule' AND status = 'running' AND current_resource = 'sal_order'`,
    );
    if (run) return { child, exited, runId: run.id, output };
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`no scheduled run reached sal_order:\n${output().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const lastRuns = () =>
  query<{ id: string; status: string; error: string | null; trigger: string }>(
    `SELECT id, status, error, trigger FROM sync_run WHERE job_name = 'documents_incremental' ORDER BY created_at`,
  );

describe("replicas of main.ts", () => {
  it("SIGTERM during a scheduled run: the page in flight commits, the run is 'stopped', the process exits 0 within its budget, the next run resumes", { timeout: 120_000 }, async () => {
    const { child, exited, output } = await startReplicaMidRun();
    const termAt = Date.now();
    child.kill("SIGTERM");
    const exit = await exited;
    api.sandbox.faults.clear();

    expect(exit, output().slice(-3000)).toMatchObject({ code: 0, signal: null });
    expect(exit.at - termAt).toBeLessThan(SHUTDOWN_BUDGET_MS);
    expect(output()).toMatch(/stopped cleanly/);
    expect(output()).not.toMatch(/shutdown step failed/);

    const runs = await lastRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "stopped", trigger: "schedule" });
    expect(runs[0]!.error).toMatch(/sal_order: stopped by shutdown; sal_order resumes at page 2/);
    // The page in flight was committed whole.
    const [stored] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM source_record WHERE stream = 'sal_order'`);
    expect(stored!.n).toBe(40);

    const resumed = await api.services.sync.run({ tenantId, jobName: "documents_incremental" });
    expect(resumed.status).toBe("success");
    expect(resumed.warnings.join("\n")).toMatch(/sal_order: resumed an interrupted window at page 2/);
  });

  it("SIGKILL of a replica mid-run: another replica's reaper marks the run failed within the lock lifetime", { timeout: 120_000 }, async () => {
    // This process is the other replica: its background work includes the reaper (scheduler off here).
    await api.services.startBackground();
    const { child, exited, runId } = await startReplicaMidRun();
    child.kill("SIGKILL");
    expect((await exited).signal).toBe("SIGKILL");
    const killedAt = Date.now();
    api.sandbox.faults.clear();
    for (;;) {
      const run = (await lastRuns()).find((r) => r.id === runId);
      if (run?.status !== "running") {
        expect(run).toMatchObject({ status: "failed", error: expect.stringMatching(/^abandoned/) });
        break;
      }
      // The scheduler's lock lifetime (10 s): the time after which Agenda hands the job to another replica.
      if (Date.now() - killedAt > 10_000) throw new Error("the killed run is still 'running' after 10 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    const resumed = await api.services.sync.run({ tenantId, jobName: "documents_incremental" });
    expect(resumed.status).toBe("success");
  });
});
