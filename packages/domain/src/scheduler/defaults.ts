import { z } from "zod";
import { isValidCronExpression } from "./cron.js";

export interface SyncScheduleDefaults {
  /** `SYNC_SCHEDULER_ENABLED !== "false"` */
  enabled: boolean;
  /** `SYNC_MASTER_DAILY_CRON`, default `0 2 * * *` (02:00 daily, in the scheduler's timezone). */
  masterDataCron: string;
  /** `SYNC_DOCUMENT_HOURLY_CRON`, default `0 * * * *` (hourly). */
  documentsCron: string;
}

export const DEFAULT_MASTER_DATA_CRON = "0 2 * * *";
export const DEFAULT_DOCUMENTS_CRON = "0 * * * *";

/** Unset or blank → undefined, so `X=` in an env file means "use the default". */
const optionalCron = (variable: string) =>
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v),
    z
      .string()
      .refine(isValidCronExpression, {
        message: `${variable} is not a valid cron expression (expected 5 fields "min hour day month weekday", or 6 with seconds first, e.g. "0 2 * * *")`,
      })
      .optional(),
  );

const envSchema = z.object({
  SYNC_SCHEDULER_ENABLED: z.string().optional(),
  SYNC_MASTER_DAILY_CRON: optionalCron("SYNC_MASTER_DAILY_CRON"),
  SYNC_DOCUMENT_HOURLY_CRON: optionalCron("SYNC_DOCUMENT_HOURLY_CRON"),
});

/**
 * Scheduler settings from the environment. Throws an Error naming the variable when a cron
 * expression is malformed, e.g. `Invalid scheduler configuration: SYNC_MASTER_DAILY_CRON="0 25 * * *" is not a valid cron expression …`.
 */
export function syncScheduleDefaults(env: Record<string, string | undefined> = process.env): SyncScheduleDefaults {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "");
      const raw = key ? env[key] : undefined;
      return raw === undefined ? issue.message : issue.message.replace(key, `${key}=${JSON.stringify(raw)}`);
    });
    throw new Error(`Invalid scheduler configuration: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  return {
    enabled: e.SYNC_SCHEDULER_ENABLED !== "false",
    masterDataCron: e.SYNC_MASTER_DAILY_CRON ?? DEFAULT_MASTER_DATA_CRON,
    documentsCron: e.SYNC_DOCUMENT_HOURLY_CRON ?? DEFAULT_DOCUMENTS_CRON,
  };
}
