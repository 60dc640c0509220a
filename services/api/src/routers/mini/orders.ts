import { performance } from "node:perf_hooks";
import { pageInput, pageSizeInput, textInput } from "@erpbridge/domain/inputs";
import {
  getOrderProgress, type LiveOrderRecord, ORDER_STATUSES, type OrderProgressRecord, type OrderRecord, searchOrders,
} from "@erpbridge/domain/orders";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
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

export interface OrderDetailView extends LiveOrderRecord {
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
      const order = await ctx.services.liveOrders.get({ ...ctx.customer, orderId: input.id }, input.fresh);
      if (!order) throw notFound(); // not theirs, or the live document now belongs to another customer
      return { ...order, queryTime: elapsed(started) };
    }),

  /** Ordered vs delivered per material of one order (remaining never negative; over-delivery flagged). */
  materials: customerProcedure.input(z.object({ id: orderId })).query(async ({ ctx, input }): Promise<OrderMaterialsView> => {
    const progress = await getOrderProgress(ctx.services.db.sequelize, { ...ctx.customer, orderId: input.id });
    if (!progress) throw notFound();
    return progress;
  }),
});
