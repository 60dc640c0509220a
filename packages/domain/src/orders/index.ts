// @erpbridge/domain/orders: sales orders (stored and live from the ERP) and their fulfilment progress.
export {
  findOrderRef, getOrder, getOrderProgress, ORDER_AUDIT_STATUSES, ORDER_PROGRESS_STATUSES, ORDER_STATUSES,
  OrderDocumentError, searchOrders, storeOrderVersion,
  type OrderAuditStatus, type OrderDetailRecord, type OrderLineRecord, type OrderMaterialProgressRecord, type OrderProgressRecord,
  type OrderProgressStatus, type OrderRecord, type OrderStatusFilter, type SearchOrdersInput, type StoredOrderRef,
  type StoreOrderOutcome, type StoreOrderResult,
} from "./orders.js";
export { LiveOrders, type LiveOrderRecord, type LiveOrdersOptions, type OrderSource } from "./live-order.js";
export {
  createOrderFreshCache, DEFAULT_ORDER_FRESH_TTL_MS, type OrderFreshCache, type OrderFreshCacheOptions, type OrderFreshEntry,
} from "./fresh-cache.js";
