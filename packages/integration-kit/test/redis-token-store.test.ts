import { randomUUID } from "node:crypto";
import { requireRedis } from "@erpbridge/test-support";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LockTimeoutError, RedisTokenStore } from "../src/index.js";

// Moved here from the domain with the store itself; the domain keeps a test of its createTokenStore.
const url = requireRedis("RedisTokenStore against real Redis");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!url)("RedisTokenStore", () => {
  // Unique prefix per run: parallel test runs on one Redis never see each other's keys.
  const prefix = `erpbridge:test:${randomUUID()}:`;
  let a: RedisTokenStore;
  let b: RedisTokenStore;
  let raw: Redis;
  // Each store on its own connection, as two processes would be.
  const connections: Redis[] = [];
  const connect = () => {
    const connection = new Redis(url!);
    connections.push(connection);
    return connection;
  };

  beforeAll(() => {
    a = new RedisTokenStore(connect(), { prefix, lockTtlMs: 2_000, lockTimeoutMs: 10_000, lockPollMs: 5 });
    b = new RedisTokenStore(connect(), { prefix, lockTtlMs: 2_000, lockTimeoutMs: 10_000, lockPollMs: 5 });
    raw = connect();
  });
  afterAll(async () => {
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length) await raw.del(...keys);
    await Promise.all(connections.map((c) => c.quit()));
  });

  it("namespaces keys as <prefix>token:<key> and <prefix>lock:<key>, integration-kit: by default", () => {
    expect(a.tokenKey("tenant-1")).toBe(`${prefix}token:tenant-1`);
    expect(a.lockKey("tenant-1")).toBe(`${prefix}lock:tenant-1`);
    expect(new RedisTokenStore(raw).tokenKey("t")).toBe("integration-kit:token:t");
  });

  it("gets, sets and deletes tokens with a TTL until expiry", async () => {
    const token = { token: "app-token-1", expiresAt: Date.now() + 60_000, refreshedAt: Date.now(), uid: "u1" };
    expect(await a.get("t1")).toBeUndefined();
    await a.set("t1", token);
    expect(await b.get("t1")).toEqual(token); // shared across connections
    const ttl = await raw.pttl(`${prefix}token:t1`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);

    await a.delete("t1");
    expect(await b.get("t1")).toBeUndefined();

    await a.set("t2", { token: "short", expiresAt: Date.now() + 150, refreshedAt: Date.now() });
    expect((await a.get("t2"))?.token).toBe("short");
    await sleep(250);
    expect(await a.get("t2")).toBeUndefined();

    await a.set("t3", { token: "stale", expiresAt: Date.now() - 1, refreshedAt: Date.now() });
    expect(await a.get("t3")).toBeUndefined();
  });

  it("never lets 20 concurrent lock holders on two connections overlap", async () => {
    let active = 0;
    let maxActive = 0;
    const order: number[] = [];
    const holders = Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? a : b).withLock("refresh:t1", async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(5);
        order.push(i);
        active--;
        return i;
      }),
    );
    const results = await Promise.all(holders);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(maxActive).toBe(1);
    expect(order).toHaveLength(20);
    expect(await raw.exists(`${prefix}lock:refresh:t1`)).toBe(0); // released
  });

  it("releases the lock when fn throws", async () => {
    await expect(a.withLock("boom", async () => { throw new Error("refresh failed"); })).rejects.toThrow("refresh failed");
    expect(await raw.exists(`${prefix}lock:boom`)).toBe(0);
  });

  it("a lock left by a dead holder expires", async () => {
    // a crashed process: took the lock, never released it
    await raw.set(`${prefix}lock:dead`, "some-other-owner", "PX", 300, "NX");
    const started = Date.now();
    const value = await b.withLock("dead", async () => "got it");
    const waited = Date.now() - started;
    expect(value).toBe("got it");
    expect(waited).toBeGreaterThanOrEqual(200);
    expect(waited).toBeLessThan(2_000);
  });

  it("does not release a lock it no longer owns", async () => {
    await a.withLock("stolen", async () => {
      await raw.set(`${prefix}lock:stolen`, "new-owner", "PX", 5_000); // our lock expired and someone else took it
    });
    expect(await raw.get(`${prefix}lock:stolen`)).toBe("new-owner");
  });

  it("times out waiting for a busy lock", async () => {
    const impatient = new RedisTokenStore(connect(), { prefix, lockTimeoutMs: 100, lockPollMs: 10 });
    await raw.set(`${prefix}lock:busy`, "holder", "PX", 5_000);
    await expect(impatient.withLock("busy", async () => 1)).rejects.toBeInstanceOf(LockTimeoutError);
  });

  it("renews the lock while a slow holder runs", async () => {
    const slow = new RedisTokenStore(connect(), { prefix, lockTtlMs: 200, lockTimeoutMs: 5_000, lockPollMs: 10 });
    let overlapped = false;
    let inside = false;
    const first = slow.withLock("slow", async () => {
      inside = true;
      await sleep(600); // three TTLs
      inside = false;
    });
    await sleep(20);
    const second = a.withLock("slow", async () => {
      overlapped = inside;
    });
    await Promise.all([first, second]);
    expect(overlapped).toBe(false);
  });
});
