/** Row timestamps are rendered in the business time zone (UTC+8 by default); internally epoch ms. */
let offsetMs = 8 * 60 * 60_000;

export function setUtcOffsetMinutes(minutes: number): void {
  offsetMs = minutes * 60_000;
}

const p2 = (n: number) => (n < 10 ? "0" + n : String(n));

/** "yyyy-MM-dd HH:mm:ss" in the business time zone. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms + offsetMs);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(
    d.getUTCMinutes(),
  )}:${p2(d.getUTCSeconds())}`;
}

/** "yyyy-MM-dd" in the business time zone. */
export function formatDate(ms: number): string {
  const d = new Date(ms + offsetMs);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
}

/** "yyyyMMdd" in the business time zone. */
export function compactDate(ms: number): string {
  const d = new Date(ms + offsetMs);
  return `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}`;
}

/** Start of the given business-zone day "yyyy-MM-dd" in epoch ms, or undefined when malformed. */
export function parseDayStart(day: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(ms)) return undefined;
  const check = new Date(ms);
  if (check.getUTCDate() !== Number(m[3])) return undefined;
  return ms - offsetMs;
}

export const DAY_MS = 86_400_000;
