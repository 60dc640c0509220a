import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type CallRecord, KingdeeClient, KingdeeError } from "../src/index.js";
import { CUSTOMER_PATH, OUT_BOUND_PATH, clientFor, maxInWindow, sandboxWithClient } from "./helpers.js";

const { sandbox, client } = await sandboxWithClient();
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.faults.clear();
  sandbox.faults.rateLimit(null);
  sandbox.calls.reset();
});

const outBound = (kingdee = client()) => kingdee.resource("sal_out_bound");

describe("retries on reads", () => {
  it("5xx on a read is retried with backoff until it succeeds", async () => {
    sandbox.faults.inject({ kind: "http_error", status: 503, times: 2, path: OUT_BOUND_PATH });
    const page = await outBound().list({ pageSize: 10 });
    expect(page.rows).toHaveLength(10);
    expect(sandbox.calls.count(OUT_BOUND_PATH)).toBe(3);
  });

  it("gives up after 3 retries with a retryable network error carrying status and endpoint", async () => {
    sandbox.faults.inject({ kind: "http_error", status: 500, times: 10, path: OUT_BOUND_PATH });
    const error = await outBound().list().catch((e) => e);
    expect(error).toBeInstanceOf(KingdeeError);
    expect(error).toMatchObject({ category: "network", status: 500, endpoint: OUT_BOUND_PATH, retryable: true });
    expect(sandbox.calls.count(OUT_BOUND_PATH)).toBe(4);
  });

  it("a malformed JSON body on a read is retried", async () => {
    sandbox.faults.inject({ kind: "malformed_json", times: 1, path: OUT_BOUND_PATH });
    const page = await outBound().list({ pageSize: 5 });
    expect(page.rows).toHaveLength(5);
    expect(sandbox.calls.count(OUT_BOUND_PATH)).toBe(2);
  });

  it("a read that times out is retried", async () => {
    sandbox.faults.inject({ kind: "latency", ms: 400, times: 1, path: OUT_BOUND_PATH });
    const page = await outBound(client({ timeoutMs: 150 })).list({ pageSize: 5 });
    expect(page.rows).toHaveLength(5);
    expect(sandbox.calls.count(OUT_BOUND_PATH)).toBe(2);
  });
});

describe("cancelling", () => {
  it("list, pages and detail take a signal: aborting cancels the call in flight, unretried", async () => {
    sandbox.faults.inject({ kind: "latency", ms: 2_000, path: `${OUT_BOUND_PATH}_detail` });
    const abort = new AbortController();
    const started = Date.now();
    const detail = outBound().detail({ id: "1" }, { signal: abort.signal }).catch((e: unknown) => e);
    setTimeout(() => abort.abort(new Error("stream stopped")), 100);
    expect(await detail).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(sandbox.calls.count(`${OUT_BOUND_PATH}_detail`)).toBe(1);

    const pages = outBound().pages({ pageSize: 5, signal: abort.signal });
    await expect(pages.next()).rejects.toThrow();
    expect(sandbox.calls.count(OUT_BOUND_PATH)).toBe(0);
  });
});

describe("writes are never retried blindly", () => {
  const save = (kingdee: KingdeeClient) =>
    kingdee.request({ method: "POST", path: CUSTOMER_PATH, body: { data: [{ name: "新客户", number: "CUST-NEW" }] } });

  it("a 5xx on a write fails at once, marked not retryable", async () => {
    sandbox.faults.inject({ kind: "http_error", status: 500, times: 1, path: CUSTOMER_PATH });
    const error = await save(client()).catch((e) => e);
    expect(error).toMatchObject({ category: "network", status: 500, retryable: false, method: "POST" });
    expect(sandbox.calls.count(CUSTOMER_PATH)).toBe(1);
  });

  it("a write that times out reports an unknown outcome and is not retried", async () => {
    sandbox.faults.inject({ kind: "latency", ms: 400, times: 1, path: CUSTOMER_PATH });
    const error = (await save(client({ timeoutMs: 150 })).catch((e: unknown) => e)) as KingdeeError;
    expect(error).toMatchObject({ category: "timeout", retryable: false });
    expect(error.message).toContain("outcome unknown");
    expect(sandbox.calls.count(CUSTOMER_PATH)).toBe(1);
  });

  it("a write refused by the gateway before it ran (expired token) is sent again once", async () => {
    const kingdee = client();
    await kingdee.token.get();
    sandbox.faults.expireTokens();
    await save(kingdee);
    expect(sandbox.calls.count(CUSTOMER_PATH)).toBe(2);
  });
});

describe("HTTP 502 on a write: resent only when the account provably moved IDC", () => {
  const withPull = () => client({ outerInstanceId: sandbox.demoTenant.outerInstanceId });
  const saveOne = (kingdee: KingdeeClient, number: string) =>
    kingdee.request({ method: "POST", path: CUSTOMER_PATH, body: { data: [{ name: `客户 ${number}`, number }] } });

  it("a 502 after the write ran, domain unchanged: one record, an outcome-unknown error, never resent", async () => {
    const before = sandbox.data.count("customer");
    sandbox.faults.inject({ kind: "http_error", status: 502, afterExecute: true, times: 1, path: CUSTOMER_PATH });
    const error = (await saveOne(withPull(), "CUST-502").catch((e: unknown) => e)) as KingdeeError;
    expect(error).toBeInstanceOf(KingdeeError);
    expect(error).toMatchObject({ category: "outcome_unknown", retryable: false, status: 502, method: "POST" });
    expect(error.message).toContain("outcome unknown");
    expect(sandbox.calls.count("/jdyconnector/app_management/push_app_authorize")).toBe(1);
    expect(sandbox.calls.count(CUSTOMER_PATH)).toBe(1);
    expect(sandbox.data.count("customer")).toBe(before + 1);
  });

  it("the account moved to another IDC (POST /__sandbox/move-domain): pulled, resent once, one record", async () => {
    const home = sandbox.demoTenant.domain;
    const kingdee = withPull();
    await kingdee.token.get();
    const moved = await fetch(`${sandbox.url}/__sandbox/move-domain`, { method: "POST", body: "{}" }).then((r) => r.json() as Promise<{ domain: string; previousDomain: string }>);
    try {
      expect(moved).toMatchObject({ previousDomain: home });
      expect(moved.domain).not.toBe(home);
      const before = sandbox.data.count("customer");
      await saveOne(kingdee, "CUST-MOVED");
      expect(sandbox.calls.count(CUSTOMER_PATH)).toBe(2);
      expect(sandbox.data.count("customer")).toBe(before + 1);
    } finally {
      sandbox.moveDomain({ domain: home });
    }
  });

  it("without outerInstanceId a 502 on a write is outcome-unknown too", async () => {
    sandbox.faults.inject({ kind: "http_error", status: 502, times: 1, path: CUSTOMER_PATH });
    const error = await saveOne(client(), "CUST-NOPULL").catch((e) => e);
    expect(error).toMatchObject({ category: "outcome_unknown", retryable: false });
    expect(sandbox.calls.count(CUSTOMER_PATH)).toBe(1);
  });
});

describe("gateway rejections cured by a fresh attempt", () => {
  it("an expired timestamp is re-signed and retried once", async () => {
    sandbox.faults.inject({ kind: "timestamp_error", times: 1, path: OUT_BOUND_PATH });
    await outBound().list({ pageSize: 1 });
    expect(sandbox.calls.count(OUT_BOUND_PATH)).toBe(2);
  });

  it("a second timestamp rejection is not retried again", async () => {
    sandbox.faults.inject({ kind: "timestamp_error", times: 2, path: OUT_BOUND_PATH });
    const error = await outBound().list().catch((e) => e);
    expect(error).toMatchObject({ status: 519, errcode: 4006, category: "authentication" });
    expect(sandbox.calls.count(OUT_BOUND_PATH)).toBe(2);
  });

  it("a replayed nonce is rejected by the gateway and the SDK re-signs", async () => {
    // A fetch that replays the previous request's signature headers once, as a proxy resending a request would.
    let previous: Record<string, string> | undefined;
    let replayed = false;
    const replayingFetch: typeof fetch = async (input, init) => {
      const headers = { ...(init?.headers as Record<string, string>) };
      if (previous && !replayed && String(input).includes(OUT_BOUND_PATH)) {
        replayed = true;
        return fetch(input, { ...init, headers: previous });
      }
      if (String(input).includes(OUT_BOUND_PATH)) previous = headers;
      return fetch(input, init);
    };
    const kingdee = client({ fetch: replayingFetch });
    await outBound(kingdee).list({ pageSize: 1 });
    await outBound(kingdee).list({ pageSize: 1 });
    expect(replayed).toBe(true);
    expect(sandbox.calls.count(OUT_BOUND_PATH)).toBe(3);
  });

  it("a token that keeps being rejected fails after one refresh, not in a loop", async () => {
    const shortLived = await sandboxWithClient({ tokenLifetimeMs: 1 });
    // Every token has expired by the time the sandbox checks it.
    shortLived.sandbox.faults.inject({ kind: "latency", ms: 5, path: CUSTOMER_PATH });
    try {
      const error = await shortLived.client().resource("customer").list().catch((e) => e);
      expect(error).toMatchObject({ status: 519, category: "authentication" });
      expect([4010, 4011]).toContain(error.errcode);
      expect(shortLived.sandbox.calls.count(CUSTOMER_PATH)).toBe(2);
    } finally {
      await shortLived.sandbox.stop();
    }
  });
});

describe("rate limiting", () => {
  it("backs off when the gateway throttles and every call still completes", async () => {
    sandbox.faults.rateLimit({ perSecond: 5 });
    const calls: CallRecord[] = [];
    const kingdee = client({ retry: { retries: 6, baseDelayMs: 250, maxDelayMs: 2_000 }, onCall: (c) => calls.push(c) });
    await kingdee.token.get();
    const pages = await Promise.all(Array.from({ length: 12 }, () => kingdee.resource("customer").list({ pageSize: 1 })));
    expect(pages).toHaveLength(12);
    expect(calls.some((c) => c.errcode === 5007)).toBe(true);
  });

  it("HTTP 429 is a rate-limit error too", async () => {
    sandbox.faults.rateLimit({ perSecond: 1, mode: "http429" });
    const kingdee = client({ retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    await kingdee.token.get();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => kingdee.resource("customer").list()));
    const rejected = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected[0]).toMatchObject({ category: "rate_limit", status: 429, retryable: true });
  });

  it("the client's limiter never sends more than its rate (counted at the sandbox)", async () => {
    const perSecond = 10;
    const burst = 2;
    const kingdee = client({ rateLimit: { perMinute: perSecond * 60, burst, concurrency: 8 } });
    await kingdee.token.get();
    sandbox.calls.reset();
    await Promise.all(Array.from({ length: 36 }, () => kingdee.resource("customer").list({ pageSize: 1 })));
    const times = sandbox.calls.times(CUSTOMER_PATH);
    expect(times).toHaveLength(36);
    // Token bucket bound: at most burst + rate·T calls in any window T.
    expect(maxInWindow(times, 1_000)).toBeLessThanOrEqual(perSecond + burst);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(((36 - burst - 1) / perSecond) * 1000 - 50);
  });

  it("bounds the number of requests in flight", async () => {
    sandbox.faults.inject({ kind: "latency", ms: 100, path: CUSTOMER_PATH });
    let inFlight = 0;
    let peak = 0;
    const countingFetch: typeof fetch = async (input, init) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    };
    const kingdee = client({ fetch: countingFetch, rateLimit: { perMinute: 60_000, burst: 100, concurrency: 3 } });
    await kingdee.token.get();
    await Promise.all(Array.from({ length: 12 }, () => kingdee.resource("customer").list({ pageSize: 1 })));
    expect(peak).toBeLessThanOrEqual(3);
  });
});

describe("errors", () => {
  it("bad credentials give a typed authentication error without secrets in it", async () => {
    const secret = "definitely-wrong-secret-0000000000";
    const kingdee = clientFor(sandbox, { clientSecret: secret });
    const error = await kingdee.resource("customer").list().catch((e) => e);
    expect(error).toBeInstanceOf(KingdeeError);
    expect(error).toMatchObject({ category: "authentication", status: 519, errcode: 4008 });
    expect(error.requestId).toBeTruthy();
    const text = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`;
    expect(text).not.toContain(secret);
    expect(text).not.toContain(sandbox.demoTenant.appSecret);
  });

  it("a business error keeps errcode and description and is not retried", async () => {
    sandbox.faults.inject({ kind: "business_error", errcode: 2016012098, description: "供应商不存在", times: 1, path: OUT_BOUND_PATH });
    const error = await outBound().list().catch((e) => e);
    expect(error).toMatchObject({ category: "business", errcode: 2016012098, description: "供应商不存在", retryable: false });
    expect(sandbox.calls.count(OUT_BOUND_PATH)).toBe(1);
  });

  it("a wrong router domain is reported, not retried forever", async () => {
    const error = await clientFor(sandbox, { domain: "https://wrong.jdy.com" }).resource("customer").list().catch((e) => e);
    expect(error).toMatchObject({ status: 519, errcode: 5001, category: "validation" });
  });

  it("construction with missing config names each missing field", () => {
    expect(() => new KingdeeClient({ clientId: "1" } as never)).toThrow(/clientSecret is required/);
    try {
      new KingdeeClient({ clientId: "1", clientSecret: "s" } as never);
    } catch (error) {
      expect(String(error)).toMatch(/appKey is required/);
      expect(String(error)).toMatch(/appSecret is required/);
      expect(String(error)).toMatch(/domain is required/);
      expect(String(error)).not.toContain("clientSecret");
    }
    expect(() => clientFor(sandbox, { baseUrl: "not a url" })).toThrow(/baseUrl/);
  });
});
