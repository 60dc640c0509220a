import type { RouterOutputs } from "@erpbridge/client";
import { api, authed, errorMessage, LOGIN_PAGE } from "../../api/client";
import { DELIVERY_STATUS_TEXT, formatAmount, formatDateTime } from "../../api/format";
import { clearSession } from "../../api/session";
import { toast } from "../../api/wx";

type DeliverySummary = RouterOutputs["mini"]["deliveries"]["list"]["deliveries"][number];

const PAGE_SIZE = 20;

export interface DeliveryRow {
  id: string;
  billNo: string;
  billDate: string;
  totalAmount: string;
  status: string;
  statusText: string;
  itemCount: string;
  signedAt: string;
}

const row = (d: DeliverySummary): DeliveryRow => ({
  id: d.id,
  billNo: d.billNo,
  billDate: d.billDate,
  totalAmount: formatAmount(d.totalAmount),
  status: d.status,
  statusText: DELIVERY_STATUS_TEXT[d.status] ?? d.status,
  itemCount: String(d.itemCount),
  signedAt: formatDateTime(d.signedAt),
});

/** The customer's deliveries, newest first: filter by status, pull to refresh, more on scroll. */
Page({
  data: {
    customerName: "",
    /**
     * Delivery notices (subscribe messages): shown for a session opened through WeChat when the
     * supplier configured a template; `credits` = notices this WeChat user has consented to.
     */
    notice: null as { templateId: string; credits: number } | null,
    subscribing: false,
    status: "" as "" | "PENDING" | "SIGNED",
    deliveries: [] as DeliveryRow[],
    page: 0,
    total: 0,
    hasMore: false,
    loading: false,
    loaded: false,
    error: "",
  },

  async onLoad() {
    await Promise.all([this.loadProfile(), this.load(true), this.loadNotice()]);
  },

  /** Back from signing: refresh what is shown (statuses change). */
  async onShow() {
    if (this.data.loaded && !this.data.loading) await this.load(true);
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

  async loadProfile() {
    try {
      const me = await authed(() => api.mini.me.query());
      this.setData({ customerName: me.name });
    } catch {
      // the list shows the error
    }
  },

  async loadNotice() {
    try {
      const status = await authed(() => api.mini.notifications.status.query());
      const templateId = status.deliveryNotice?.templateId;
      this.setData({ notice: templateId && status.credits ? { templateId, credits: status.credits[templateId] ?? 0 } : null });
    } catch {
      this.setData({ notice: null }); // optional feature: no notices, no error
    }
  },

  /**
   * Asks consent for one delivery notice (must run from a tap) and records an `accept` with the
   * API: each acceptance allows one message (one-time subscription).
   */
  async onSubscribe() {
    const notice = this.data.notice;
    if (!notice || this.data.subscribing) return;
    this.setData({ subscribing: true });
    try {
      const answer = await new Promise<Record<string, string>>((resolve, reject) => {
        wx.requestSubscribeMessage({
          tmplIds: [notice.templateId],
          success: (res) => resolve(res as unknown as Record<string, string>),
          fail: (err) => reject(new Error(err.errMsg)),
        });
      });
      if (answer[notice.templateId] !== "accept") {
        toast("未开启送货通知");
      } else {
        const { credits } = await authed(() => api.mini.notifications.accept.mutate({ templateIds: [notice.templateId] }));
        this.setData({ "notice.credits": credits[notice.templateId] ?? notice.credits + 1 });
        toast("已开启送货通知", "success");
      }
    } catch (error) {
      toast(errorMessage(error));
    }
    this.setData({ subscribing: false });
  },

  async load(reset: boolean) {
    const page = reset ? 1 : this.data.page + 1;
    this.setData({ loading: true, error: "" });
    try {
      const status = this.data.status || undefined;
      const result = await authed(() => api.mini.deliveries.list.query({ page, pageSize: PAGE_SIZE, ...(status ? { status } : {}) }));
      const rows = result.deliveries.map(row);
      const deliveries = reset ? rows : this.data.deliveries.concat(rows);
      this.setData({
        deliveries,
        page: result.page,
        total: result.total,
        hasMore: deliveries.length < result.total,
        loading: false,
        loaded: true,
      });
    } catch (error) {
      this.setData({ loading: false, error: errorMessage(error) });
    }
  },

  async onFilter(e: WechatMiniprogram.BaseEvent<Record<string, never>, { status?: string }>) {
    const status = (e.currentTarget.dataset.status ?? "") as "" | "PENDING" | "SIGNED";
    if (status === this.data.status && this.data.loaded) return;
    this.setData({ status, deliveries: [], page: 0, total: 0, hasMore: false });
    await this.load(true);
  },

  onOpen(e: WechatMiniprogram.BaseEvent<Record<string, never>, { id?: string }>) {
    const id = e.currentTarget.dataset.id;
    if (id) void wx.navigateTo({ url: `/pages/delivery/index?id=${encodeURIComponent(id)}` }); // void: if the page cannot open, the user stays here and can tap again
  },

  onLogout() {
    clearSession();
    void wx.reLaunch({ url: LOGIN_PAGE }); // void: if the page cannot open, the user stays here and can tap again
  },
});
