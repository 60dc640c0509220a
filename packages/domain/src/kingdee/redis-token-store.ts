import { randomUUID } from "node:crypto";
import type { StoredToken, TokenStore } from "@erpbridge/kingdee-sdk";
import { Redis } from "ioredis";

export class LockTimeoutError extends Error {
  override name = "LockTimeoutError";
}

export interface RedisTokenStoreOptions {
  /** Key prefix; default `erpbridge:kingdee:`. Tokens live at `<prefix>token:<key>`, locks at `<prefix>lock:<key>`. */
  prefix?: string;
  /** How long a lock lives if its holder dies (ms, default 10 000). Renewed while the holder runs. */
  lockTtlMs?: number;
  /** How long `withLock` waits for a busy lock before throwing LockTimeoutError (ms, default 15 000). */
  lockTimeoutMs?: number;
  /** Pause between attempts to take a busy lock (ms, default 25; jittered). */
  lockPollMs?: number;
}

// Delete / extend the lock only if we still own it.
const RELEASE_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const EXTEND_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The SDK's TokenStore in Redis, shared by every replica: tokens expire with the app-token
 * (TTL = expiresAt - now), and `withLock` makes token refresh single-flight across processes.
 */
export class RedisTokenStore implements TokenStore {
  readonly redis: Redis;
  readonly #ownsConnection: boolean;
  readonly #prefix: string;
  readonly #lockTtlMs: number;
  readonly #lockTimeoutMs: number;
  readonly #lockPollMs: number;

  /** Pass a URL (the store opens and closes its own connection) or an existing ioredis client. */
  constructor(redis: Redis | string, opts: RedisTokenStoreOptions = {}) {
    if (typeof redis === "string") {
      this.redis = new Redis(redis, { maxRetriesPerRequest: 3, lazyConnect: false });
      this.#ownsConnection = true;
    } else {
      this.redis = redis;
      this.#ownsConnection = false;
    }
    this.#prefix = opts.prefix ?? "erpbridge:kingdee:";
    this.#lockTtlMs = opts.lockTtlMs ?? 10_000;
    this.#lockTimeoutMs = opts.lockTimeoutMs ?? 15_000;
    this.#lockPollMs = opts.lockPollMs ?? 25;
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
      return undefined; // unreadable entry: treat as missing, the SDK fetches a new token
    }
  }

  async set(key: string, token: StoredToken): Promise<void> {
    const ttl = Math.floor(token.expiresAt - Date.now());
    if (ttl <= 0) {
      await this.redis.del(this.tokenKey(key));
      return;
    }
    await this.redis.set(this.tokenKey(key), JSON.stringify(token), "PX", ttl);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.tokenKey(key));
  }

  /**
   * Runs `fn` while holding a cross-process lock on `key` (SET NX PX with a random owner).
   * Waits up to lockTimeoutMs for a busy lock. The lock is renewed while `fn` runs and released
   * only if still ours; a holder that dies frees it after lockTtlMs.
   */
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lockKey = this.lockKey(key);
    const owner = randomUUID();
    const deadline = Date.now() + this.#lockTimeoutMs;
    for (;;) {
      const ok = await this.redis.set(lockKey, owner, "PX", this.#lockTtlMs, "NX");
      if (ok === "OK") break;
      if (Date.now() >= deadline) {
        throw new LockTimeoutError(`timed out after ${this.#lockTimeoutMs} ms waiting for lock ${lockKey}`);
      }
      await sleep(this.#lockPollMs / 2 + Math.random() * this.#lockPollMs);
    }
    const renew = setInterval(() => {
      this.redis.eval(EXTEND_SCRIPT, 1, lockKey, owner, String(this.#lockTtlMs)).catch(() => {});
    }, Math.max(50, Math.floor(this.#lockTtlMs / 3)));
    renew.unref();
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE_SCRIPT, 1, lockKey, owner).catch(() => {});
    }
  }

  /** Closes the connection if the store opened it. */
  async close(): Promise<void> {
    if (this.#ownsConnection && this.redis.status !== "end") {
      await this.redis.quit().catch(() => this.redis.disconnect());
    }
  }
}
