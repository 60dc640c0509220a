import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMALL_COUNTS, type SyncFixture, setupSync } from "./sync-fixture.js";

const DOCS = 1_500;
let f: SyncFixture;
beforeAll(async () => {
  f = await setupSync({ sandbox: { counts: { ...SMALL_COUNTS, sal_out_bound: DOCS } } });
  await f.sync.run({ tenantId: f.tenantId, jobName: "master_data_full" });
});
afterAll(() => f?.teardown());

describe("graceful stop mid-run", () => {
  it("a run told to stop commits its page in flight, ends 'stopped', and the next run resumes there", { timeout: 120_000 }, async () => {
    f.sandbox.faults.inject({ kind: "latency", ms: 120, path: "/jdy/v2/scm/sal_out_bound" });
    const stop = new AbortController();
    const { run, done } = await f.sync.start({ tenantId: f.tenantId, jobName: "documents_incremental", trigger: "schedule" }, { signal: stop.signal });
    const deadline = Date.now() + 60_000;
    while ((await f.outBoundNextPage()) < 4) {
      if (Date.now() > deadline) throw new Error("the run never reached page 4");
      await new Promise((r) => setTimeout(r, 20));
    }
    stop.abort();
    const stopped = await done;
    f.sandbox.faults.clear();

    expect(stopped.id).toBe(run.id);
    expect(stopped.status).toBe("stopped");
    const resumeAt = await f.outBoundNextPage();
    expect(stopped.error).toMatch(new RegExp(`sal_out_bound: stopped by shutdown; sal_out_bound resumes at page ${resumeAt}`));
    // Every page it listed was committed: nothing half-written, nothing lost.
    expect(await f.count(`SELECT count(*) AS n FROM source_record WHERE stream = 'sal_out_bound'`)).toBe((resumeAt - 1) * 100);
    const [job] = await f.db.sequelize.query<{ status: string; locked_by: string | null }>(
      `SELECT status, locked_by FROM sync_job WHERE job_name = 'documents_incremental'`,
      { type: QueryTypes.SELECT },
    );
    expect(job).toEqual({ status: "idle", locked_by: null });

    const resumed = await f.sync.run({ tenantId: f.tenantId, jobName: "documents_incremental" });
    expect(resumed.status).toBe("success");
    expect(resumed.warnings.join("\n")).toMatch(new RegExp(`sal_out_bound: resumed an interrupted window at page ${resumeAt}`));
    expect(await f.count(`SELECT count(*) AS n FROM source_record WHERE stream = 'sal_out_bound' AND is_current`)).toBe(DOCS);
    expect(await f.count(`SELECT count(*) AS n FROM source_record WHERE stream = 'sal_out_bound'`)).toBe(DOCS);
  });
});
