import { randomUUID } from "node:crypto";
import type { RedisLike } from "../redis.js";
import { sleep } from "../transport.js";
import type { StoredToken, TokenStore } from "./token-store.js";

export class LockTimeoutError extends Error {
  override name = "LockTimeoutError";
}

export interface RedisTokenStoreOptions {
  /** Key prefix; default `integration-kit:`. Tokens live at `<prefix>token:<key>`, locks at `<prefix>lock:<key>`. */
  prefix?: string;
  /** How long a lock lives if its holder dies (ms, default 10 000). Renewed while the holder runs. */
  lockTtlMs?: number;
  /** How long `withLock` waits for a busy lock before throwing LockTimeoutError (ms, default 15 000). */
  lockTimeoutMs?: number;
  /** Pause between attempts to take a busy lock (ms, default 25; jittered). */
  lockPollMs?: number;
}

// One round trip each; the lock is only touched by its owner.
const SET_WITH_TTL = `redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2]) return 1`;
const ACQUIRE = `if redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2], "NX") then return 1 else return 0 end`;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

/**
 * A TokenStore in Redis, shared by every replica: tokens expire with themselves (TTL = expiresAt -
 * now), and `withLock` makes a token refresh single-flight across processes. The caller owns the
 * connection: open it before, close it after.
 */
export class RedisTokenStore implements TokenStore {
  readonly redis: RedisLike;
  readonly #prefix: string;
  readonly #lockTtlMs: number;
  readonly #lockTimeoutMs: number;
  readonly #lockPollMs: number;

  constructor(redis: RedisLike, options: RedisTokenStoreOptions = {}) {
    this.redis = redis;
    this.#prefix = options.prefix ?? "integration-kit:";
    this.#lockTtlMs = options.lockTtlMs ?? 10_000;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 15_000;
    this.#lockPollMs = options.lockPollMs ?? 25;
  }

  tokenKey(key: string): string {
    return `${this.#prefix}token:${key}`;
  }

  lockKey(key: string): string {
    return `${this.#prefix}lock:${key}`;
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const raw = await this.redis.get(this.tokenKey(key));
    if (raw === null) return undefined;
    try {
      const token = JSON.parse(raw) as StoredToken;
      if (typeof token?.token !== "string" || typeof token.expiresAt !== "number") return undefined;
      return token;
    } catch {
      return undefined; // unreadable entry: treat as missing, the manager fetches a new token
    }
  }

  async set(key: string, token: StoredToken): Promise<void> {
    const ttl = Math.floor(token.expiresAt - Date.now());
    if (ttl <= 0) {
      await this.redis.del(this.tokenKey(key));
      return;
    }
    await this.redis.eval(SET_WITH_TTL, 1, this.tokenKey(key), JSON.stringify(token), ttl);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.tokenKey(key));
  }

  /**
   * Runs `fn` while holding a cross-process lock on `key` (SET NX PX with a random owner). Waits up
   * to lockTimeoutMs for a busy lock. The lock is renewed while `fn` runs and released only if still
   * ours; a holder that dies frees it after lockTtlMs.
   */
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lockKey = this.lockKey(key);
    const owner = randomUUID();
    const deadline = Date.now() + this.#lockTimeoutMs;
    while (Number(await this.redis.eval(ACQUIRE, 1, lockKey, owner, this.#lockTtlMs)) !== 1) {
      if (Date.now() >= deadline) throw new LockTimeoutError(`timed out after ${this.#lockTimeoutMs} ms waiting for lock ${lockKey}`);
      await sleep(this.#lockPollMs / 2 + Math.random() * this.#lockPollMs);
    }
    const renew = setInterval(() => {
      this.redis.eval(EXTEND, 1, lockKey, owner, this.#lockTtlMs).catch(() => {});
    }, Math.max(50, Math.floor(this.#lockTtlMs / 3)));
    renew.unref();
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, lockKey, owner).catch(() => {});
    }
  }
}
