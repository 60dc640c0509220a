import { TRPCClientError } from "@trpc/client";
import { decryptCredentials, findTenantConnection } from "@erpbridge/domain/connections";
import { fieldErrors } from "../../../packages/client/src/index.js";
import type { AppRouter } from "../src/root.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApi, startTestApi, waitForRun } from "./harness.js";

let api: TestApi;
let tenantId: string;
beforeAll(async () => {
  api = await startTestApi();
  tenantId = await api.createSandboxTenant();
});
afterAll(() => api?.close());

describe("admin: tenants, sync, ERP status", () => {
  it("lists tenants with secrets masked, and an upsert may leave a secret unchanged", async () => {
    const [tenant] = await api.admin.admin.tenant.list.query();
    expect(tenant).toMatchObject({ id: tenantId, hasClientSecret: true, hasAppSecret: true });
    expect(JSON.stringify(tenant)).not.toContain(api.sandbox.demoTenant.appSecret);
    const { tenant: renamed, created } = await api.admin.admin.tenant.upsert.mutate({
      clientId: api.sandbox.demoTenant.clientId,
      appKey: api.sandbox.demoTenant.appKey,
      name: "Renamed",
    });
    expect(created).toBe(false);
    expect(renamed).toMatchObject({ name: "Renamed", hasAppSecret: true });
    // The kept secret still works against Kingdee.
    expect((await api.admin.admin.erp.probe.mutate({ tenantId })).ok).toBe(true);
  });

  it("pulls the authorization again after Kingdee rotated the app secret, and keeps working with it", async () => {
    const rotated = api.sandbox.rotateAppSecret();
    api.services.kingdee.forget(tenantId); // a fresh client holds the stored, now stale, secret
    const tenant = await api.admin.admin.tenant.pullAuthorization.mutate({ tenantId });
    expect(tenant).toMatchObject({ id: tenantId, hasAppSecret: true, domain: api.sandbox.demoTenant.domain });
    expect(JSON.stringify(tenant)).not.toContain(rotated);
    const stored = await findTenantConnection(tenantId, "kingdee_jdy");
    expect(decryptCredentials(stored!, api.services.keyring).appSecret).toBe(rotated);
    api.services.kingdee.forget(tenantId);
    expect((await api.admin.admin.erp.probe.mutate({ tenantId })).ok).toBe(true);
    // A Kingdee failure is a typed BAD_GATEWAY, not a 500.
    api.sandbox.faults.inject({ kind: "http_error", status: 500, times: 10, path: "/jdyconnector/app_management/push_app_authorize" });
    const error = await api.admin.admin.tenant.pullAuthorization.mutate({ tenantId }).catch((e: unknown) => e);
    expect((error as TRPCClientError<AppRouter>).data?.code).toBe("BAD_GATEWAY");
    api.sandbox.faults.clear();
  });

  it("runs a sync and sees it finish with counts", async () => {
    const started = await api.admin.admin.sync.run.mutate({ tenantId, jobName: "master_data_full" });
    expect(started.status).toBe("running");
    const master = await waitForRun(api, started.id);
    expect(master.status).toBe("success");
    const docs = await waitForRun(api, (await api.admin.admin.sync.run.mutate({ tenantId, jobName: "documents_incremental" })).id);
    expect(docs.status).toBe("success");
    expect(docs.counts.inserted).toBeGreaterThanOrEqual(api.sandbox.data.count("sal_out_bound"));
    const runs = await api.admin.admin.sync.runs.query({ tenantId, pageSize: 10 });
    expect(runs.total).toBe(2);
    // Each run names the connection it read through: the tenant's default one.
    const connection = { id: (await findTenantConnection(tenantId, "kingdee_jdy"))!.id, name: "default" };
    expect(runs.runs.map((r) => r.connection)).toEqual([connection, connection]);
    expect((await api.admin.admin.sync.runs.query({ connectionId: connection.id })).total).toBe(2);
    const history = await api.admin.admin.jobs.runs.query({ kind: "sync", connectionId: connection.id });
    expect(history.runs.map((r) => [r.connectionId, r.connectionName])).toEqual([[connection.id, "default"], [connection.id, "default"]]);
    const [status] = await api.admin.admin.sync.status.query({ tenantId });
    expect(status!.connection).toEqual(connection);
    expect(status!.jobs.map((j) => j.status)).toEqual(["idle", "idle"]);
    expect(status!.jobs.every((j) => j.lastSuccessAt instanceof Date)).toBe(true);
  });

  it("a second manual run while one runs is a CONFLICT saying already running", async () => {
    api.sandbox.faults.inject({ kind: "latency", ms: 200, times: 2 });
    const first = await api.admin.admin.sync.run.mutate({ tenantId, jobName: "documents_incremental" });
    const error = await api.admin.admin.sync.run.mutate({ tenantId, jobName: "documents_incremental" }).catch((e) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error.data.code).toBe("CONFLICT");
    expect(error.message).toMatch(/^sync documents_incremental of connection default \([0-9a-f-]{36}\) is already running/);
    await waitForRun(api, first.id);
    api.sandbox.faults.clear();
  });

  it("records every Kingdee call in the call log, without secrets", async () => {
    const { calls, total } = await api.admin.admin.erp.calls.query({ tenantId, pageSize: 500 });
    expect(total).toBeGreaterThan(0);
    expect(calls.some((c) => c.endpoint === "/jdy/v2/scm/sal_out_bound" && c.httpStatus === 200)).toBe(true);
    expect(JSON.stringify(calls)).not.toContain(api.sandbox.demoTenant.appSecret);
    const status = await api.admin.admin.erp.status.query();
    expect(status[0]!.probe?.ok).toBe(true);
  });

  it("token status and refresh never show the token; the proxy only reaches allow-listed reads", async () => {
    const refreshed = await api.admin.admin.kingdee.refreshToken.mutate({ tenantId });
    expect(refreshed).not.toHaveProperty("token");
    const status = await api.admin.admin.kingdee.tokenStatus.query({ tenantId });
    expect(status).toMatchObject({ cached: true });
    const page = (await api.admin.admin.kingdee.proxy.query({ tenantId, path: "/jdy/v2/bd/customer", query: { page: 1, page_size: 2 } })) as { rows: unknown[] };
    expect(page.rows).toHaveLength(2);
    const error = await api.admin.admin.kingdee.proxy.query({ tenantId, path: "/jdy/v2/sys/common_operate" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<AppRouter>).data?.code).toBe("BAD_REQUEST");
    expect(fieldErrors(error)[0]?.path).toBe("path");
  });

  it("a run's failure ledger is visible", async () => {
    const [id] = api.sandbox.data.mutate("sal_out_bound", 1);
    api.sandbox.faults.inject({ kind: "http_error", status: 500, times: 100, path: "/jdy/v2/scm/sal_out_bound_detail", match: { id: id! } });
    const run = await waitForRun(api, (await api.admin.admin.sync.run.mutate({ tenantId, resource: "sal_out_bound" })).id);
    expect(run.status).toBe("partial");
    const detail = await api.admin.admin.sync.get.query({ runId: run.id });
    expect(detail.failures).toEqual([expect.objectContaining({ bizType: "sal_out_bound", bizId: id, resolvedAt: null })]);
    api.sandbox.faults.clear();
  });
});
