import { randomUUID } from "node:crypto";
import { requireRedis } from "@erpbridge/test-support";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountKey, type KingdeeClient, RedisRateBudget } from "../src/index.js";
import { CUSTOMER_PATH, maxInWindow, sandboxWithClient } from "./helpers.js";

const url = requireRedis("Kingdee clients sharing one rate budget through Redis");

describe.skipIf(!url)("three replicas share one account set's budget (Redis)", () => {
  let setup: Awaited<ReturnType<typeof sandboxWithClient>>;
  const connections: Redis[] = [];
  const prefix = `kingdee-sdk:test:${randomUUID()}:`;
  beforeAll(async () => {
    setup = await sandboxWithClient({ counts: { customer: 5 } });
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.quit()));
    await setup.sandbox.stop();
  });

  // Each "replica": its own client and its own Redis connection, one budget key per account set.
  const replica = (limit: number, windowMs: number): KingdeeClient => {
    const redis = new Redis(url!);
    connections.push(redis);
    const account = accountKey(setup.sandbox.demoTenant);
    return setup.client({ rateBudget: new RedisRateBudget({ redis, account, prefix, limit, windowMs }) });
  };

  it("calls counted at the sandbox never exceed the budget in any window, whatever each client's own limit", async () => {
    const limit = 10;
    const windowMs = 1_000;
    const replicas = [1, 2, 3].map(() => replica(limit, windowMs));
    await Promise.all(replicas.map((k) => k.token.get()));
    setup.sandbox.calls.reset();
    await Promise.all(replicas.flatMap((k) => Array.from({ length: 10 }, () => k.resource("customer").list({ pageSize: 1 }))));
    const times = setup.sandbox.calls.times(CUSTOMER_PATH);
    expect(times).toHaveLength(30);
    expect(maxInWindow(times, windowMs)).toBeLessThanOrEqual(limit);
  });

  it("keys the budget by account set (appKey), so a rotated secret or moved domain keeps it", () => {
    expect(accountKey({ appKey: "k-1" })).toBe("jdy:k-1");
  });
});
