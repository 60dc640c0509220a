import { z } from "zod";

const optionalUrl = (name: string) =>
  z
    .string()
    .trim()
    .transform((v) => (v === "" ? undefined : v))
    .pipe(z.url({ error: `${name} must be a URL` }).optional())
    .optional();

const boolean = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1");

/** Every setting of the service, from the environment; `.env.example` documents each. */
export const configSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().default("0.0.0.0"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Public base URL, used in links the API hands out (upload URLs). */
  PUBLIC_URL: optionalUrl("PUBLIC_URL"),
  DATABASE_URL: z.url({ error: "DATABASE_URL must be a postgres:// URL" }),
  REDIS_URL: optionalUrl("REDIS_URL"),
  MONGODB_URL: optionalUrl("MONGODB_URL"),
  ADMIN_TOKEN: z.string().min(24, "ADMIN_TOKEN must be at least 24 characters"),
  ENCRYPTION_KEY: z.string().min(1, "ENCRYPTION_KEY is required (32 bytes, base64 or hex)"),
  ENCRYPTION_KEYS_PREVIOUS: z.string().optional(),
  /** The ISV app's credentials, given to tenants created by Kingdee's authorization push. */
  KINGDEE_CLIENT_ID: z.string().optional(),
  KINGDEE_CLIENT_SECRET: z.string().optional(),
  /** Gateway root for new tenants (the sandbox in the demo); unset: https://api.kingdee.com. */
  KINGDEE_BASE_URL: optionalUrl("KINGDEE_BASE_URL"),
  /**
   * The authorization push must carry `?token=<this>`: a second lock besides pulling the authorization
   * back (the push's own signing is undocumented). Required in production; unset elsewhere: the webhook is off.
   */
  KINGDEE_WEBHOOK_TOKEN: z
    .string()
    .trim()
    .transform((v) => (v === "" ? undefined : v))
    .pipe(z.string().min(24, "KINGDEE_WEBHOOK_TOKEN must be at least 24 characters").optional())
    .optional(),
  /** A push whose `timestamp` is further than this from now is refused; a repeated body within it too. */
  KINGDEE_WEBHOOK_MAX_AGE_SECONDS: z.coerce.number().int().min(10).max(86_400).default(600),
  /**
   * Calls per window one Kingdee account set may receive from all replicas together (shared through
   * Redis when REDIS_URL is set); default the client's `rateLimit.perMinute` (450, under the gateway's 500).
   */
  KINGDEE_RATE_LIMIT: z.coerce.number().int().min(1).optional(),
  KINGDEE_RATE_WINDOW_MS: z.coerce.number().int().min(100).default(60_000),
  /** The WeChat mini-program (one per deployment). Unset: WeChat login and messages are off. */
  WECHAT_APP_ID: z.string().optional(),
  WECHAT_APP_SECRET: z.string().optional(),
  /** WeChat API root (the sandbox in the demo); unset: https://api.weixin.qq.com. */
  WECHAT_BASE_URL: optionalUrl("WECHAT_BASE_URL"),
  UPLOAD_DIR: z.string().default("./.data/uploads"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /**
   * Where jobs (scheduled syncs, notifications, probes) run. "embedded": in this process, next to
   * HTTP (one process does everything). "off": this process serves HTTP only and queues jobs for
   * the workers (`node dist/worker.js`, which always run them).
   */
  JOBS: z.enum(["embedded", "off"], { error: 'JOBS must be "embedded" or "off"' }).default("embedded"),
  SYNC_SCHEDULER_ENABLED: boolean.default(true),
  SYNC_MASTER_DAILY_CRON: z.string().optional(),
  SYNC_DOCUMENT_HOURLY_CRON: z.string().optional(),
  SCHEDULER_TIMEZONE: z.string().default("Asia/Shanghai"),
  /** How often each tenant's ERP connection is probed with one cheap signed call. */
  ERP_PROBE_INTERVAL_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Days of `api_call_log` kept. */
  API_CALL_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).default(14),
  CUSTOMER_SESSION_TTL_HOURS: z.coerce.number().int().min(1).default(24 * 30),
  CUSTOMER_LOGIN_TOKEN_TTL_HOURS: z.coerce.number().int().min(1).default(24 * 7),
  /** Mutations (sign-offs, confirmations …) one customer session may make per window; more are TOO_MANY_REQUESTS. */
  CUSTOMER_MUTATION_RATE_LIMIT: z.coerce.number().int().min(1).default(30),
  CUSTOMER_MUTATION_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
}).refine((config) => config.NODE_ENV !== "production" || config.KINGDEE_WEBHOOK_TOKEN !== undefined, {
  path: ["KINGDEE_WEBHOOK_TOKEN"],
  error: "KINGDEE_WEBHOOK_TOKEN is required in production (at least 24 characters: openssl rand -base64 32)",
});

export type AppConfig = z.output<typeof configSchema>;

/** Parses the environment; the error lists every bad variable by name and never echoes values. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
  throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
}
