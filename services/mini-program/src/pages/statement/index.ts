import type { RouterOutputs } from "@erpbridge/client";
import { api, authed, errorCode, errorMessage } from "../../api/client";
import { formatAmount, formatDateTime, STATEMENT_STATUS_TEXT } from "../../api/format";
import { confirmDialog, toast } from "../../api/wx";

type StatementDetail = RouterOutputs["mini"]["statements"]["get"];

const DOC_TYPE_TEXT: Record<string, string> = {
  sal_out_bound: "送货",
  sal_invoice: "发票",
  ar_credit: "收款",
};

export interface StatementView {
  id: string;
  period: string;
  currency: string;
  totalAmount: string;
  status: string;
  statusText: string;
  revision: string;
  lineCount: string;
}

export interface LineView {
  key: string;
  docType: string;
  docNo: string;
  docDate: string;
  amount: string;
}

const statementView = (s: StatementDetail): StatementView => ({
  id: s.id,
  period: s.period,
  currency: s.currency,
  totalAmount: formatAmount(s.totalAmount),
  status: s.status,
  statusText: STATEMENT_STATUS_TEXT[s.status] ?? s.status,
  revision: String(s.revision),
  lineCount: String(s.lineCount),
});

/** One statement revision: its lines, its confirmation, and the confirm button while it is open. */
Page({
  data: {
    id: "",
    loading: true,
    error: "",
    statement: null as StatementView | null,
    lines: [] as LineView[],
    confirmation: null as { confirmedAt: string; confirmedBy: string; revision: string } | null,
    newerRevision: null as { id: string; revision: string; statusText: string } | null,
    canConfirm: false,
    confirming: false,
  },

  async onLoad(query: Record<string, string | undefined>) {
    const id = query.id ? decodeURIComponent(query.id) : "";
    this.setData({ id });
    if (!id) {
      this.setData({ loading: false, error: "缺少对账单编号" });
      return;
    }
    await this.load();
  },

  async onPullDownRefresh() {
    try {
      await this.load();
    } finally {
      void wx.stopPullDownRefresh(); // void: the pull-down spinner stops either way
    }
  },

  async load() {
    this.setData({ loading: true, error: "" });
    try {
      const s = await authed(() => api.mini.statements.get.query({ id: this.data.id }));
      this.setData({
        loading: false,
        statement: statementView(s),
        lines: s.lines.map((l, i) => ({
          key: `${l.docType}:${l.docId}:${i}`,
          docType: DOC_TYPE_TEXT[l.docType] ?? l.docType,
          docNo: l.docNo ?? "",
          docDate: l.docDate ?? "",
          amount: formatAmount(l.amount),
        })),
        confirmation: s.confirmation
          ? { confirmedAt: formatDateTime(s.confirmation.confirmedAt), confirmedBy: s.confirmation.confirmedBy, revision: String(s.confirmation.revision) }
          : null,
        newerRevision: s.newerRevision
          ? { id: s.newerRevision.id, revision: String(s.newerRevision.revision), statusText: STATEMENT_STATUS_TEXT[s.newerRevision.status] ?? s.newerRevision.status }
          : null,
        canConfirm: s.status === "OPEN" && !s.newerRevision,
      });
    } catch (error) {
      this.setData({ loading: false, error: errorCode(error) === "NOT_FOUND" ? "对账单不存在" : errorMessage(error) });
    }
  },

  async onConfirm() {
    const s = this.data.statement;
    if (!s || !this.data.canConfirm || this.data.confirming) return;
    const ok = await confirmDialog("确认对账单", `确认 ${s.period} 对账金额 ${s.currency} ${s.totalAmount} 无误？`);
    if (!ok) return;
    this.setData({ confirming: true, error: "" });
    try {
      await authed(() => api.mini.statements.confirm.mutate({ id: s.id }));
      toast("已确认", "success");
    } catch (error) {
      // CONFLICT: a newer revision replaced this one while it was open; the reload shows it.
      this.setData({ error: errorCode(error) === "CONFLICT" ? `对账单已更新，请确认最新版本（${errorMessage(error)}）` : errorMessage(error) });
    }
    this.setData({ confirming: false });
    const error = this.data.error;
    await this.load();
    if (error) this.setData({ error });
  },

  onOpenNewer() {
    const newer = this.data.newerRevision;
    if (newer) void wx.redirectTo({ url: `/pages/statement/index?id=${encodeURIComponent(newer.id)}` }); // void: if the page cannot open, the user stays here and can tap again
  },
});
