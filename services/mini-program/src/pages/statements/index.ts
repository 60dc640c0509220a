import type { RouterOutputs } from "@erpbridge/client";
import { api, authed, errorMessage } from "../../api/client";
import { formatAmount, formatDateTime, STATEMENT_STATUS_TEXT } from "../../api/format";

type StatementSummary = RouterOutputs["mini"]["statements"]["list"]["statements"][number];

const PAGE_SIZE = 20;

export interface StatementRow {
  id: string;
  period: string;
  currency: string;
  totalAmount: string;
  status: string;
  statusText: string;
  revision: string;
  lineCount: string;
  confirmedAt: string;
}

const row = (s: StatementSummary): StatementRow => ({
  id: s.id,
  period: s.period,
  currency: s.currency,
  totalAmount: formatAmount(s.totalAmount),
  status: s.status,
  statusText: STATEMENT_STATUS_TEXT[s.status] ?? s.status,
  revision: String(s.revision),
  lineCount: String(s.lineCount),
  confirmedAt: formatDateTime(s.confirmedAt),
});

/** Monthly statements (the live revision of each month), newest first. */
Page({
  data: {
    statements: [] as StatementRow[],
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

  async load(reset: boolean) {
    const page = reset ? 1 : this.data.page + 1;
    this.setData({ loading: true, error: "" });
    try {
      const result = await authed(() => api.mini.statements.list.query({ page, pageSize: PAGE_SIZE }));
      const rows = result.statements.map(row);
      const statements = reset ? rows : this.data.statements.concat(rows);
      this.setData({ statements, page: result.page, total: result.total, hasMore: statements.length < result.total, loading: false, loaded: true });
    } catch (error) {
      this.setData({ loading: false, error: errorMessage(error) });
    }
  },

  onOpen(e: WechatMiniprogram.BaseEvent<Record<string, never>, { id?: string }>) {
    const id = e.currentTarget.dataset.id;
    if (id) void wx.navigateTo({ url: `/pages/statement/index?id=${encodeURIComponent(id)}` }); // void: if the page cannot open, the user stays here and can tap again
  },
});
