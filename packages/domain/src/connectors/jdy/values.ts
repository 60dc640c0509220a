/**
 * Normalisation of Kingdee payload values, in one place: times arrive as Beijing-time strings,
 * numbers as strings or JSON numbers, ids as strings.
 */

const BEIJING_OFFSET = "+08:00";
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)$/;

/** `2025-01-02 03:04:05` (Beijing time), an ISO string, or epoch ms → Date; undefined if absent or unparseable. */
export function kingdeeTime(value: unknown): Date | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "number" || /^\d{12,14}$/.test(String(value))) {
    const d = new Date(Number(value));
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  const text = String(value);
  const match = DATE_TIME.exec(text);
  const d = new Date(match ? `${match[1]}T${match[2]}${BEIJING_OFFSET}` : text);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * A decimal as an exact string. Strings pass through as written; JSON numbers are exact when they
 * have at most 15 significant digits (every amount Kingdee sends), so anything longer is refused
 * rather than silently rounded.
 */
export function decimalString(value: unknown, field: string): string {
  if (value === undefined || value === null || value === "") return "0";
  if (typeof value === "string") {
    const text = value.trim();
    if (!DECIMAL.test(text)) throw new Error(`${field}: "${value}" is not a decimal`);
    return text;
  }
  if (typeof value === "number" && Number.isFinite(value)) {
    const digits = Math.abs(value).toExponential().split("e")[0]!.replace(".", "").length;
    if (digits > 15) throw new Error(`${field}: ${value} has more digits than a JSON number holds exactly`);
    const text = Number.isInteger(value) ? value.toFixed(0) : String(value);
    if (!DECIMAL.test(text)) throw new Error(`${field}: ${value} is not a plain decimal`);
    return text;
  }
  throw new Error(`${field}: ${JSON.stringify(value)} is not a number`);
}
