import { describe, expect, it } from "vitest";
import { RateLimits } from "../src/index.js";

const MIN = 60_000;

describe("RateLimits (exact times)", () => {
  it("per second: refill at perSecond, burst of perSecond", () => {
    const limits = new RateLimits({ perSecond: 2 });
    expect([limits.take("a", 0), limits.take("a", 0), limits.take("a", 0)].map(Boolean)).toEqual([false, false, true]);
    expect(limits.take("a", 499)).toBeDefined();
    expect(limits.take("a", 500)).toBeUndefined();
  });

  it("per minute, fixed: counts the clock minute, resets at its boundary", () => {
    const limits = new RateLimits({ perMinute: 2, window: "fixed" });
    const t = 10 * MIN + 59_000;
    expect(limits.take("a", t)).toBeUndefined();
    expect(limits.take("a", t + 500)).toBeUndefined();
    expect(limits.take("a", t + 900)).toEqual({ perMinute: 2, window: "fixed" });
    expect(limits.take("a", 11 * MIN)).toBeUndefined();
  });

  it("per minute, sliding: any 60 s holds at most perMinute", () => {
    const limits = new RateLimits({ perMinute: 2 });
    expect(limits.take("a", 0)).toBeUndefined();
    expect(limits.take("a", 30_000)).toBeUndefined();
    expect(limits.take("a", 59_999)).toBeDefined();
    expect(limits.take("a", 60_000)).toBeUndefined();
    expect(limits.take("a", 60_001)).toBeDefined();
    expect(limits.take("a", 90_000)).toBeUndefined();
  });

  it("sliding over many calls never lets a 60 s window exceed the limit", () => {
    const limits = new RateLimits({ perMinute: 300 });
    const accepted: number[] = [];
    for (let t = 0; t < 5 * MIN; t += 37) if (!limits.take("a", t)) accepted.push(t);
    let start = 0;
    for (let end = 0; end < accepted.length; end++) {
      while (accepted[end]! - accepted[start]! >= MIN) start++;
      expect(end - start + 1).toBeLessThanOrEqual(300);
    }
    expect(accepted.length).toBeGreaterThanOrEqual(5 * 300);
  });

  it("per account: own rule, own budget; others under the general rule", () => {
    const limits = new RateLimits<{ perMinute?: number; perSecond?: number; account?: string }>();
    limits.set({ perMinute: 1, account: "x" });
    expect(limits.take("x", 0)).toBeUndefined();
    expect(limits.take("x", 1)).toEqual({ perMinute: 1, account: "x" });
    expect(limits.take("y", 1)).toBeUndefined();
    limits.set({ perMinute: 1 });
    expect(limits.take("y", 2)).toBeUndefined();
    expect(limits.take("y", 3)).toEqual({ perMinute: 1 });
    expect(limits.take("z", 3)).toBeUndefined();
    limits.remove("x");
    expect(limits.list()).toEqual([{ perMinute: 1 }]);
  });
});
