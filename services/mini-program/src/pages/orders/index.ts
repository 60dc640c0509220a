import type { RouterInputs, RouterOutputs } from "@erpbridge/client";
import { api, authed, errorMessage } from "../../api/client";
import { formatAmount, formatQty, ORDER_STATUS_TEXT, percentOf } from "../../api/format";

type OrderSummary = RouterOutputs["mini"]["orders"]["search"]["orders"][number];
type SearchInput = Exclude<RouterInputs["mini"]["orders"]["search"], void | undefined>;
/** One progress value (the API also takes audit values, and lists). */
type StatusFilter = "not_delivered" | "partially_delivered" | "delivered" | "over_delivered";

const PAGE_SIZE = 20;

export interface OrderRow {
  id: string;
  billNo: string;
  billDate: string;
  totalAmount: string;
  audited: boolean;
  progressStatus: string;
  statusText: string;
  lineCount: string;
  orderedQty: string;
  deliveredQty: string;
  remainingQty: string;
  percent: number;
}

const row = (o: OrderSummary): OrderRow => ({
  id: o.id,
  billNo: o.billNo,
  billDate: o.billDate ?? "",
  totalAmount: formatAmount(o.totalAmount),
  audited: o.audited,
  progressStatus: o.progressStatus,
  statusText: ORDER_STATUS_TEXT[o.progressStatus] ?? o.progressStatus,
  lineCount: String(o.lineCount),
  orderedQty: formatQty(o.orderedQty),
  deliveredQty: formatQty(o.deliveredQty),
  remainingQty: formatQty(o.remainingQty),
  percent: percentOf(o.deliveredQty, o.orderedQty),
});

/** Sales orders: search by bill number or material, filter by delivery progress, more on scroll. */
Page({
  data: {
    keyword: "",
    status: "" as "" | StatusFilter,
    orders: [] as OrderRow[],
    page: 0,
    total: 0,
    hasMore: false,
    loading: false,
    loaded: false,
    error: "",
  },

  async onLoad() {
    await this.load(true);
  },

  async onPullDownRefresh() {
    try {
      await this.load(true);
    } finally {
      void wx.stopPullDownRefresh(); // void: the pull-down spinner stops either way
    }
  },

  async onReachBottom() {
    if (this.data.hasMore && !this.data.loading) await this.load(false);
  },

  async load(reset: boolean) {
    const page = reset ? 1 : this.data.page + 1;
    this.setData({ loading: true, error: "" });
    try {
      const keyword = this.data.keyword.trim();
      const status = this.data.status;
      const input: SearchInput = { page, pageSize: PAGE_SIZE, ...(keyword ? { keyword } : {}), ...(status ? { status } : {}) };
      const result = await authed(() => api.mini.orders.search.query(input));
      const rows = result.orders.map(row);
      const orders = reset ? rows : this.data.orders.concat(rows);
      this.setData({ orders, page: result.page, total: result.total, hasMore: orders.length < result.total, loading: false, loaded: true });
    } catch (error) {
      this.setData({ loading: false, error: errorMessage(error) });
    }
  },

  onKeywordInput(e: WechatMiniprogram.Input) {
    this.setData({ keyword: e.detail.value });
  },

  async onSearch() {
    this.setData({ orders: [], page: 0, total: 0, hasMore: false });
    await this.load(true);
  },

  async onFilter(e: WechatMiniprogram.BaseEvent<Record<string, never>, { status?: string }>) {
    const status = (e.currentTarget.dataset.status ?? "") as "" | StatusFilter;
    if (status === this.data.status && this.data.loaded) return;
    this.setData({ status, orders: [], page: 0, total: 0, hasMore: false });
    await this.load(true);
  },

  onOpen(e: WechatMiniprogram.BaseEvent<Record<string, never>, { id?: string }>) {
    const id = e.currentTarget.dataset.id;
    if (id) void wx.navigateTo({ url: `/pages/order/index?id=${encodeURIComponent(id)}` }); // void: if the page cannot open, the user stays here and can tap again
  },
});
