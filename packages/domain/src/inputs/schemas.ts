import { z } from "zod";

/**
 * The recurring input shapes, shared by every procedure and route, so that no value PostgreSQL
 * would refuse (a timestamp out of range, a NUL byte, a 10 MB string) ever reaches it: bad input
 * is a BAD_REQUEST with field paths, never a 500.
 */

/** Dates we accept anywhere: wide enough for any business document, narrow enough for every driver. */
export const MIN_INPUT_DATE = new Date("2000-01-01T00:00:00.000Z");
export const MAX_INPUT_DATE = new Date("2100-01-01T00:00:00.000Z");

/** A Date (or ISO string / epoch ms) between 2000-01-01 and 2100-01-01. */
export const dateInput = z.coerce
  .date({ error: expected("a date") })
  .min(MIN_INPUT_DATE, { error: "must be on or after 2000-01-01" })
  .max(MAX_INPUT_DATE, { error: "must be before 2100-01-01" });

/** A calendar day as `YYYY-MM-DD` that really exists (2025-02-30 does not). */
export const dayInput = z
  .string({ error: expected("a day as YYYY-MM-DD") })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: "must be a day as YYYY-MM-DD" })
  .refine((s) => {
    const d = new Date(`${s}T00:00:00.000Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s) && d >= MIN_INPUT_DATE && d < MAX_INPUT_DATE;
  }, { error: "must be a real day between 2000-01-01 and 2099-12-31" });


/** A type error message that says "is required" when the value is missing. */
function expected(what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : `must be ${what}`);
}

/** A string of at most `max` characters without NUL (PostgreSQL text refuses it). */
export function textInput(max = 200) {
  return z
    .string({ error: expected("text") })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((s) => !s.includes("\0"), { error: "must not contain NUL characters" });
}

/** A non-empty bounded string, trimmed. */
export function requiredText(max = 200) {
  return textInput(max).trim().min(1, { error: "must not be empty" });
}

/** Our own ids (tenants, customers, deliveries, runs …). */
export const idInput = z.uuid({ error: expected("a UUID") });

/** Ids from outside systems are strings: bounded, printable. */
export const externalIdInput = requiredText(128);

/** 1-based page number; bounded so OFFSET stays an exact integer. */
export const pageInput = z.number({ error: expected("a number") }).int({ error: "must be an integer" })
  .min(1, { error: "must be at least 1" }).max(100_000, { error: "must be at most 100000" });

export function pageSizeInput(max = 100) {
  return z.number({ error: expected("a number") }).int({ error: "must be an integer" })
    .min(1, { error: "must be at least 1" }).max(max, { error: `must be at most ${max}` });
}

/** `{ from?, to? }` with from ≤ to. */
export function withDateRange<T extends z.ZodRawShape, F extends string = "fromTime", U extends string = "toTime">(
  shape: T,
  fromKey: F = "fromTime" as F,
  toKey: U = "toTime" as U,
) {
  // Typed by key, so clients see `fromTime`/`toTime` (a computed key alone would widen to an index signature).
  const range = { [fromKey]: dateInput.optional(), [toKey]: dateInput.optional() } as Record<F | U, z.ZodOptional<typeof dateInput>>;
  return z.object({ ...shape, ...range }).refine(
    (v) => {
      const from = (v as Record<string, unknown>)[fromKey];
      const to = (v as Record<string, unknown>)[toKey];
      return !(from instanceof Date && to instanceof Date) || from <= to;
    },
    { error: `must not be before ${fromKey}`, path: [toKey] },
  );
}

const PREDICATE = /^(must|is|has)\b/;

/** One issue as a phrase: "jobName must be one of master_data_full, documents_incremental". */
function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length ? issue.path.map(String).join(".") : "input";
  switch (issue.code) {
    case "invalid_value":
      return `${field} must be one of ${issue.values.map(String).join(", ")}`;
    case "invalid_type":
      if (issue.message.includes("received undefined")) return `${field} is required`;
      return PREDICATE.test(issue.message) ? `${field} ${issue.message}` : `${field} must be ${article(issue.expected)}`;
    case "unrecognized_keys":
      return `${field} has unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
    case "invalid_union":
      return `${field} has an unsupported shape`;
    default:
      // Our own messages already read as a predicate ("must be …"); zod's own start with a capital.
      return PREDICATE.test(issue.message) ? `${field} ${issue.message}` : `${field}: ${issue.message}`;
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** A ZodError as one human sentence for `error.message`; field-level detail stays in `fieldErrors`. */
export function describeInputError(error: z.ZodError): string {
  const phrases = [...new Set(error.issues.map(describeIssue))];
  const shown = phrases.slice(0, 3).join("; ");
  const more = phrases.length > 3 ? ` (and ${phrases.length - 3} more)` : "";
  return `invalid input: ${shown}${more}`;
}

/** An http(s) URL (a tenant's Kingdee domain or base URL): bounded and NUL-free like any text. */
export const urlInput = textInput(2048)
  .trim()
  .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), { error: "must be an http(s) URL" });

/** A secret as an admin gives it (a client or app secret): non-empty, bounded, never trimmed. */
export const secretInput = textInput(256).min(1, { error: "must not be empty" });
