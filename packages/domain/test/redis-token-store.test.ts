import { randomUUID } from "node:crypto";
import { MemoryTokenStore, RedisTokenStore } from "@erpbridge/integration-kit";
import { requireRedis } from "@erpbridge/test-support";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createTokenStore, LockTimeoutError, RedisTokenStore as DomainRedisTokenStore } from "../src/kingdee/index.js";

// The store itself (TTL, cross-process lock, lock expiry and renewal) is tested in the integration kit.
const url = requireRedis("createTokenStore against real Redis");

describe("createTokenStore", () => {
  it("falls back to an in-memory store without a Redis URL", async () => {
    const store = createTokenStore({});
    expect(store).toBeInstanceOf(MemoryTokenStore);
    await store.close();
  });

  it("re-exports the kit's Redis store and its lock error", () => {
    expect(DomainRedisTokenStore).toBe(RedisTokenStore);
    expect(new LockTimeoutError("x").name).toBe("LockTimeoutError");
  });
});

describe.skipIf(!url)("createTokenStore with Redis", () => {
  const prefix = `erpbridge:test:${randomUUID()}:`;
  const raw = url ? new Redis(url) : undefined;
  afterAll(async () => {
    const keys = await raw!.keys(`${prefix}*`);
    if (keys.length) await raw!.del(...keys);
    await raw?.quit();
  });

  it("namespaces keys as erpbridge:kingdee:token:<key> by default", async () => {
    const store = createTokenStore({ redisUrl: url });
    expect(store).toBeInstanceOf(RedisTokenStore);
    expect((store as unknown as RedisTokenStore).tokenKey("tenant-1")).toBe("erpbridge:kingdee:token:tenant-1");
    await store.close();
  });

  it("two stores (two connections) share tokens and one lock; close() ends the store's own connection", async () => {
    const a = createTokenStore({ redisUrl: url, prefix, lockPollMs: 5 });
    const b = createTokenStore({ redisUrl: url, prefix, lockPollMs: 5 });
    const token = { token: "app-token-1", expiresAt: Date.now() + 60_000, refreshedAt: Date.now() };
    await a.set("t1", token);
    expect(await b.get("t1")).toEqual(token);
    let active = 0;
    let maxActive = 0;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).withLock!("refresh:t1", async () => {
          maxActive = Math.max(maxActive, ++active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
        }),
      ),
    );
    expect(maxActive).toBe(1);
    await Promise.all([a.close(), b.close()]);
    expect((a as unknown as { connection: Redis }).connection.status).toBe("end");
  });
});
