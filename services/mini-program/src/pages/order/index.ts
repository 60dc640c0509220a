import type { RouterOutputs } from "@erpbridge/client";
import { api, authed, errorCode, errorMessage } from "../../api/client";
import { formatAmount, formatDateTime, formatQty, ORDER_STATUS_TEXT, percentOf } from "../../api/format";

type OrderDetail = RouterOutputs["mini"]["orders"]["get"];
type OrderMaterials = RouterOutputs["mini"]["orders"]["materials"];
type MaterialProgress = OrderMaterials["materials"][number];

export interface OrderView {
  id: string;
  billNo: string;
  billDate: string;
  deliveryDate: string;
  totalAmount: string;
  audited: boolean;
  statusText: string;
  progressStatus: string;
  remark: string;
  orderedQty: string;
  deliveredQty: string;
  remainingQty: string;
  percent: number;
}

export interface LineView {
  seq: string;
  name: string;
  number: string;
  unit: string;
  qty: string;
  price: string;
  amount: string;
}

export interface MaterialView {
  key: string;
  name: string;
  number: string;
  unit: string;
  ordered: string;
  delivered: string;
  remaining: string;
  over: string;
  percent: number;
  done: boolean;
}

const orderView = (o: OrderDetail): OrderView => ({
  id: o.id,
  billNo: o.billNo,
  billDate: o.billDate ?? "",
  deliveryDate: o.deliveryDate ?? "",
  totalAmount: formatAmount(o.totalAmount),
  audited: o.audited,
  statusText: ORDER_STATUS_TEXT[o.progressStatus] ?? o.progressStatus,
  progressStatus: o.progressStatus,
  remark: o.remark ?? "",
  orderedQty: formatQty(o.orderedQty),
  deliveredQty: formatQty(o.deliveredQty),
  remainingQty: formatQty(o.remainingQty),
  percent: percentOf(o.deliveredQty, o.orderedQty),
});

const lineView = (l: OrderDetail["lines"][number]): LineView => ({
  seq: String(l.seq),
  name: l.materialName ?? l.materialNumber ?? "",
  number: l.materialNumber ?? "",
  unit: l.unitName ?? "",
  qty: formatQty(l.qty),
  price: formatAmount(l.price),
  amount: formatAmount(l.amount),
});

const materialView = (m: MaterialProgress, index: number): MaterialView => ({
  key: `${m.materialId ?? m.materialNumber ?? "?"}:${index}`,
  name: m.materialName ?? m.materialNumber ?? "",
  number: m.materialNumber ?? "",
  unit: m.unitName ?? "",
  ordered: formatQty(m.orderedQty),
  delivered: formatQty(m.deliveredQty),
  remaining: formatQty(m.remainingQty),
  over: m.overDelivered ? formatQty(m.overDeliveredQty) : "",
  percent: percentOf(m.deliveredQty, m.orderedQty),
  done: Number(m.remainingQty) <= 0,
});

/** Where the shown version came from, for the customer. */
function sourceText(source: string, freshError: string | null, fetchedAt: string, syncedAt: string): string {
  if (source === "kingdee") return `ERP 实时数据 · ${fetchedAt}`;
  if (source === "cache") return `ERP 数据（${fetchedAt} 读取）`;
  if (freshError) return `ERP 暂不可用，显示同步数据 · ${syncedAt}`;
  return `同步于 ${syncedAt}`;
}

/**
 * One order: header, lines, and per material how much was ordered, delivered and remains (a
 * progress bar each). "从 ERP 刷新" asks the API to re-read the order from Kingdee (`fresh: true`);
 * the answer says where it came from (stored / live / the short-lived cache) and how long it took.
 */
Page({
  data: {
    id: "",
    loading: true,
    refreshing: false,
    error: "",
    order: null as OrderView | null,
    lines: [] as LineView[],
    materials: [] as MaterialView[],
    source: "",
    cacheHit: false,
    /** Milliseconds the API took, as text. */
    queryTime: "",
    fetchedAt: "",
    syncedAt: "",
    sourceText: "",
  },

  async onLoad(query: Record<string, string | undefined>) {
    const id = query.id ? decodeURIComponent(query.id) : "";
    this.setData({ id });
    if (!id) {
      this.setData({ loading: false, error: "缺少订单编号" });
      return;
    }
    await this.load(false);
  },

  async onPullDownRefresh() {
    try {
      await this.load(true);
    } finally {
      void wx.stopPullDownRefresh(); // void: the pull-down spinner stops either way
    }
  },

  async load(fresh: boolean) {
    this.setData({ loading: true, refreshing: fresh, error: "" });
    try {
      const id = this.data.id;
      // Two queries, one HTTP request (batched by the client).
      const [order, progress] = await authed(() =>
        Promise.all([api.mini.orders.get.query({ id, ...(fresh ? { fresh: true } : {}) }), api.mini.orders.materials.query({ id })]),
      );
      void wx.setNavigationBarTitle({ title: order.billNo }); // void: the title is cosmetic; the page shows the same number
      const fetchedAt = formatDateTime(order.fetchedAt);
      const syncedAt = formatDateTime(order.syncedAt);
      const queryTime = `${order.queryTime} ms`;
      this.setData({
        loading: false,
        refreshing: false,
        order: orderView(order),
        lines: order.lines.map(lineView),
        materials: progress.materials.map(materialView),
        source: order.source,
        cacheHit: order.cacheHit,
        queryTime,
        fetchedAt,
        syncedAt,
        sourceText: sourceText(order.source, order.freshError, fetchedAt, syncedAt),
      });
    } catch (error) {
      this.setData({
        loading: false,
        refreshing: false,
        error: errorCode(error) === "NOT_FOUND" ? "订单不存在" : errorMessage(error),
      });
    }
  },

  async onRefresh() {
    if (!this.data.refreshing) await this.load(true);
  },
});
