import type { RunContext } from "./context.js";
import { UsageError } from "./context.js";
import { table } from "./format.js";

export const PROGRAM = "pnpm admin";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** Placeholder shown in help, e.g. `<id>`. */
  value?: string;
  description: string;
  required?: boolean;
}

export type Values = Record<string, string | boolean | undefined>;

export interface CommandSpec {
  name: string;
  summary: string;
  /** Arguments after the command name, e.g. `--tenant <id> [--json]`. */
  synopsis: string;
  description: string;
  options: Record<string, OptionSpec>;
  examples?: string[];
  run(ctx: RunContext, values: Values): Promise<void>;
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: "string", value: "<url>", description: "API base URL (default: $ERPBRIDGE_URL, else http://localhost:3000)" },
  help: { type: "boolean", short: "h", description: "show this help" },
};

export const ENVIRONMENT = [
  "  ADMIN_TOKEN     the API's admin token (required; never printed)",
  "  ERPBRIDGE_URL   API base URL (default http://localhost:3000)",
];

export const usageLine = (command: CommandSpec) => `usage: ${PROGRAM} ${command.name} ${command.synopsis}`.trimEnd();

export function commandHelp(command: CommandSpec): string {
  const options = { ...command.options, ...GLOBAL_OPTIONS };
  const rows = Object.entries(options).map(([name, spec]) => [
    `  ${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.value ? ` ${spec.value}` : ""}`,
    spec.description + (spec.required ? " (required)" : ""),
  ]);
  return [
    usageLine(command),
    "",
    command.description,
    "",
    "options:",
    table(["", ""], rows).split("\n").slice(1).join("\n"),
    "",
    "environment:",
    ...ENVIRONMENT,
    ...(command.examples?.length ? ["", "examples:", ...command.examples.map((e) => `  ${e}`)] : []),
  ].join("\n");
}

/** A string option's value, trimmed; undefined when not given. */
export function stringValue(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value.trim() : undefined;
}

/** A required string option (the runner already checked presence; this narrows the type). */
export function requiredValue(values: Values, name: string, placeholder = "<value>"): string {
  const value = stringValue(values, name);
  if (!value) throw new UsageError(`missing --${name} ${placeholder}`);
  return value;
}

/** The names of a fixed set, as help and errors list them. */
export const listChoices = (choices: Record<string, true>) => Object.keys(choices).join(", ");

/**
 * One of a fixed set of names; undefined when not given. The set is a record so that a command can
 * key it by the API's own input type and fail to compile when the two drift apart.
 */
export function choiceValue<T extends string>(values: Values, name: string, choices: Record<T, true>): T | undefined {
  const value = stringValue(values, name);
  if (value !== undefined && !Object.hasOwn(choices, value)) {
    throw new UsageError(`--${name} must be one of ${listChoices(choices)}, got ${JSON.stringify(value)}`);
  }
  return value as T | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidValue(values: Values, name: string, required: true): string;
export function uuidValue(values: Values, name: string, required?: false): string | undefined;
export function uuidValue(values: Values, name: string, required = false): string | undefined {
  const value = required ? requiredValue(values, name, "<id>") : stringValue(values, name);
  if (value !== undefined && !UUID.test(value)) throw new UsageError(`--${name} must be an id (uuid), got ${JSON.stringify(value)}`);
  return value;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):?(\d{2}))?)?$/;

/** Whether the fields name a real calendar day and clock time (`Date` would roll 2025-02-30 over to March 2). */
function isRealDateTime(fields: Array<string | undefined>): boolean {
  const [year, month, day, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0] = fields.map((f) => (f === undefined ? undefined : Number(f)));
  if (year === undefined || month === undefined || day === undefined) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59;
}

/** An ISO-8601 date or date-time (`2025-03-01`, `2025-03-01T08:00:00+08:00`) naming a real day and time. */
export function dateValue(values: Values, name: string): Date | undefined {
  const value = stringValue(values, name);
  if (value === undefined) return undefined;
  const match = ISO_DATE.exec(value);
  const date = match && isRealDateTime(match.slice(1)) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new UsageError(`--${name} must be an ISO date or date-time (e.g. 2025-03-01 or 2025-03-01T08:00:00Z), got ${JSON.stringify(value)}`);
  }
  return date;
}

export function integerValue(values: Values, name: string, range: { min: number; max: number }): number | undefined {
  const value = stringValue(values, name);
  if (value === undefined) return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < range.min || number > range.max) {
    throw new UsageError(`--${name} must be a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(value)}`);
  }
  return number;
}
