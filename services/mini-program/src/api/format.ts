/** Display helpers: everything a page puts in `data` is a string, number or boolean. */

const pad = (n: number) => String(n).padStart(2, "0");

/** A Date (or ISO string) as local "YYYY-MM-DD HH:mm"; "" for none. */
export function formatDateTime(value: Date | string | null | undefined): string {
  if (!value) return "";
  const d = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A decimal string with thousands separators, kept exact (no float rounding). */
export function formatAmount(value: string | null | undefined): string {
  if (value == null || value === "") return "";
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(value.trim());
  if (!match) return value;
  return `${match[1]}${match[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${match[3] ?? ""}`;
}

/** A quantity decimal string without trailing zeros: "12.5000" → "12.5", "3.0000" → "3". */
export function formatQty(value: string | null | undefined): string {
  if (value == null || value === "") return "";
  const s = value.trim();
  if (!/^-?\d+(\.\d+)?$/.test(s)) return s;
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/** Progress in whole percent, 0–100, from decimal strings (delivered without being ordered: 100). */
export function percentOf(done: string | null | undefined, total: string | null | undefined): number {
  const d = Number(done);
  const t = Number(total);
  if (!Number.isFinite(d) || !Number.isFinite(t)) return 0;
  if (t <= 0) return d > 0 ? 100 : 0;
  return Math.max(0, Math.min(100, Math.round((d / t) * 100)));
}

export const DELIVERY_STATUS_TEXT: Record<string, string> = { PENDING: "待签收", SIGNED: "已签收" };
export const ORDER_STATUS_TEXT: Record<string, string> = {
  not_delivered: "未发货",
  partially_delivered: "部分发货",
  delivered: "已发货",
  over_delivered: "超量发货",
};
export const STATEMENT_STATUS_TEXT: Record<string, string> = { OPEN: "待确认", CONFIRMED: "已确认", SUPERSEDED: "已更新" };

/** A promise for a callback-style `wx` API (`success`/`fail`). */
export function wxCall<R>(start: (callbacks: { success(res: R): void; fail(err: { errMsg: string }): void }) => void): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    start({ success: resolve, fail: (err) => reject(new Error(err?.errMsg || "wx call failed")) });
  });
}
