import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SandboxKit, validateFaultBase, type FaultBase, type RateLimitRule, type Reply } from "../src/index.js";

type ToyFault = FaultBase & ({ kind: "http_error"; status?: number; times: number } | { kind: "latency"; ms: number; times?: number });

const json = (status: number, value: unknown): Reply => ({ status, body: JSON.stringify(value), contentType: "application/json" });

/** A toy simulator: the account is the x-account header; every API call is rate-limited per account. */
function toySandbox(rateLimit: RateLimitRule | null = null) {
  const expired: number[] = [];
  const kit: SandboxKit<ToyFault> = new SandboxKit<ToyFault>({
    name: "toy sandbox",
    faults: { validate: (input) => validateFaultBase(input, new Set(["http_error", "latency"])) as unknown as ToyFault },
    rateLimit,
    accountOf: (req) => req.header("x-account") || undefined,
    api: (req) => {
      if (kit.limits.take(req.header("x-account"), req.receivedAt)) return json(429, { error: "over" });
      return json(200, { ok: true, path: req.path, q: req.query.get("q")?.[0] ?? null });
    },
    faultReply: (fault) => json(fault.kind === "http_error" ? (fault.status ?? 500) : 500, { fault: fault.kind }),
    internalError: () => json(500, { error: "internal" }),
    expireTokens: () => expired.push(Date.now()),
  });
  return { kit, expired };
}

let toy: ReturnType<typeof toySandbox>;

async function call(path: string, account = "acct-a"): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${toy.kit.url}${path}`, { headers: { "x-account": account } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function control(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${toy.kit.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, ...((await res.json()) as object) };
}

beforeAll(async () => {
  toy = toySandbox();
  await toy.kit.listen();
});
afterAll(() => toy.kit.stop());
afterEach(() => toy.kit.reset());

describe("server skeleton", () => {
  it("serves the API on 127.0.0.1 with decoded path and query", async () => {
    expect(toy.kit.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await call("/api/%E4%B8%AD?q=a%20b")).toEqual({ status: 200, body: { ok: true, path: "/api/中", q: "a b" } });
  });

  it("answers unknown control routes 404, bad JSON 400, and never counts control calls", async () => {
    expect(await control("GET", "/__sandbox/nope")).toMatchObject({ status: 404, error: "unknown control route: GET /__sandbox/nope" });
    expect(await control("POST", "/__sandbox/faults", "{")).toMatchObject({ status: 400 });
    const raw = await fetch(`${toy.kit.url}/__sandbox/faults`, { method: "POST", body: "{" });
    expect(raw.status).toBe(400);
    expect(await control("GET", "/__sandbox/health")).toEqual({ status: 200, ok: true, url: toy.kit.url });
    expect(toy.kit.calls.count()).toBe(0);
  });

  it("a sandbox adds its own control routes; a later route for the same path wins", async () => {
    toy.kit.control.route("GET", "/__sandbox/toy", ({ str }) => ({ echo: str("v") })).route("POST", "/__sandbox/toy", () => {
      throw new Error("refused");
    });
    expect(await control("GET", "/__sandbox/toy?v=1")).toEqual({ status: 200, echo: "1" });
    expect(await control("POST", "/__sandbox/toy", {})).toEqual({ status: 400, error: "refused" });
  });
});

describe("faults", () => {
  it("per path: only calls to that path, `times` of them", async () => {
    toy.kit.faults.inject({ kind: "http_error", status: 503, times: 2, path: "/a" });
    expect((await call("/b")).status).toBe(200);
    expect((await call("/a")).status).toBe(503);
    expect(toy.kit.faults.list()).toEqual([{ kind: "http_error", status: 503, times: 2, path: "/a", remaining: 1 }]);
    expect((await call("/a")).status).toBe(503);
    expect((await call("/a")).status).toBe(200);
    expect(toy.kit.faults.empty).toBe(true);
  });

  it("global: every path, in insertion order; latency adds up and stays until cleared", async () => {
    toy.kit.faults.inject({ kind: "http_error", status: 502, times: 1 });
    toy.kit.faults.inject({ kind: "http_error", status: 500, times: 1 });
    expect((await call("/x")).status).toBe(502);
    expect((await call("/y")).status).toBe(500);
    toy.kit.faults.inject({ kind: "latency", ms: 150 });
    const t0 = Date.now();
    expect((await call("/z")).status).toBe(200);
    expect((await call("/z")).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(toy.kit.faults.list()).toEqual([{ kind: "latency", ms: 150, remaining: Number.POSITIVE_INFINITY }]);
  });

  it("over HTTP: inject, list, validate, expire tokens, clear", async () => {
    expect(await control("POST", "/__sandbox/faults", { kind: "http_error", times: 1, path: "/p" })).toMatchObject({ status: 200, ok: true });
    expect((await control("GET", "/__sandbox/faults")).faults).toEqual([{ kind: "http_error", times: 1, path: "/p", remaining: 1 }]);
    expect(await control("POST", "/__sandbox/faults", { kind: "bogus", times: 1 })).toMatchObject({ status: 400, error: "unknown fault kind: bogus" });
    expect(await control("POST", "/__sandbox/faults", { kind: "http_error" })).toMatchObject({ status: 400, error: "fault.times must be a number >= 0" });
    expect(await control("POST", "/__sandbox/faults", { kind: "latency", ms: -1 })).toMatchObject({ status: 400 });
    await control("POST", "/__sandbox/faults", { expireTokens: true });
    expect(toy.expired).toHaveLength(1);
    await control("POST", "/__sandbox/faults", { clear: true });
    expect((await call("/p")).status).toBe(200);
  });

  it("the call is logged before a fault answers it", async () => {
    toy.kit.faults.inject({ kind: "http_error", times: 1 });
    await call("/f");
    expect(toy.kit.calls.count("/f")).toBe(1);
  });
});

describe("call log", () => {
  it("counts and timestamps per path and per account", async () => {
    const t0 = toy.kit.clock.now();
    await call("/a", "acct-a");
    await call("/a", "acct-b");
    await call("/b", "acct-a");
    const calls = toy.kit.calls;
    expect(calls.count()).toBe(3);
    expect(calls.count("/a")).toBe(2);
    expect(calls.count({ account: "acct-a" })).toBe(2);
    expect(calls.count({ path: "/a", account: "acct-b" })).toBe(1);
    expect(calls.byPath()).toEqual({ "/a": 2, "/b": 1 });
    expect(calls.byAccount()).toEqual({ "acct-a": 2, "acct-b": 1 });
    const times = calls.times({ account: "acct-a" });
    expect(times).toHaveLength(2);
    expect(times[0]!).toBeGreaterThanOrEqual(t0);
    expect(times[1]!).toBeGreaterThanOrEqual(times[0]!);
    expect(calls.times("/nowhere")).toEqual([]);
  });

  it("over HTTP: per path, per account, and the most calls in any window", async () => {
    for (let i = 0; i < 3; i++) await call("/a", "acct-a");
    toy.kit.clock.advance(61_000);
    await call("/a", "acct-a");
    await call("/a", "acct-b");
    const all = await control("GET", "/__sandbox/calls");
    expect(all).toMatchObject({ count: 5, byPath: { "/a": 5 }, byAccount: { "acct-a": 4, "acct-b": 1 } });
    const a = await control("GET", "/__sandbox/calls?account=acct-a&windowMs=60000");
    expect(a).toMatchObject({ count: 4, account: "acct-a", windowMs: 60_000, maxInWindow: 3 });
    expect(a.times).toHaveLength(4);
    expect(toy.kit.calls.maxInWindow({ account: "acct-a" }, 120_000)).toBe(4);
    await control("POST", "/__sandbox/calls/reset");
    expect(toy.kit.calls.count()).toBe(0);
    await call("/a");
    await control("DELETE", "/__sandbox/calls");
    expect(toy.kit.calls.byAccount()).toEqual({});
  });
});

describe("rate limits", () => {
  it("per second: a token bucket per account with a burst of perSecond", async () => {
    toy.kit.rateLimit({ perSecond: 3 });
    const burst = await Promise.all(Array.from({ length: 6 }, () => call("/r")));
    expect(burst.filter((r) => r.status === 200)).toHaveLength(3);
    expect(burst.filter((r) => r.status === 429)).toHaveLength(3);
    expect((await call("/r", "acct-other")).status).toBe(200);
    toy.kit.clock.advance(1_000);
    expect((await call("/r")).status).toBe(200);
    expect(toy.kit.calls.count("/r")).toBe(8); // refused calls are logged too
  });

  it("per minute, sliding: the last 60 s; the budget frees up as calls age out", async () => {
    toy.kit.rateLimit({ perMinute: 3 });
    for (let i = 0; i < 3; i++) expect((await call("/m")).status).toBe(200);
    expect((await call("/m")).status).toBe(429);
    toy.kit.clock.advance(30_000);
    expect((await call("/m")).status).toBe(429);
    toy.kit.clock.advance(30_001);
    expect((await call("/m")).status).toBe(200);
  });

  it("keyed per account over HTTP: one account's budget, the others free; the account rule wins over the general one", async () => {
    expect(await control("POST", "/__sandbox/rate-limit", { perMinute: 2, account: "acct-a" })).toMatchObject({
      status: 200,
      rateLimits: [{ perMinute: 2, account: "acct-a" }],
    });
    expect((await call("/k", "acct-a")).status).toBe(200);
    expect((await call("/k", "acct-a")).status).toBe(200);
    expect((await call("/k", "acct-a")).status).toBe(429);
    for (let i = 0; i < 5; i++) expect((await call("/k", "acct-b")).status).toBe(200);
    await control("POST", "/__sandbox/rate-limit", { perMinute: 100 });
    expect((await call("/k", "acct-a")).status).toBe(429);
    expect((await control("GET", "/__sandbox/faults")).rateLimit).toEqual({ perMinute: 100 });
    await control("DELETE", "/__sandbox/rate-limit?account=acct-a");
    expect((await control("GET", "/__sandbox/rate-limit")).rateLimits).toEqual([{ perMinute: 100 }]);
    expect((await call("/k", "acct-a")).status).toBe(200);
    await control("DELETE", "/__sandbox/rate-limit");
    expect(toy.kit.limits.empty).toBe(true);
  });

  it("a budget test: many concurrent calls, calls per minute at the sandbox read back from the call log", async () => {
    await control("POST", "/__sandbox/rate-limit", { perMinute: 20, account: "acct-a", window: "fixed" });
    const results = await Promise.all(Array.from({ length: 50 }, () => call("/budget", "acct-a")));
    const accepted = results.filter((r) => r.status === 200).length;
    // A fixed window may straddle a minute boundary: at most two windows' worth.
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(accepted).toBeLessThanOrEqual(40);
    expect((await control("GET", "/__sandbox/calls?account=acct-a&windowMs=60000")).maxInWindow).toBe(50);
  });

  it("validates rules", async () => {
    expect(await control("POST", "/__sandbox/rate-limit", {})).toMatchObject({ status: 400, error: "rate limit needs exactly one of perSecond, perMinute" });
    expect(await control("POST", "/__sandbox/rate-limit", { perSecond: 1, perMinute: 1 })).toMatchObject({ status: 400 });
    expect(await control("POST", "/__sandbox/rate-limit", { perSecond: 0 })).toMatchObject({ status: 400 });
    expect(await control("POST", "/__sandbox/rate-limit", { perMinute: 1.5 })).toMatchObject({ status: 400 });
    expect(await control("POST", "/__sandbox/rate-limit", { perSecond: 5, window: "fixed" })).toMatchObject({ status: 400 });
    expect(await control("POST", "/__sandbox/rate-limit", { perMinute: 5, window: "rolling" })).toMatchObject({ status: 400 });
    expect(await control("POST", "/__sandbox/faults", { rateLimit: { perSecond: -1 } })).toMatchObject({ status: 400 });
  });

  it("the rate limit at start is restored by faults clear and by reset", async () => {
    const own = toySandbox({ perMinute: 1 });
    await own.kit.listen();
    try {
      const hit = async () => (await fetch(`${own.kit.url}/x`, { headers: { "x-account": "a" } })).status;
      expect(await hit()).toBe(200);
      expect(await hit()).toBe(429);
      own.kit.rateLimit(null);
      expect(await hit()).toBe(200);
      own.kit.clearFaults();
      expect(own.kit.limits.general).toEqual({ perMinute: 1 });
      own.kit.rateLimit(null);
      const reset = await fetch(`${own.kit.url}/__sandbox/reset`, { method: "POST" });
      expect(reset.status).toBe(200);
      expect(own.kit.limits.list()).toEqual([{ perMinute: 1 }]);
      expect(own.kit.calls.count()).toBe(0);
    } finally {
      await own.kit.stop();
    }
  });
});

describe("clock", () => {
  it("reads and advances over HTTP; never backwards", async () => {
    const { now } = await control("GET", "/__sandbox/clock");
    expect(Math.abs(now - Date.now())).toBeLessThan(60_000 * 60);
    const advanced = await control("POST", "/__sandbox/clock/advance", { ms: 3_600_000 });
    expect(advanced.now - now).toBeGreaterThanOrEqual(3_600_000);
    expect(await control("POST", "/__sandbox/clock/advance", { ms: -1 })).toMatchObject({ status: 400, error: "clock.advance needs ms >= 0" });
    await call("/t");
    expect(toy.kit.calls.times("/t")[0]!).toBeGreaterThanOrEqual(advanced.now);
  });
});
