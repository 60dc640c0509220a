import type { Sequelize } from "sequelize";
import { KingdeeError } from "@erpbridge/kingdee-sdk";
import { TenantNotReadyError } from "../connections/errors.js";
import type { CustomerScope } from "../deliveries/deliveries.js";
import type { OrderFreshCache, OrderFreshEntry } from "./fresh-cache.js";
import { findOrderRef, getOrder, OrderDocumentError, type OrderDetailRecord, storeOrderVersion } from "./orders.js";

/**
 * `stored`: the synced version (no live fetch, or the live fetch failed: see freshError);
 * `kingdee`: fetched live just now and stored; `cache`: fetched live within the cache TTL.
 */
export type OrderSource = "stored" | "kingdee" | "cache";

export interface LiveOrderRecord extends OrderDetailRecord {
  source: OrderSource;
  /** A `fresh` read answered without calling Kingdee (fetched live less than the TTL ago). */
  cacheHit: boolean;
  /** When Kingdee was last asked for this order by a `fresh` read (null without one). */
  fetchedAt: Date | null;
  /** Why a requested live fetch failed (the stored version is shown): kingdee_unavailable, tenant_not_ready, invalid_document. */
  freshError: string | null;
}

export interface LiveOrdersOptions {
  sequelize: Sequelize;
  /** The order's detail document, live from the ERP. */
  fetchOrder: (tenantId: string, orderId: string) => Promise<unknown>;
  cache: OrderFreshCache;
  /** A live fetch failed and the stored version is answered. */
  onFreshFailure?: (error: unknown, orderId: string) => void;
}

/** Live-fetch failures the customer can live with (the stored version is shown); anything else is an error. */
function freshFailure(error: unknown): string | undefined {
  if (error instanceof KingdeeError) return "kingdee_unavailable";
  if (error instanceof TenantNotReadyError) return "tenant_not_ready";
  if (error instanceof OrderDocumentError) return "invalid_document";
  return undefined;
}

/**
 * A customer's order, optionally refreshed live from the ERP first. One live fetch per
 * tenant × order is in flight in this process (concurrent reads share it); within the cache TTL a
 * repeat is answered without calling the ERP. Created once per process.
 */
export class LiveOrders {
  readonly #inflight = new Map<string, Promise<OrderFreshEntry>>();
  constructor(private readonly options: LiveOrdersOptions) {}

  get cache(): OrderFreshCache {
    return this.options.cache;
  }

  /** The order as the customer may see it, or null (not theirs, or not there). Only an order already visible is fetched live. */
  async get(scope: CustomerScope & { orderId: string }, fresh: boolean): Promise<LiveOrderRecord | null> {
    const { sequelize, cache } = this.options;
    let source: OrderSource = "stored";
    let cacheHit = false;
    let fetchedAt: Date | null = null;
    let freshError: string | null = null;
    if (fresh) {
      if (!(await findOrderRef(sequelize, scope))) return null;
      const cached = await cache.get(scope.tenantId, scope.orderId);
      if (cached) {
        source = "cache";
        cacheHit = true;
        fetchedAt = new Date(cached.fetchedAt);
      } else {
        try {
          const entry = await this.#fetchAndStore(scope.tenantId, scope.orderId);
          source = "kingdee";
          fetchedAt = new Date(entry.fetchedAt);
        } catch (error) {
          const code = freshFailure(error);
          if (!code) throw error;
          this.options.onFreshFailure?.(error, scope.orderId);
          freshError = code;
        }
      }
    }
    // Always rendered from the database: the version just stored, or a newer one a sync wrote.
    const order = await getOrder(sequelize, scope);
    return order && { ...order, source, cacheHit, fetchedAt, freshError };
  }

  #fetchAndStore(tenantId: string, orderId: string): Promise<OrderFreshEntry> {
    const key = `${tenantId}:${orderId}`;
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = (async () => {
        const document = await this.options.fetchOrder(tenantId, orderId);
        const fetchedAt = new Date().toISOString();
        const { hash } = await storeOrderVersion(this.options.sequelize, tenantId, orderId, document);
        const entry = { fetchedAt, hash };
        await this.options.cache.set(tenantId, orderId, entry);
        return entry;
      })().finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }
}
