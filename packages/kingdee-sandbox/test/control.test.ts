import { createServer } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startKingdeeSandbox, type KingdeeSandbox } from "../src/index.js";
import { TestClient, cents, control, parseBeijing } from "./helpers.js";

let sandbox: KingdeeSandbox;
let client: TestClient;

const SAL_OUT = "/jdy/v2/scm/sal_out_bound";
const DETAIL = "/jdy/v2/scm/sal_out_bound_detail";
const CUSTOMERS = "/jdy/v2/bd/customer";

beforeAll(async () => {
  sandbox = await startKingdeeSandbox({ seed: 9 });
  client = new TestClient(sandbox);
  await client.login();
});
afterAll(() => sandbox.stop());
afterEach(() => sandbox.faults.clear());

describe("data control", () => {
  it("is deterministic per seed", async () => {
    const now = Date.UTC(2025, 0, 1);
    const [a, b, c] = await Promise.all([
      startKingdeeSandbox({ seed: 42, now }),
      startKingdeeSandbox({ seed: 42, now }),
      startKingdeeSandbox({ seed: 43, now }),
    ]);
    try {
      expect(a.demoTenant).toEqual(b.demoTenant);
      expect(a.data.rows("sal_out_bound")).toEqual(b.data.rows("sal_out_bound"));
      expect(a.data.rows("customer")).toEqual(b.data.rows("customer"));
      expect(a.data.rows("sal_out_bound")[0]!.id).not.toBe(c.data.rows("sal_out_bound")[0]!.id);
      const times = a.data.rows("sal_order").map((r) => parseBeijing(String(r.modify_time)));
      expect(Math.max(...times)).toBeLessThanOrEqual(now);
      expect(Math.min(...times)).toBeGreaterThanOrEqual(now - 120 * 86_400_000);
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });

  it("mutate moves modify_time to now and changes remark, one entry and the total", async () => {
    const beforeRows = new Map(sandbox.data.rows("sal_out_bound").map((r) => [r.id, r]));
    const t0 = Date.now();
    const ids = sandbox.data.mutate("sal_out_bound", 3);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) {
      const before = beforeRows.get(id)!;
      const after = (await client.get(DETAIL, { id })).data;
      expect(parseBeijing(after.modify_time)).toBeGreaterThanOrEqual(Math.floor(t0 / 1000) * 1000);
      expect(after.modify_time).not.toBe(before.modify_time);
      expect(after.remark).not.toBe(before.remark);
      expect(after.total_amount).not.toBe(before.total_amount);
      const sum = (after.material_entity as Array<{ all_amount: number }>).reduce((s, e) => s + cents(e.all_amount), 0);
      expect(sum).toBe(cents(after.total_amount));
    }
    // an incremental window from just before the mutation finds exactly those rows
    const window = await client.get(SAL_OUT, { modify_start_time: t0 - 1, modify_end_time: Date.now(), page_size: 100 });
    expect(window.data.rows.map((r: { id: string }) => r.id).sort()).toEqual([...ids].sort());
    // mutate by id, twice in a row: modify_time still strictly increases internally
    const again = sandbox.data.mutate("customer", [sandbox.data.rows("customer")[0]!.id as string]);
    expect(again).toHaveLength(1);
    expect(() => sandbox.data.mutate("customer", ["nope"])).toThrow(/unknown id/);
  });

  it("add and remove change counts and list order", async () => {
    const n = sandbox.data.count("sal_out_bound");
    const ids = sandbox.data.add("sal_out_bound", 2);
    expect(sandbox.data.count("sal_out_bound")).toBe(n + 2);
    const top = await client.get(SAL_OUT, { page_size: 2 });
    expect(top.data.rows.map((r: { id: string }) => r.id).sort()).toEqual([...ids].sort());
    expect((await client.get(DETAIL, { id: ids[0]! })).data.material_entity.length).toBeGreaterThan(0);
    expect(sandbox.data.remove("sal_out_bound", [ids[0]!, "missing"])).toEqual([ids[0]]);
    expect(sandbox.data.count("sal_out_bound")).toBe(n + 1);
    expect((await client.get(DETAIL, { id: ids[0]! })).errcode).toBe(1030002003);
    sandbox.data.remove("sal_out_bound", [ids[1]!]);
  });

  it("rows() returns deep copies", () => {
    const [row] = sandbox.data.rows("customer");
    row!.name = "changed";
    expect(sandbox.data.rows("customer")[0]!.name).not.toBe("changed");
  });
});

describe("faults", () => {
  it("http_error N times on a path, then OK", async () => {
    sandbox.faults.inject({ kind: "http_error", status: 503, times: 2, path: CUSTOMERS });
    expect((await client.call(CUSTOMERS)).status).toBe(503);
    expect((await client.call(SAL_OUT)).status).toBe(200);
    expect((await client.call(CUSTOMERS)).status).toBe(503);
    const ok = await client.call(CUSTOMERS);
    expect(ok.status).toBe(200);
    expect(ok.json.errcode).toBe(0);
    sandbox.faults.inject({ kind: "http_error", times: 1 });
    expect((await client.call(SAL_OUT)).status).toBe(500);
  });

  it("malformed_json answers 200 with a body that does not parse", async () => {
    sandbox.faults.inject({ kind: "malformed_json", times: 1, path: SAL_OUT });
    const bad = await client.call(SAL_OUT);
    expect(bad.status).toBe(200);
    expect(() => JSON.parse(bad.text)).toThrow();
    expect((await client.call(SAL_OUT)).json.errcode).toBe(0);
  });

  it("latency delays matching calls", async () => {
    // A delay far above a loaded machine's request time, so "not delayed" is unambiguous.
    sandbox.faults.inject({ kind: "latency", ms: 800, times: 1, path: CUSTOMERS });
    const t = Date.now();
    expect((await client.call(CUSTOMERS)).json.errcode).toBe(0);
    expect(Date.now() - t).toBeGreaterThanOrEqual(790);
    const t2 = Date.now();
    await client.call(CUSTOMERS);
    expect(Date.now() - t2).toBeLessThan(790);
  });

  it("timestamp_error answers 519/4006", async () => {
    sandbox.faults.inject({ kind: "timestamp_error", times: 1 });
    const res = await client.call(CUSTOMERS);
    expect(res.status).toBe(519);
    expect(res.json.errcode).toBe(4006);
    expect((await client.call(CUSTOMERS)).json.errcode).toBe(0);
  });

  it("business_error narrowed by match hits one id only", async () => {
    const [a, b] = sandbox.data.rows("sal_out_bound").map((r) => String(r.id));
    sandbox.faults.inject({ kind: "business_error", errcode: 2016012098, description: "单据异常", times: 5, path: DETAIL, match: { id: a! } });
    expect((await client.get(DETAIL, { id: b! })).errcode).toBe(0);
    const res = await client.call(DETAIL, { query: { id: a! } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ errcode: 2016012098, description: "单据异常" });
    expect(sandbox.faults.list()[0]!.remaining).toBe(4);
  });

  it("rate limit: 5007 beyond the rate (errcode mode), 429 in http429 mode, calls still counted", async () => {
    sandbox.calls.reset();
    sandbox.faults.rateLimit({ perSecond: 5 });
    const results = await Promise.all(Array.from({ length: 12 }, () => client.call(CUSTOMERS)));
    const limited = results.filter((r) => r.status === 519 && r.json.errcode === 5007);
    expect(limited.length).toBeGreaterThanOrEqual(6);
    expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(6);
    expect(limited[0]!.json.description).toBe("request overload [GW]");
    expect(sandbox.calls.count(CUSTOMERS)).toBe(12);
    sandbox.faults.rateLimit({ perSecond: 2, mode: "http429" });
    const r429 = await Promise.all(Array.from({ length: 5 }, () => client.call(CUSTOMERS)));
    expect(r429.some((r) => r.status === 429 && r.json.errcode === 5007)).toBe(true);
    sandbox.faults.rateLimit(null);
    expect((await client.call(CUSTOMERS)).status).toBe(200);
  });

  it("rateLimit option at start", async () => {
    const own = await startKingdeeSandbox({ rateLimit: { perSecond: 1 } });
    try {
      const c = new TestClient(own);
      await c.login();
      expect((await c.call(CUSTOMERS)).status).toBe(200);
      expect((await c.call(CUSTOMERS)).json.errcode).toBe(5007);
    } finally {
      await own.stop();
    }
  });
});

describe("per-minute budget per account set (sandbox-kit)", () => {
  it("POST /__sandbox/rate-limit: N calls/min for one appKey, other account sets free; calls per minute read back per account", async () => {
    const own = await startKingdeeSandbox({ tenants: [{}, { counts: { customer: 2 } }] });
    try {
      const [demoCreds, otherCreds] = own.tenants();
      const demo = new TestClient(own, demoCreds);
      const other = new TestClient(own, otherCreds);
      await demo.login();
      await other.login();
      const appKey = demoCreds!.appKey;
      expect(await control(own, "POST", "/__sandbox/rate-limit", { perMinute: 3, account: appKey, mode: "http429" })).toMatchObject({ status: 200 });
      expect(await control(own, "POST", "/__sandbox/rate-limit", { perMinute: 3, mode: "loud" })).toMatchObject({ status: 400 });
      const results = await Promise.all(Array.from({ length: 5 }, () => demo.call(CUSTOMERS)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(3);
      expect(results.filter((r) => r.status === 429 && r.json.errcode === 5007)).toHaveLength(2);
      for (let i = 0; i < 4; i++) expect((await other.call(CUSTOMERS)).status).toBe(200);
      const perAccount = await control(own, "GET", `/__sandbox/calls?account=${appKey}&windowMs=60000`);
      expect(perAccount).toMatchObject({ count: 6, maxInWindow: 6 }); // the token call counts too
      expect(own.calls.count({ account: appKey, path: CUSTOMERS })).toBe(5);
      expect(own.calls.byAccount()).toEqual({ [appKey]: 6, [otherCreds!.appKey]: 5 });
      expect(own.faults.rateLimits()).toEqual([{ perMinute: 3, account: appKey, mode: "http429" }]);
      own.clock.advance(60_001);
      expect((await demo.call(CUSTOMERS)).status).toBe(200);
    } finally {
      await own.stop();
    }
  });

  it("the clock: advancing past the token lifetime expires app-tokens", async () => {
    const own = await startKingdeeSandbox({ tokenLifetimeMs: 60_000 });
    try {
      const c = new TestClient(own);
      await c.login();
      expect((await c.call(CUSTOMERS)).status).toBe(200);
      own.clock.advance(60_000);
      expect((await c.call(CUSTOMERS)).json.errcode).toBe(4011);
    } finally {
      await own.stop();
    }
  });
});

describe("call accounting", () => {
  it("counts every request per path (rejected ones too) with arrival times", async () => {
    sandbox.calls.reset();
    const t = Date.now();
    await client.call(CUSTOMERS);
    await client.call(CUSTOMERS, { token: "bad" });
    await client.call(SAL_OUT, { router: null });
    expect(sandbox.calls.count()).toBe(3);
    expect(sandbox.calls.count(CUSTOMERS)).toBe(2);
    expect(sandbox.calls.byPath()).toEqual({ [CUSTOMERS]: 2, [SAL_OUT]: 1 });
    const times = sandbox.calls.times(CUSTOMERS);
    expect(times).toHaveLength(2);
    expect(times[0]!).toBeGreaterThanOrEqual(t);
    sandbox.calls.reset();
    expect(sandbox.calls.count()).toBe(0);
  });
});

describe("HTTP control routes (/__sandbox)", () => {
  it("calls, faults, mutate, add, remove, tenants", async () => {
    sandbox.calls.reset();
    await client.call(CUSTOMERS);
    const calls = await control(sandbox, "GET", "/__sandbox/calls");
    expect(calls).toMatchObject({ status: 200, count: 1, byPath: { [CUSTOMERS]: 1 } });
    const perPath = await control(sandbox, "GET", `/__sandbox/calls?path=${encodeURIComponent(CUSTOMERS)}`);
    expect(perPath.times).toHaveLength(1);
    expect(sandbox.calls.count()).toBe(1); // control routes are not counted

    expect((await control(sandbox, "POST", "/__sandbox/faults", { kind: "http_error", status: 502, times: 1, path: CUSTOMERS })).status).toBe(200);
    expect((await client.call(CUSTOMERS)).status).toBe(502);
    expect((await control(sandbox, "POST", "/__sandbox/faults", { kind: "bogus", times: 1 })).status).toBe(400);
    await control(sandbox, "POST", "/__sandbox/faults", { kind: "http_error", times: 5 });
    await control(sandbox, "POST", "/__sandbox/faults", { clear: true });
    expect((await client.call(CUSTOMERS)).status).toBe(200);
    await control(sandbox, "POST", "/__sandbox/faults", { expireTokens: true });
    expect((await client.call(CUSTOMERS)).json.errcode).toBe(4011);
    await client.login();

    const mutated = await control(sandbox, "POST", "/__sandbox/mutate", { resource: "customer", count: 2 });
    expect(mutated.ids).toHaveLength(2);
    const byIds = await control(sandbox, "POST", "/__sandbox/mutate", { resource: "customer", ids: [mutated.ids[0]] });
    expect(byIds.ids).toEqual([mutated.ids[0]]);
    const n = sandbox.data.count("ar_credit");
    const added = await control(sandbox, "POST", "/__sandbox/add", { resource: "ar_credit", count: 3 });
    expect(added.ids).toHaveLength(3);
    expect(sandbox.data.count("ar_credit")).toBe(n + 3);
    const removed = await control(sandbox, "POST", "/__sandbox/remove", { resource: "ar_credit", ids: added.ids });
    expect(removed.ids).toEqual(added.ids);
    expect(sandbox.data.count("ar_credit")).toBe(n);
    expect((await control(sandbox, "POST", "/__sandbox/mutate", { resource: "unicorn", count: 1 })).status).toBe(400);

    const tenant = await control(sandbox, "POST", "/__sandbox/tenants", { counts: { customer: 3 } });
    expect(tenant.appKey).toBeTruthy();
    const added2 = await control(sandbox, "POST", "/__sandbox/add", { resource: "customer", count: 1, appKey: tenant.appKey });
    expect(added2.ids).toHaveLength(1);
    expect(sandbox.data.count("customer", { appKey: tenant.appKey })).toBe(4);
    const rotated = await control(sandbox, "POST", "/__sandbox/rotate-app-secret", { appKey: tenant.appKey });
    expect(rotated.appSecret).not.toBe(tenant.appSecret);
    const tenants = await control(sandbox, "GET", "/__sandbox/tenants");
    expect(tenants.tenants).toHaveLength(2);
  });

  it("pushes a tenant's authorization to a webhook, in the pull's row format", async () => {
    const received: unknown[] = [];
    const webhook = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ contentType: req.headers["content-type"], url: req.url, body: JSON.parse(body) });
        res.end("success");
      });
    });
    await new Promise<void>((r) => webhook.listen(0, "127.0.0.1", r));
    try {
      const { port } = webhook.address() as { port: number };
      const url = `http://127.0.0.1:${port}/hook?token=t`;
      expect(await sandbox.pushAuthorization({ url })).toEqual({ status: 200, body: "success" });
      const viaRoute = await control(sandbox, "POST", "/__sandbox/push-authorization", { url });
      expect(viaRoute).toMatchObject({ status: 200, body: "success" });
      expect((await control(sandbox, "POST", "/__sandbox/push-authorization", {})).status).toBe(400);
      const demo = sandbox.demoTenant;
      expect(received).toHaveLength(2);
      expect(received[0]).toMatchObject({
        contentType: "application/json",
        url: "/hook?token=t",
        body: {
          bizType: "app_authorize",
          timestamp: expect.any(Number),
          data: [{ appKey: demo.appKey, appSecret: demo.appSecret, domain: demo.domain, outerInstanceId: demo.outerInstanceId, clientId: demo.clientId, status: 1 }],
        },
      });
    } finally {
      await new Promise((r) => webhook.close(r));
    }
  });
});

describe("IDC moves and protocol signals", () => {
  it("POST /__sandbox/move-domain: the old domain answers HTTP 502, the new one works, pulling shows it", async () => {
    const home = sandbox.demoTenant.domain;
    const moved = await control(sandbox, "POST", "/__sandbox/move-domain", {});
    try {
      expect(moved).toMatchObject({ status: 200, previousDomain: home, appKey: sandbox.demoTenant.appKey });
      expect(moved.domain).not.toBe(home);
      const stale = await client.call(CUSTOMERS, { query: { page_size: "1" } });
      expect(stale.status).toBe(502);
      expect(stale.headers.get("content-type")).toMatch(/text\/html/);
      const fresh = new TestClient(sandbox, sandbox.demoTenant);
      fresh.token = client.token;
      expect((await fresh.call(CUSTOMERS, { query: { page_size: "1" } })).status).toBe(200);
      expect(await control(sandbox, "POST", "/__sandbox/move-domain", { domain: "not a domain" })).toMatchObject({ status: 400 });
    } finally {
      sandbox.moveDomain({ domain: home });
    }
    expect((await client.call(CUSTOMERS, { query: { page_size: "1" } })).status).toBe(200);
  });

  it("POST /__sandbox/signals emits the chosen variant once; unknown names are a 400 naming the choices", async () => {
    const listed = await control(sandbox, "GET", "/__sandbox/signals");
    expect(listed.signals.stale_idc).toEqual(["http_502", "gateway_5001"]);
    expect(await control(sandbox, "POST", "/__sandbox/signals", { signal: "throttled", variant: "body_429", path: CUSTOMERS })).toMatchObject({ status: 200 });
    const throttled = await client.call(CUSTOMERS);
    expect(throttled.status).toBe(200);
    expect(throttled.json).toMatchObject({ errcode: 429 });
    expect((await client.call(CUSTOMERS)).json).toMatchObject({ errcode: 0 });
    const bad = await control(sandbox, "POST", "/__sandbox/signals", { signal: "throttled", variant: "nope" });
    expect(bad.status).toBe(400);
    expect(bad.error).toMatch(/gateway_5007/);
  });

  it("an http_error with afterExecute runs the save, then answers the error", async () => {
    const before = sandbox.data.count("customer");
    sandbox.faults.inject({ kind: "http_error", status: 502, afterExecute: true, times: 1, path: CUSTOMERS });
    const res = await client.call(CUSTOMERS, { method: "POST", body: { data: [{ name: "已执行", number: "AFTER-502" }] } });
    expect(res.status).toBe(502);
    expect(sandbox.data.count("customer")).toBe(before + 1);
  });
});
