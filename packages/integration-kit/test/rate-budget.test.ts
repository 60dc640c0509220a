import { randomUUID } from "node:crypto";
import { requireRedis } from "@erpbridge/test-support";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, compose, type RateBudget, RedisRateBudget, type Send, throttle, TokenBucketBudget } from "../src/index.js";
import { maxInWindow } from "./helpers.js";

/** `calls` takes from `budgets` round-robin, as fast as they allow, and returns when each call left. */
async function hammer(budgets: RateBudget[], calls: number, concurrency = 4): Promise<number[]> {
  const times: number[] = [];
  let started = 0;
  const worker = async (budget: RateBudget) => {
    while (started < calls) {
      started++;
      await budget.take();
      times.push(performance.now());
    }
  };
  await Promise.all(budgets.flatMap((budget) => Array.from({ length: concurrency }, () => worker(budget))));
  return times;
}

describe("TokenBucketBudget (in-process)", () => {
  it("in any window T at most burst + limit·T/W calls leave, and the span fits the rate", async () => {
    const limit = 20;
    const windowMs = 1_000;
    const burst = 4;
    const times = await hammer([new TokenBucketBudget({ limit, windowMs, burst })], 40);
    // Every window, not just one: short and long ones.
    for (const T of [100, 250, 500, 1_000]) expect(maxInWindow(times, T)).toBeLessThanOrEqual(burst + Math.ceil((limit * T) / windowMs));
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(((40 - burst) / limit) * windowMs - 60);
  });

  it("backOff(retryAfter) pauses every taker; without it the saved burst is dropped", async () => {
    const budget = new TokenBucketBudget({ limit: 600, windowMs: 1_000, burst: 10 });
    await budget.backOff(200);
    const started = performance.now();
    await budget.take();
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("take() gives up when the caller aborts", async () => {
    const budget = new TokenBucketBudget({ limit: 1, windowMs: 60_000, burst: 1 });
    await budget.take();
    await expect(budget.take(AbortSignal.timeout(30))).rejects.toThrow();
  });
});

describe("throttle plugin", () => {
  type Req = { method: string; path: string; signal?: AbortSignal };
  type Res = { status: number };

  it("bounds requests in flight and tells the budget about throttled answers", async () => {
    const backOffs: Array<number | undefined> = [];
    const budget: RateBudget = { take: async () => {}, backOff: async (ms) => void backOffs.push(ms) };
    let inFlight = 0;
    let peak = 0;
    const core: Send<Req, Res> = async <T>(request: Req) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      if (request.path === "/throttled") {
        throw new ApiError({ message: "slow down", category: "rate_limit", method: "GET", endpoint: "/throttled", headers: { "retry-after": "2" } });
      }
      return { status: 200, data: undefined as T };
    };
    const send = compose(core, throttle({ budget, concurrency: 3 }));
    await Promise.all(Array.from({ length: 12 }, () => send({ method: "GET", path: "/" })));
    expect(peak).toBe(3);
    await expect(send({ method: "GET", path: "/throttled" })).rejects.toBeInstanceOf(ApiError);
    expect(backOffs).toEqual([2_000]);
  });
});

const url = requireRedis("RedisRateBudget shared by several processes");

describe.skipIf(!url)("RedisRateBudget (shared through Redis)", () => {
  const prefix = `integration-kit:test:${randomUUID()}:`;
  const connections: Redis[] = [];
  const connect = () => {
    const redis = new Redis(url!);
    connections.push(redis);
    return redis;
  };
  let admin: Redis;
  beforeAll(() => {
    admin = connect();
  });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    await Promise.all(connections.map((c) => c.quit()));
  });

  // Three "processes": separate budget instances on separate connections, one account.
  const sharers = (account: string, options: { limit: number; windowMs: number; burst?: number }) =>
    [1, 2, 3].map(() => new RedisRateBudget({ redis: connect(), account, prefix, ...options }));

  it("3 sharers hammering one account never exceed the limit in any sliding window, and keep close to its pace", async () => {
    const limit = 20;
    const windowMs = 1_000;
    const calls = 50;
    const times = await hammer(sharers("acct-a", { limit, windowMs }), calls, 4);
    expect(times).toHaveLength(calls);
    // maxInWindow slides over every start point: each call opens a window of W.
    expect(maxInWindow(times, windowMs)).toBeLessThanOrEqual(limit);
    const span = Math.max(...times) - Math.min(...times);
    const floor = ((calls - 1) / limit) * windowMs;
    expect(span).toBeGreaterThanOrEqual(floor * 0.9);
    expect(span).toBeLessThanOrEqual(floor * 1.15);
  });

  it("with a burst, a window still holds at most the limit (no 2× at a window edge)", async () => {
    const limit = 10;
    const windowMs = 500;
    const times = await hammer(sharers("acct-burst", { limit, windowMs, burst: 5 }), 30, 4);
    expect(maxInWindow(times, windowMs)).toBeLessThanOrEqual(limit);
    // The burst really went back to back.
    expect(maxInWindow(times, 20)).toBeGreaterThanOrEqual(5);
  });

  it("accounts are independent", async () => {
    const [one] = sharers("acct-x", { limit: 2, windowMs: 10_000 });
    const [other] = sharers("acct-y", { limit: 2, windowMs: 10_000 });
    const started = performance.now();
    await Promise.all([one!.take(), other!.take()]);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it("Retry-After on one sharer pauses all of them", async () => {
    const [a, b, c] = sharers("acct-pause", { limit: 100, windowMs: 1_000 });
    await a!.take();
    await a!.backOff(400);
    const started = performance.now();
    const waits = await Promise.all(
      [b!, c!].map(async (budget) => {
        await budget.take();
        return performance.now() - started;
      }),
    );
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(380);
  });

  it("a throttled answer without Retry-After backs every sharer off by backoffMs", async () => {
    const [a, b] = [1, 2].map(() => new RedisRateBudget({ redis: connect(), account: "acct-backoff", prefix, limit: 100, windowMs: 1_000, backoffMs: 250 }));
    await a!.backOff();
    const started = performance.now();
    await b!.take();
    expect(performance.now() - started).toBeGreaterThanOrEqual(230);
  });

  it("refuses a burst above the limit", () => {
    expect(() => new RedisRateBudget({ redis: admin, account: "bad", limit: 2, burst: 3 })).toThrow(RangeError);
  });
});
