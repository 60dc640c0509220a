import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { randomUUID } from "node:crypto";
import { TRPCClientError } from "@trpc/client";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../../packages/client/src/index.js";
import { ADMIN_TOKEN, SMALL_COUNTS, spawnService, startTestApi, type TestApi, waitForRun } from "./harness.js";

/*
 * Three replicas of main.ts (jobs on) on one PostgreSQL and one Redis against one Kingdee sandbox
 * whose account set allows BUDGET_PER_MINUTE calls. The replicas share a budget of the same size,
 * scaled to a 10 s window so the test takes seconds, not minutes. The other multi-replica proofs
 * live next to the code they prove: SIGTERM and SIGKILL mid-run in replica-lifecycle.test.ts,
 * start-up together on an empty database in packages/domain/test/scheduler.test.ts.
 */
const WINDOW_MS = 10_000;
const BUDGET_PER_WINDOW = 40;
const BUDGET_PER_MINUTE = (BUDGET_PER_WINDOW * 60_000) / WINDOW_MS;
/** Its own account set: the shared budget and token live in Redis under its appKey, apart from other test files. */
const APP_KEY = `replicas-${randomUUID().slice(0, 8)}`;

let api: TestApi;
let tenantId: string;
const replicas: Array<{ child: ChildProcessWithoutNullStreams; admin: ReturnType<typeof createClient>; output: () => string }> = [];

async function startReplica() {
  const { child, output: read } = spawnService(api, "main", {
    KINGDEE_RATE_LIMIT: String(BUDGET_PER_WINDOW),
    KINGDEE_RATE_WINDOW_MS: String(WINDOW_MS),
    JOBS: "embedded",
  });
  const deadline = Date.now() + 90_000;
  let url: string | undefined;
  while (!(url = /"url":"(http:\/\/[^"]+)".*erpbridge listening/.exec(read())?.[1])) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`replica did not start:\n${read().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, admin: createClient({ url, getToken: () => ADMIN_TOKEN }), output: read };
}

beforeAll(async () => {
  api = await startTestApi({ sandbox: { tenants: [{ appKey: APP_KEY, counts: { ...SMALL_COUNTS, sal_order: 40, sal_out_bound: 10 } }] } });
  tenantId = await api.createSandboxTenant();
  api.sandbox.faults.rateLimit({ perMinute: BUDGET_PER_MINUTE, account: APP_KEY });
  api.sandbox.calls.reset();
  // Started together, as a deployment's replicas are.
  replicas.push(...(await Promise.all([startReplica(), startReplica(), startReplica()])));
}, 180_000);
afterAll(async () => {
  for (const { child } of replicas) if (child.exitCode === null) child.kill("SIGKILL");
  await api?.services.scheduler.unscheduleTenant(tenantId).catch(() => undefined);
  await api?.close();
});

/** What the replicas logged as failed procedures (a 500's cause), for a failing assertion's message. */
const failedProcedures = () =>
  replicas.flatMap((r) => r.output().split("\n").filter((line) => line.includes("procedure failed"))).slice(0, 2).join("\n");

const query = <T extends object>(sql: string, bind: unknown[] = []) =>
  api.services.db.sequelize.query<T>(sql, { bind, type: QueryTypes.SELECT });

describe("three replicas on one database, one Redis and one Kingdee account set", () => {
  it("together they make one token request", { timeout: 60_000 }, async () => {
    const probes = await Promise.all(replicas.map((r) => r.admin.admin.erp.probe.mutate({ tenantId })));
    expect(probes.map((p) => p.ok)).toEqual([true, true, true]);
    expect(api.sandbox.calls.count("/jdyconnector/app_management/kingdee_auth_token")).toBe(1);
  });

  it("30 concurrent manual triggers start one run (29 CONFLICT); while all three call Kingdee the account set never sees more than the budget", { timeout: 180_000 }, async () => {
    const triggers = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => replicas[i % 3]!.admin.admin.sync.run.mutate({ tenantId, jobName: "master_data_full" })),
    );
    const started = triggers.flatMap((t) => (t.status === "fulfilled" ? [t.value] : []));
    const refused = triggers.flatMap((t) => (t.status === "rejected" ? [t.reason as unknown] : []));
    expect(started, failedProcedures()).toHaveLength(1);
    expect(refused).toHaveLength(29);
    for (const error of refused) {
      expect(error).toBeInstanceOf(TRPCClientError);
      expect((error as TRPCClientError<never>).data, failedProcedures()).toMatchObject({ code: "CONFLICT" });
    }

    // The second replica syncs the documents (every order changed: 40 details), the third probes, all at once.
    api.sandbox.data.mutate("sal_order", 40);
    const documents = await replicas[1]!.admin.admin.sync.run.mutate({ tenantId, jobName: "documents_incremental" });
    let syncing = true;
    const probing = (async () => {
      while (syncing) await replicas[2]!.admin.admin.erp.probe.mutate({ tenantId });
    })();
    const runs = await Promise.all([waitForRun(api, started[0]!.id, 150_000), waitForRun(api, documents.id, 150_000)]);
    syncing = false;
    await probing;
    expect(runs.map((r) => r.status)).toEqual(["success", "success"]);

    const account = { account: APP_KEY };
    const calls = api.sandbox.calls.count(account);
    // The demand filled the budget (the probes alone ask for more than it allows)...
    expect(calls).toBeGreaterThan(2 * BUDGET_PER_WINDOW);
    expect(api.sandbox.calls.maxInWindow(account, WINDOW_MS)).toBeGreaterThanOrEqual(0.75 * BUDGET_PER_WINDOW);
    // ...and never more than the budget in any window, which the sandbox would have refused (5007).
    expect(api.sandbox.calls.maxInWindow(account, WINDOW_MS)).toBeLessThanOrEqual(BUDGET_PER_WINDOW);
    expect(api.sandbox.calls.maxInWindow(account, 60_000)).toBeLessThanOrEqual(BUDGET_PER_MINUTE);
  });

  it("a scheduled tick runs once across the replicas", { timeout: 60_000 }, async () => {
    const since = new Date();
    // Every 3 s, in the shared job store; any process may schedule, each replica's runtime may take it.
    await api.services.scheduler.scheduleTenant(tenantId, [{ jobName: "documents_incremental", cron: "*/3 * * * * *", enabled: true }]);
    await new Promise((r) => setTimeout(r, 13_000));
    await api.services.scheduler.unscheduleTenant(tenantId);
    const runs = await query<{ tick: string; n: number }>(
      `SELECT floor(extract(epoch FROM created_at) / 3)::text AS tick, count(*)::int AS n
         FROM sync_run WHERE kind = 'sync' AND trigger = 'schedule' AND tenant_id = $1 AND created_at >= $2
        GROUP BY 1`,
      [tenantId, since],
    );
    // A tick that finds the previous run still going is skipped quietly; none may run twice.
    expect(runs.length).toBeGreaterThanOrEqual(1);
    for (const tick of runs) expect(tick).toMatchObject({ n: 1 });
  });
});
