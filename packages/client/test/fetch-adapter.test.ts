import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseServer, ensureDatabaseUrl } from "../../../tooling/test-support/src/index.js";
import { type AppRouter, createClient, type FetchLike, fieldErrors, TRPCClientError } from "../src/index.js";

/**
 * The real API (own database, Kingdee sandbox) from the API's test harness. Imported at run time
 * by path so this package's typecheck does not compile the API's sources; the part used here:
 */
interface TestApi {
  url: string;
  sandbox: { url: string; demoTenant: { clientId: string; clientSecret: string; appKey: string; appSecret: string; domain: string } };
  close(): Promise<void>;
}
interface Harness {
  ADMIN_TOKEN: string;
  startTestApi(): Promise<TestApi>;
}
const HARNESS = new URL("../../../services/api/test/harness.ts", import.meta.url).pathname;

let ADMIN_TOKEN: string;
let database: DatabaseServer;
let api: TestApi;
beforeAll(async () => {
  // This package's vitest config has no global setup: start (and later stop) embedded PostgreSQL when DATABASE_URL is unset.
  database = await ensureDatabaseUrl();
  const harness = (await import(/* @vite-ignore */ HARNESS)) as Harness;
  ADMIN_TOKEN = harness.ADMIN_TOKEN;
  api = await harness.startTestApi();
}, 120_000);

type ClientError = TRPCClientError<AppRouter>;
/** The TRPCClientError a call rejects with (fails the test if it resolves or throws something else). */
async function rejection(call: Promise<unknown>): Promise<ClientError> {
  const error = await call.then(
    () => new Error("expected the call to fail"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return error as ClientError;
}
afterAll(async () => {
  await api?.close();
  await database?.stop();
});

interface RecordedCall {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
}

/** A fetch that records every call, then delegates to the platform's fetch. */
function recordingFetch() {
  const calls: RecordedCall[] = [];
  const fetchLike: FetchLike = async (url, init) => {
    calls.push({ url, method: init.method ?? "GET", headers: new Headers(init.headers), body: init.body });
    return fetch(url, init);
  };
  return { calls, fetch: fetchLike };
}

// ---- a `wx.request` stand-in and the adapter the mini-program uses ----

/** The subset of WeChat's `wx.request` the adapter needs. */
interface WxRequestOptions {
  url: string;
  method: "GET" | "POST";
  header: Record<string, string>;
  data?: string;
  dataType: "json";
  success(res: { statusCode: number; header: Record<string, string>; data: unknown }): void;
  fail(err: { errMsg: string }): void;
}

/**
 * Behaves like `wx.request`: calls `success` for EVERY HTTP status (4xx/5xx included) with the
 * body already JSON-parsed and header names as sent, and `fail` only when no response came.
 */
function fakeWxRequest(options: WxRequestOptions): void {
  fetch(options.url, { method: options.method, headers: options.header, ...(options.data !== undefined ? { body: options.data } : {}) })
    .then(async (res) => {
      const text = await res.text();
      let data: unknown = text;
      try {
        data = JSON.parse(text);
      } catch {
        // wx.request leaves non-JSON bodies as strings
      }
      const header: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        header[name.replace(/(^|-)\w/g, (c) => c.toUpperCase())] = value; // WeChat keeps the server's casing: Content-Type
      });
      options.success({ statusCode: res.status, header, data });
    })
    .catch((error: Error) => options.fail({ errMsg: `request:fail ${error.message}` }));
}

/** The adapter from packages/client/README.md: wx.request → the FetchLike contract. */
function wxFetch(wxRequest: (options: WxRequestOptions) => void): FetchLike {
  return (url, init) =>
    new Promise((resolve, reject) => {
      const header: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => {
        header[name] = value;
      });
      wxRequest({
        url,
        method: (init.method ?? "GET") as "GET" | "POST",
        header,
        ...(init.body !== undefined ? { data: init.body } : {}),
        dataType: "json",
        success: (res) =>
          resolve({
            ok: res.statusCode >= 200 && res.statusCode < 300,
            status: res.statusCode,
            headers: {
              get: (name) => Object.entries(res.header).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1] ?? null,
            },
            json: async () => res.data,
          }),
        fail: (err) => reject(new Error(err.errMsg)),
      });
    });
}

describe("custom fetch", () => {
  it("a recording fetch sees every call: health.live anonymous, an admin procedure with the Bearer token", async () => {
    const { calls, fetch } = recordingFetch();
    const client = createClient({ url: `${api.url}/`, getToken: () => ADMIN_TOKEN, fetch });

    const live = await client.health.live.query();
    expect(live.status).toBe("ok");
    expect(live.time).toBeInstanceOf(Date); // superjson round-trip
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toMatch(new RegExp(`^${api.url}/trpc/health\\.live\\?batch=1`));
    expect(calls[0]!.method).toBe("GET");
    expect(calls[0]!.headers.get("authorization")).toBe(`Bearer ${ADMIN_TOKEN}`);

    // Two queries in the same tick go out as one batched request.
    const [tenants, status] = await Promise.all([client.admin.tenant.list.query(), client.admin.erp.status.query()]);
    expect(Array.isArray(tenants) && Array.isArray(status)).toBe(true);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.url).toContain("/trpc/admin.tenant.list,admin.erp.status?batch=1");
  });

  it("getToken is asked per request and may be async; no token → no Authorization header", async () => {
    const { calls, fetch } = recordingFetch();
    let token: string | null = null;
    const client = createClient({ url: api.url, getToken: async () => token, fetch });
    const error = await rejection(client.admin.tenant.list.query());
    expect(error.data?.code).toBe("UNAUTHORIZED");
    expect(calls[0]!.headers.has("authorization")).toBe(false);
    token = ADMIN_TOKEN;
    await expect(client.admin.tenant.list.query()).resolves.toBeInstanceOf(Array);
    expect(calls[1]!.headers.get("authorization")).toBe(`Bearer ${ADMIN_TOKEN}`);
  });
});

describe("a wx.request adapter (resolves for every status)", () => {
  const requests: WxRequestOptions[] = [];
  const wxRequest = (options: WxRequestOptions) => {
    requests.push(options);
    fakeWxRequest(options);
  };
  const client = (token?: string) =>
    createClient({ url: api.url, getToken: () => token, fetch: wxFetch(wxRequest), maxItems: 1 });

  it("queries and mutations work, with Dates through superjson", async () => {
    const admin = client(ADMIN_TOKEN);
    expect((await admin.health.live.query()).status).toBe("ok");
    const demo = api.sandbox.demoTenant;
    const { tenant, created } = await admin.admin.tenant.upsert.mutate({
      name: "Through wx.request",
      clientId: demo.clientId,
      clientSecret: demo.clientSecret,
      appKey: demo.appKey,
      appSecret: demo.appSecret,
      domain: demo.domain,
      baseUrl: api.sandbox.url,
    });
    expect(created).toBe(true);
    expect(tenant.createdAt).toBeInstanceOf(Date);
    const post = requests.find((r) => r.method === "POST")!;
    expect(post.url).toBe(`${api.url}/trpc/admin.tenant.upsert?batch=1`);
    expect(post.header.authorization).toBe(`Bearer ${ADMIN_TOKEN}`);
    expect(post.data).not.toContain("undefined");

    // maxItems: 1 — parallel calls are separate requests (small URLs for wx.request).
    const before = requests.length;
    const [tenants, status] = await Promise.all([admin.admin.tenant.list.query(), admin.admin.erp.status.query()]);
    expect(tenants.map((t) => t.id)).toContain(tenant.id);
    expect(status).toHaveLength(tenants.length);
    expect(requests.length - before).toBe(2);
  });

  it("BAD_REQUEST (HTTP 400) comes back as a TRPCClientError with fieldErrors", async () => {
    const error = await rejection(client(ADMIN_TOKEN).admin.sync.run.mutate({ tenantId: "not-a-uuid", fromTime: new Date("2025-01-01") }));
    expect(error.data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400 });
    const fields = fieldErrors(error);
    expect(fields.map((f) => f.path)).toEqual(expect.arrayContaining(["tenantId", "jobName"]));
    expect(fields.every((f) => typeof f.message === "string" && f.message.length > 0)).toBe(true);
    expect(fieldErrors(new Error("not a tRPC error"))).toEqual([]);
  });

  it("UNAUTHORIZED / FORBIDDEN (HTTP 401 / 403) keep their codes; no stack leaks", async () => {
    const anonymous = await rejection(client().admin.tenant.list.query());
    expect(anonymous.data).toMatchObject({ code: "UNAUTHORIZED", httpStatus: 401 });
    const wrong = await rejection(client("not-the-admin-token").admin.tenant.list.query());
    expect(wrong.data).toMatchObject({ code: "FORBIDDEN", httpStatus: 403 });
    expect(wrong.message).toBe("admin token required");
    expect(wrong.data).not.toHaveProperty("stack");
    expect(fieldErrors(wrong)).toEqual([]);
  });

  it("a request that never gets a response rejects (wx.request fail)", async () => {
    const unreachable = createClient({ url: "http://127.0.0.1:9", fetch: wxFetch(fakeWxRequest) });
    const error = await rejection(unreachable.health.live.query());
    expect(error.message).toMatch(/request:fail/);
    expect(error.data).toBeUndefined();
  });
});
