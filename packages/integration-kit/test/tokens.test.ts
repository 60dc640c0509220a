import { randomUUID } from "node:crypto";
import { requireRedis } from "@erpbridge/test-support";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryTokenStore, RedisTokenStore, type StoredToken, TokenManager, type TokenStore } from "../src/index.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A token endpoint that hands out token-1, token-2, … after `latencyMs`, counting requests. */
function tokenEndpoint(latencyMs = 20, lifetimeMs = 60_000) {
  const calls: boolean[] = [];
  const fetchToken = async (force: boolean): Promise<StoredToken> => {
    calls.push(force);
    const n = calls.length;
    await sleep(latencyMs);
    const now = Date.now();
    return { token: `token-${n}`, expiresAt: now + lifetimeMs, refreshedAt: now };
  };
  return { calls, fetchToken };
}

describe("TokenManager", () => {
  it("concurrent callers with no token share one refresh", async () => {
    const endpoint = tokenEndpoint();
    const tokens = new TokenManager({ store: new MemoryTokenStore(), key: "k", refreshWindowMs: 1_000, fetchToken: endpoint.fetchToken });
    const got = await Promise.all(Array.from({ length: 50 }, () => tokens.get()));
    expect(new Set(got)).toEqual(new Set(["token-1"]));
    expect(endpoint.calls).toHaveLength(1);
    expect(await tokens.status()).not.toHaveProperty("token");
  });

  it("50 callers rejected with the same token cause one refresh; a later rejection of the old token none", async () => {
    const endpoint = tokenEndpoint();
    const tokens = new TokenManager({ store: new MemoryTokenStore(), key: "k", refreshWindowMs: 1_000, fetchToken: endpoint.fetchToken });
    const first = await tokens.get();
    await Promise.all(Array.from({ length: 50 }, () => tokens.refreshAfterRejection(first)));
    expect(endpoint.calls).toHaveLength(2);
    await tokens.refreshAfterRejection(first);
    expect(endpoint.calls).toHaveLength(2);
    expect(await tokens.get()).toBe("token-2");
    expect(tokens.recentTokens()).toEqual(["token-1", "token-2"]);
  });

  it("refreshes first, then swaps: inside the refresh window the old token stays in the store until the new one arrives, and a failed refresh leaves it", async () => {
    const store = new MemoryTokenStore();
    const now = Date.now();
    await store.set("k", { token: "old", expiresAt: now + 500, refreshedAt: now - 60_000 });
    let fail = false;
    const endpoint = tokenEndpoint(100);
    const tokens = new TokenManager({
      store,
      key: "k",
      refreshWindowMs: 1_000,
      fetchToken: async (force) => {
        if (fail) throw new Error("token endpoint down");
        return endpoint.fetchToken(force);
      },
    });
    const refreshing = tokens.get();
    await sleep(30);
    expect((await store.get("k"))?.token).toBe("old");
    expect(await refreshing).toBe("token-1");
    expect((await store.get("k"))?.token).toBe("token-1");

    await store.set("k", { token: "old-2", expiresAt: Date.now() + 500, refreshedAt: Date.now() - 60_000 });
    fail = true;
    await expect(tokens.get()).rejects.toThrow("token endpoint down");
    expect((await store.get("k"))?.token).toBe("old-2");
  });

  it("a token that lives shorter than the window is not refreshed on every call", async () => {
    const endpoint = tokenEndpoint(1, 2_000);
    const tokens = new TokenManager({ store: new MemoryTokenStore(), key: "k", refreshWindowMs: 60_000, fetchToken: endpoint.fetchToken });
    await tokens.get();
    await tokens.get();
    expect(endpoint.calls).toHaveLength(1);
  });

  it("normal and forced refreshes are single-flight per mode", async () => {
    const endpoint = tokenEndpoint();
    const tokens = new TokenManager({ store: new MemoryTokenStore(), key: "k", refreshWindowMs: 1_000, fetchToken: endpoint.fetchToken });
    await Promise.all([tokens.refresh(), tokens.refresh(), tokens.refresh(true), tokens.refresh(true)]);
    expect(endpoint.calls.sort()).toEqual([false, true]);
  });
});

const url = requireRedis("RedisTokenStore and TokenManager across connections");

describe.skipIf(!url)("RedisTokenStore across two processes (two connections)", () => {
  const prefix = `integration-kit:test:${randomUUID()}:`;
  let connA: Redis;
  let connB: Redis;
  let a: RedisTokenStore;
  let b: RedisTokenStore;
  beforeAll(() => {
    connA = new Redis(url!);
    connB = new Redis(url!);
    a = new RedisTokenStore(connA, { prefix, lockTtlMs: 2_000, lockTimeoutMs: 5_000, lockPollMs: 5 });
    b = new RedisTokenStore(connB, { prefix, lockTtlMs: 2_000, lockTimeoutMs: 5_000, lockPollMs: 5 });
  });
  afterAll(async () => {
    const keys = await connA.keys(`${prefix}*`);
    if (keys.length) await connA.del(...keys);
    await Promise.all([connA.quit(), connB.quit()]);
  });

  it("two managers on two connections, 20 callers each, make one token request", async () => {
    const endpoint = tokenEndpoint(100);
    const managers = [a, b].map((store) => new TokenManager({ store, key: "shared", refreshWindowMs: 1_000, fetchToken: endpoint.fetchToken }));
    const got = await Promise.all(managers.flatMap((m) => Array.from({ length: 20 }, () => m.get())));
    expect(new Set(got)).toEqual(new Set(["token-1"]));
    expect(endpoint.calls).toHaveLength(1);
  });

  it("satisfies TokenStore with an ioredis client as it is", () => {
    const store: TokenStore = new RedisTokenStore(connA);
    expect(store.withLock).toBeTypeOf("function");
  });
});
