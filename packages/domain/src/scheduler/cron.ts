/**
 * Cron syntax check without cron-parser (agenda's dependency is not resolvable from this package
 * under pnpm's strict layout). Accepts 5 fields (min hour dom month dow) or 6 (sec first), lists,
 * ranges, steps, month/day names, `?`, `L` (day of month), `nL` / `n#k` (day of week) and the
 * @yearly/@annually/@monthly/@weekly/@daily/@hourly macros — a subset of what cron-parser accepts.
 */
const MACROS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@hourly"]);
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  min: number;
  max: number;
  names?: string[];
  nameBase?: number;
  kind: "plain" | "dom" | "dow";
}

const SEC: FieldSpec = { min: 0, max: 59, kind: "plain" };
const MIN: FieldSpec = { min: 0, max: 59, kind: "plain" };
const HOUR: FieldSpec = { min: 0, max: 23, kind: "plain" };
const DOM: FieldSpec = { min: 1, max: 31, kind: "dom" };
const MONTH: FieldSpec = { min: 1, max: 12, names: MONTHS, nameBase: 1, kind: "plain" };
const DOW: FieldSpec = { min: 0, max: 7, names: DAYS, nameBase: 0, kind: "dow" };

function value(token: string, spec: FieldSpec): number | undefined {
  if (/^\d{1,2}$/.test(token)) {
    const n = Number(token);
    return n >= spec.min && n <= spec.max ? n : undefined;
  }
  const idx = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  return idx >= 0 ? idx + (spec.nameBase ?? 0) : undefined;
}

function item(token: string, spec: FieldSpec): boolean {
  if (spec.kind === "dom" && token === "L") return true;
  if (spec.kind === "dow") {
    if (/^[0-7]L$/.test(token)) return true;
    if (/^[0-7]#[1-5]$/.test(token)) return true;
  }
  if ((spec.kind === "dom" || spec.kind === "dow") && token === "?") return true;
  const [base, step, ...rest] = token.split("/");
  if (rest.length > 0 || base === undefined || base === "") return false;
  if (step !== undefined && !(/^\d{1,2}$/.test(step) && Number(step) >= 1)) return false;
  if (base === "*") return true;
  const range = base.split("-");
  if (range.length === 1) return value(base, spec) !== undefined;
  if (range.length !== 2) return false;
  const lo = value(range[0] ?? "", spec);
  const hi = value(range[1] ?? "", spec);
  return lo !== undefined && hi !== undefined && lo <= hi;
}

/** true when `expr` is a 5/6-field cron expression (or macro) the scheduler accepts. */
export function isValidCronExpression(expr: string): boolean {
  const trimmed = expr.trim();
  if (MACROS.has(trimmed.toLowerCase())) return true;
  const fields = trimmed.split(/\s+/);
  const specs = fields.length === 5 ? [MIN, HOUR, DOM, MONTH, DOW] : fields.length === 6 ? [SEC, MIN, HOUR, DOM, MONTH, DOW] : undefined;
  if (!specs) return false;
  return fields.every((field, i) => {
    const spec = specs[i];
    return spec !== undefined && field.split(",").every((tok) => item(tok, spec));
  });
}
