import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fieldErrors } from "../../../packages/client/src/index.js";
import { type TestApi, startTestApi } from "./harness.js";

// Inputs the database would refuse are BAD_REQUEST with field paths (never a 500), an unknown
// tenant is NOT_FOUND wherever one is named, and the public /health says only what is ok.

let api: TestApi;
let tenantId: string;
const UNKNOWN_TENANT = "00000000-0000-4000-8000-000000000000";

beforeAll(async () => {
  api = await startTestApi();
  tenantId = await api.createSandboxTenant();
});
afterAll(() => api?.close());

async function failure(promise: Promise<unknown>): Promise<{ code: string; httpStatus: number; message: string; paths: string[] }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const data = error.data as { code: string; httpStatus: number } | undefined;
    if (!data) throw error;
    return { code: data.code, httpStatus: data.httpStatus, message: error.message, paths: fieldErrors(error).map((f) => f.path) };
  }
  throw new Error("expected the call to fail");
}

describe("inputs the database would refuse are BAD_REQUEST", () => {
  it("admin.erp.calls with `since` at the edge of JavaScript dates (was a 500: timestamp out of range)", async () => {
    for (const since of [-8640000000000000, new Date(-8640000000000000), new Date(8640000000000000), "0001-01-01T00:00:00Z"]) {
      const error = await failure(api.admin.admin.erp.calls.query({ since }));
      expect(error).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400, paths: ["since"] });
      expect(error.message).toMatch(/^invalid input: since must be (on or after 2000-01-01|before 2100-01-01)$/);
    }
    expect((await api.admin.admin.erp.calls.query({ since: new Date("2020-01-01") })).page).toBe(1);
  });

  it("admin.sync.run with fromTime far in the past (was a 500: time zone displacement out of range)", async () => {
    for (const fromTime of [new Date(-8640000000000000), new Date("0100-01-01T00:00:00Z")]) {
      const error = await failure(api.admin.admin.sync.run.mutate({ tenantId, resource: "customer", fromTime }));
      expect(error).toMatchObject({ code: "BAD_REQUEST", paths: ["fromTime"] });
    }
    const reversed = await failure(
      api.admin.admin.sync.run.mutate({ tenantId, resource: "customer", fromTime: new Date("2025-02-01"), toTime: new Date("2025-01-01") }),
    );
    expect(reversed).toMatchObject({ code: "BAD_REQUEST", paths: ["toTime"] });
  });

  it("NUL characters and over-long strings in filters, names and ids are refused, not stored or passed on", async () => {
    expect(await failure(api.admin.admin.erp.calls.query({ endpoint: "/jdy\u0000" }))).toMatchObject({ code: "BAD_REQUEST", paths: ["endpoint"] });
    expect(await failure(api.admin.admin.customers.list.query({ search: "a\u0000b" }))).toMatchObject({ code: "BAD_REQUEST", paths: ["search"] });
    expect(await failure(api.admin.admin.customers.create.mutate({ tenantId, name: "x\u0000" }))).toMatchObject({ code: "BAD_REQUEST", paths: ["name"] });
    expect(
      await failure(api.admin.admin.tenant.upsert.mutate({ clientId: "c\u0000", appKey: "k".repeat(65), domain: "http://a.example/\u0000" })),
    ).toMatchObject({ code: "BAD_REQUEST", paths: expect.arrayContaining(["clientId", "appKey", "domain"]) });
    expect(
      await failure(api.admin.admin.sync.runs.query({ jobName: "documents\u0000" as "documents_incremental" })),
    ).toMatchObject({ code: "BAD_REQUEST", paths: ["jobName"] });
  });

  it("a fixed template text with a NUL character (was a 500: jsonb refuses \\u0000)", async () => {
    const error = await failure(
      api.admin.admin.wechat.setDeliveryTemplate.mutate({ tenantId, templateId: "tpl-1", fields: { thing1: { text: "a\u0000b" }, symbol2: { text: "\u0000" } } }),
    );
    expect(error).toMatchObject({ code: "BAD_REQUEST", paths: ["fields.thing1.text", "fields.symbol2.text"] });
  });

  it("the proxy refuses an unbounded query instead of sending Kingdee an over-long URL", async () => {
    const query = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    expect(await failure(api.admin.admin.kingdee.proxy.query({ tenantId, path: "/jdy/v2/bd/customer", query }))).toMatchObject({
      code: "BAD_REQUEST",
      paths: ["query"],
    });
  });
});

describe("consistent answers", () => {
  it("an unknown tenant is NOT_FOUND everywhere one is named (token status said PRECONDITION_FAILED)", async () => {
    const tenant = { tenantId: UNKNOWN_TENANT };
    const { admin } = api.admin;
    const calls: Record<string, () => Promise<unknown>> = {
      "kingdee.tokenStatus": () => admin.kingdee.tokenStatus.query(tenant),
      "kingdee.refreshToken": () => admin.kingdee.refreshToken.mutate(tenant),
      "kingdee.proxy": () => admin.kingdee.proxy.query({ ...tenant, path: "/jdy/v2/bd/customer" }),
      "erp.probe": () => admin.erp.probe.mutate(tenant),
      "tenant.pullAuthorization": () => admin.tenant.pullAuthorization.mutate(tenant),
      "sync.run": () => admin.sync.run.mutate({ ...tenant, jobName: "master_data_full" }),
      "sync.failures": () => admin.sync.failures.query(tenant),
      "customers.create": () => admin.customers.create.mutate({ ...tenant, name: "X" }),
      "wechat.config": () => admin.wechat.config.query(tenant),
      "wechat.messages": () => admin.wechat.messages.query(tenant),
      "wechat.removeDeliveryTemplate": () => admin.wechat.removeDeliveryTemplate.mutate(tenant),
    };
    const codes: Record<string, string> = {};
    for (const [name, call] of Object.entries(calls)) codes[name] = (await failure(call())).code;
    expect(codes).toEqual(Object.fromEntries(Object.keys(calls).map((name) => [name, "NOT_FOUND"])));
  });

  it("a batch of several procedures reaches tRPC (a path over 100 characters was Fastify's 414, not a tRPC answer)", async () => {
    const { admin } = api.admin;
    const tenant = { tenantId: UNKNOWN_TENANT };
    const answers = await Promise.allSettled([
      admin.kingdee.tokenStatus.query(tenant),
      admin.sync.failures.query(tenant),
      admin.wechat.config.query(tenant),
      admin.wechat.messages.query(tenant),
      admin.tenant.list.query(),
    ]);
    expect(answers.slice(0, 4).map((a) => a.status === "rejected" && (a.reason as { data?: { code?: string } }).data?.code)).toEqual(Array(4).fill("NOT_FOUND"));
    expect(answers[4]).toMatchObject({ status: "fulfilled", value: [expect.objectContaining({ id: tenantId })] });
  });

  it("refreshToken answers like tokenStatus, with Dates", async () => {
    const refreshed = await api.admin.admin.kingdee.refreshToken.mutate({ tenantId });
    const status = await api.admin.admin.kingdee.tokenStatus.query({ tenantId });
    expect(refreshed).toEqual({ cached: true, expiresAt: expect.any(Date), refreshedAt: expect.any(Date), expiresInSeconds: expect.any(Number) });
    expect(status).toEqual({ ...refreshed, expiresInSeconds: expect.any(Number) });
    expect(refreshed.cached && refreshed.expiresAt > refreshed.refreshedAt).toBe(true);
  });
});

describe("GET /health is liveness and readiness only", () => {
  it("says per check whether it is ok, with no tenant ids and no error texts; admins see the per-tenant detail", async () => {
    api.sandbox.faults.inject({ kind: "http_error", status: 500, times: 100 });
    const probe = await api.admin.admin.erp.probe.mutate({ tenantId });
    api.sandbox.faults.clear();
    expect(probe.ok).toBe(false);

    const response = await fetch(`${api.url}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    const onlyOk = { ok: expect.any(Boolean) };
    expect(body).toEqual({
      status: "ok",
      ready: true,
      checks: { startup: onlyOk, postgres: onlyOk, redis: process.env.REDIS_URL ? onlyOk : null, scheduler: onlyOk, erp: { ok: false } },
    });
    const text = JSON.stringify(body);
    expect(text).not.toContain(tenantId);
    expect(text).not.toContain(probe.error!.message);
    // The tRPC twin answers the same.
    expect(await api.client().health.ready.query()).toEqual({ ready: body.ready, checks: body.checks });

    const [status] = await api.admin.admin.erp.status.query();
    expect(status).toMatchObject({ tenantId, probe: { ok: false, error: { message: probe.error!.message } } });
    await api.admin.admin.erp.probe.mutate({ tenantId });
  });

  it("is not ready (503) while start-up work is pending", async () => {
    api.services.startupPending = "first sync of the demo tenant";
    try {
      const response = await fetch(`${api.url}/health`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: "unavailable", ready: false, checks: { startup: { ok: false } } });
    } finally {
      api.services.startupPending = undefined;
    }
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  });
});
