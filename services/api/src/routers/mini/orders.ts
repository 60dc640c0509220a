import { performance } from "node:perf_hooks";
import {
  createOrderFreshCache, DEFAULT_ORDER_FRESH_TTL_MS, findOrderRef, getOrder, getOrderProgress, ORDER_STATUSES, OrderDocumentError,
  type OrderDetailRecord, type OrderFreshCache, type OrderFreshEntry, type OrderProgressRecord, type OrderRecord, searchOrders,
  pageInput, pageSizeInput, storeOrderVersion, TenantNotReadyError, textInput,
} from "@erpbridge/domain";
import { KingdeeError } from "@erpbridge/kingdee-sdk";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { AppServices } from "../../services.js";
import { createTRPCRouter, customerProcedure } from "../../trpc.js";

/*
 * Customer orders (Kingdee sal_order), read from the synced documents in `kingdee_raw` and scoped
 * to the signed-in customer (order.customer_id = customer.kingdee_customer_id, same tenant);
 * anything else is NOT_FOUND. Delivery progress compares ordered and delivered quantity per
 * material (out-bound entries whose src_bill_no is the order's bill_no), computed in SQL numeric.
 *
 * Status filter values (`status`, one or a list; OR within a group, AND across the groups):
 * - audit, from bill_status: `audited` (C) / `unaudited` (anything else, Kingdee's Z);
 * - progress, derived: `not_delivered` (nothing delivered), `partially_delivered`, `delivered`
 *   (every ordered material in full), `over_delivered` (some material delivered beyond its
 *   ordered quantity, or delivered without being ordered; wins over the others).
 */

/** Outputs are the domain's plain records (decimal strings, business dates as "YYYY-MM-DD"). */
export type OrderSummaryView = OrderRecord;
export type OrderMaterialsView = OrderProgressRecord;

export type OrderSource = "stored" | "kingdee" | "cache";

export interface OrderDetailView extends OrderDetailRecord {
  /**
   * `stored`: the synced version (no live fetch, or the live fetch failed: see freshError);
   * `kingdee`: fetched live just now and stored; `cache`: fetched live within the cache TTL.
   */
  source: OrderSource;
  /** A `fresh` read answered without calling Kingdee (fetched live less than the TTL ago). */
  cacheHit: boolean;
  /** When Kingdee was last asked for this order by a `fresh` read (null without one). */
  fetchedAt: Date | null;
  /** Why a requested live fetch failed (the stored version is shown): kingdee_unavailable, tenant_not_ready, invalid_document. */
  freshError: string | null;
  /** Milliseconds this request took. */
  queryTime: number;
}

export interface OrderSearchView {
  page: number;
  pageSize: number;
  total: number;
  orders: OrderSummaryView[];
}

const notFound = () => new TRPCError({ code: "NOT_FOUND", message: "order not found" });

/** How long a live fetch answers `fresh` reads of the same order without calling Kingdee again. */
export const ORDER_FRESH_TTL_MS = DEFAULT_ORDER_FRESH_TTL_MS;

const caches = new WeakMap<AppServices, OrderFreshCache>();

/** The process's live-fetch cache: Redis when REDIS_URL is set, else in-process (decided in createOrderFreshCache). */
export function orderFreshCache(services: AppServices): OrderFreshCache {
  let cache = caches.get(services);
  if (!cache) {
    cache = createOrderFreshCache({
      redis: services.redis,
      ttlMs: ORDER_FRESH_TTL_MS,
      onError: (error) => services.logger.warn({ err: error instanceof Error ? error.message : String(error) }, "order cache unavailable"),
    });
    caches.set(services, cache);
  }
  return cache;
}

/** One live fetch per tenant × order in flight in this process; concurrent requests share it. */
const inflight = new Map<string, Promise<OrderFreshEntry>>();

async function fetchAndStore(services: AppServices, tenantId: string, orderId: string): Promise<OrderFreshEntry> {
  const key = `${tenantId}:${orderId}`;
  let pending = inflight.get(key);
  if (!pending) {
    pending = (async () => {
      const kingdee = await services.kingdee.get(tenantId);
      const document = await kingdee.resource("sal_order").detail({ id: orderId });
      const fetchedAt = new Date().toISOString();
      const { hash } = await storeOrderVersion(services.db.sequelize, tenantId, orderId, document);
      const entry = { fetchedAt, hash };
      await orderFreshCache(services).set(tenantId, orderId, entry);
      return entry;
    })().finally(() => inflight.delete(key));
    inflight.set(key, pending);
  }
  return pending;
}

/** Live-fetch failures the customer can live with (the stored version is shown); anything else is a 500. */
function freshFailure(error: unknown): string | undefined {
  if (error instanceof KingdeeError) return "kingdee_unavailable";
  if (error instanceof TenantNotReadyError) return "tenant_not_ready";
  if (error instanceof OrderDocumentError) return "invalid_document";
  return undefined;
}

const orderId = textInput(64).trim().regex(/^[0-9A-Za-z_-]{1,64}$/, "id must be a Kingdee order id (letters, digits, _ or -, at most 64)");
const statusValue = z.enum(ORDER_STATUSES);

const elapsed = (started: number) => Math.round((performance.now() - started) * 10) / 10;

export const miniOrdersRouter = createTRPCRouter({
  /** The customer's orders, newest first; keyword on bill no or a line's material name/number; status filter (see above). */
  search: customerProcedure
    .input(
      z
        .object({
          keyword: textInput(100).trim().optional(),
          status: z.union([statusValue, z.array(statusValue).min(1).max(ORDER_STATUSES.length)]).optional(),
          page: pageInput.default(1),
          pageSize: pageSizeInput(100).default(20),
        })
        .prefault({}),
    )
    .query(async ({ ctx, input }): Promise<OrderSearchView> => {
      const statuses = input.status === undefined ? undefined : Array.isArray(input.status) ? input.status : [input.status];
      const page = await searchOrders(ctx.services.db.sequelize, {
        ...ctx.customer,
        keyword: input.keyword || undefined,
        statuses,
        page: input.page,
        pageSize: input.pageSize,
      });
      return { page: page.page, pageSize: page.pageSize, total: page.total, orders: page.rows };
    }),

  /**
   * One order with its lines. `fresh: true` fetches it live from Kingdee first and stores it as a
   * new version when it changed; within the cache TTL a repeat is answered without calling
   * Kingdee (`cacheHit`). Only an order already visible to the customer is fetched live.
   */
  get: customerProcedure
    .input(z.object({ id: orderId, fresh: z.boolean().default(false) }))
    .query(async ({ ctx, input }): Promise<OrderDetailView> => {
      const started = performance.now();
      const { sequelize } = ctx.services.db;
      const scope = { ...ctx.customer, orderId: input.id };
      let source: OrderSource = "stored";
      let cacheHit = false;
      let fetchedAt: Date | null = null;
      let freshError: string | null = null;
      if (input.fresh) {
        if (!(await findOrderRef(sequelize, scope))) throw notFound();
        const cache = orderFreshCache(ctx.services);
        const cached = await cache.get(ctx.customer.tenantId, input.id);
        if (cached) {
          source = "cache";
          cacheHit = true;
          fetchedAt = new Date(cached.fetchedAt);
        } else {
          try {
            const entry = await fetchAndStore(ctx.services, ctx.customer.tenantId, input.id);
            source = "kingdee";
            fetchedAt = new Date(entry.fetchedAt);
          } catch (error) {
            const code = freshFailure(error);
            if (!code) throw error;
            ctx.log.warn({ err: error, orderId: input.id }, "live order refresh failed; answering with the stored version");
            freshError = code;
          }
        }
      }
      // Always rendered from the database: the version just stored, or a newer one a sync wrote.
      const order = await getOrder(sequelize, scope);
      if (!order) throw notFound(); // e.g. the live document now belongs to another customer
      return { ...order, source, cacheHit, fetchedAt, freshError, queryTime: elapsed(started) };
    }),

  /** Ordered vs delivered per material of one order (remaining never negative; over-delivery flagged). */
  materials: customerProcedure.input(z.object({ id: orderId })).query(async ({ ctx, input }): Promise<OrderMaterialsView> => {
    const progress = await getOrderProgress(ctx.services.db.sequelize, { ...ctx.customer, orderId: input.id });
    if (!progress) throw notFound();
    return progress;
  }),
});
