/** Output helpers: aligned tables, dates, durations. No colours, so output pipes cleanly. */

// East Asian wide / fullwidth characters take two columns in a terminal (tenant and customer names are often Chinese).
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;

export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += WIDE.test(char) ? 2 : 1;
  return width;
}

const pad = (text: string, width: number) => text + " ".repeat(Math.max(0, width - displayWidth(text)));

/** A plain-text table: a header row, then one line per row; columns separated by two spaces. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : pad(cell, widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** `2025-03-01 08:00:00Z`, or `-` for nothing. */
export function formatDate(value: Date | string | null | undefined): string {
  if (value === null || value === undefined) return "-";
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
}

/** `1h 05m`, `42s`, `3d 4h`; negative durations get a leading `-`. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  let seconds = Math.round(Math.abs(ms) / 1000);
  const days = Math.floor(seconds / 86_400);
  seconds -= days * 86_400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  if (days > 0) return `${sign}${days}d ${hours}h`;
  if (hours > 0) return `${sign}${hours}h ${String(minutes).padStart(2, "0")}m`;
  if (minutes > 0) return `${sign}${minutes}m ${String(seconds).padStart(2, "0")}s`;
  return `${sign}${seconds}s`;
}

/** Seconds with one decimal for short spans: `3.2s`. */
export const formatElapsed = (ms: number) => (ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms));

/** A secret is never shown: only whether it is set. */
export const maskSecret = (isSet: boolean) => (isSet ? "****" : "(not set)");

/** Cuts long free text (errors) for a table cell. */
export function truncate(text: string | null | undefined, max = 60): string {
  if (!text) return "-";
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
