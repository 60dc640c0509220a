import type { Redis } from "ioredis";

/** What a live refresh of one order left behind: when Kingdee was asked, and the content hash it answered. */
export interface OrderFreshEntry {
  /** ISO time of the Kingdee call. */
  fetchedAt: string;
  hash: string;
}

/**
 * A short-lived "this order was fetched live a moment ago" cache, per tenant × order: within the
 * TTL a `fresh` read is served from the stored version the fetch wrote, without calling Kingdee.
 * Redis when configured (shared by every replica), else an in-process TTL map. Cache failures are
 * misses, never errors: the worst case is one more Kingdee call.
 */
export interface OrderFreshCache {
  readonly kind: "redis" | "memory";
  readonly ttlMs: number;
  get(tenantId: string, orderId: string): Promise<OrderFreshEntry | undefined>;
  set(tenantId: string, orderId: string, entry: OrderFreshEntry): Promise<void>;
  invalidate(tenantId: string, orderId: string): Promise<void>;
}

export interface OrderFreshCacheOptions {
  /** An ioredis client; undefined: in-process cache. */
  redis?: Redis | undefined;
  /** Default 30 000 ms. */
  ttlMs?: number;
  /** Redis key prefix, default `erpbridge:orders:fresh:`. */
  prefix?: string;
  /** In-process cache bound (oldest entries go first), default 10 000. */
  maxEntries?: number;
  /** Called when Redis fails (the call is then a miss). */
  onError?: (error: unknown) => void;
}

export const DEFAULT_ORDER_FRESH_TTL_MS = 30_000;

const parse = (text: string | null): OrderFreshEntry | undefined => {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<OrderFreshEntry>;
    return typeof value.fetchedAt === "string" && typeof value.hash === "string" ? { fetchedAt: value.fetchedAt, hash: value.hash } : undefined;
  } catch {
    return undefined;
  }
};

/** The one place that decides where the cache lives. */
export function createOrderFreshCache(options: OrderFreshCacheOptions = {}): OrderFreshCache {
  const ttlMs = Math.max(1, Math.floor(options.ttlMs ?? DEFAULT_ORDER_FRESH_TTL_MS));
  const prefix = options.prefix ?? "erpbridge:orders:fresh:";
  const keyOf = (tenantId: string, orderId: string) => `${prefix}${tenantId}:${orderId}`;
  const { redis } = options;

  if (redis) {
    const fail = (error: unknown) => options.onError?.(error);
    return {
      kind: "redis",
      ttlMs,
      async get(tenantId, orderId) {
        try {
          return parse(await redis.get(keyOf(tenantId, orderId)));
        } catch (error) {
          fail(error);
          return undefined;
        }
      },
      async set(tenantId, orderId, entry) {
        try {
          await redis.set(keyOf(tenantId, orderId), JSON.stringify(entry), "PX", ttlMs);
        } catch (error) {
          fail(error);
        }
      },
      async invalidate(tenantId, orderId) {
        try {
          await redis.del(keyOf(tenantId, orderId));
        } catch (error) {
          fail(error);
        }
      },
    };
  }

  const maxEntries = Math.max(1, options.maxEntries ?? 10_000);
  const entries = new Map<string, { entry: OrderFreshEntry; expiresAt: number }>();
  return {
    kind: "memory",
    ttlMs,
    async get(tenantId, orderId) {
      const key = keyOf(tenantId, orderId);
      const hit = entries.get(key);
      if (!hit) return undefined;
      if (hit.expiresAt <= Date.now()) {
        entries.delete(key);
        return undefined;
      }
      return { ...hit.entry };
    },
    async set(tenantId, orderId, entry) {
      const key = keyOf(tenantId, orderId);
      entries.delete(key); // re-insert: Map order is insertion order, oldest first
      entries.set(key, { entry: { ...entry }, expiresAt: Date.now() + ttlMs });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    async invalidate(tenantId, orderId) {
      entries.delete(keyOf(tenantId, orderId));
    },
  };
}
