import { z } from "zod";
import type { AuthorizationInfo } from "./rows.js";
import type { RateBudget, TokenStore } from "@erpbridge/integration-kit";
import type { CallRecord, Plugin } from "./transport.js";
import { JDY_PROTOCOL } from "./protocol.js";

const required = (field: string) => z.string({ error: `${field} is required` }).min(1, `${field} is required`);

const configSchema = z.object({
  clientId: required("clientId"),
  clientSecret: required("clientSecret"),
  appKey: required("appKey"),
  appSecret: required("appSecret"),
  /** The account set's IDC, sent as `X-GW-Router-Addr` (e.g. `https://tf.jdy.com`). */
  domain: required("domain"),
  baseUrl: z.url({ error: "baseUrl must be an absolute URL" }).default(JDY_PROTOCOL.defaultBaseUrl),
  /** Lets the client pull authorization again when app_secret goes stale or the domain moves. */
  outerInstanceId: z.string().min(1).optional(),
  /** Optional cloud-user id for a per-user token. */
  uid: z.string().min(1).optional(),
  timeoutMs: z.number().int().positive().default(30_000),
  tokenRefreshWindowSeconds: z.number().int().nonnegative().default(600),
  rateLimit: z
    .object({
      /** Calls allowed per minute; the gateway allows 500 per account set, keep below it. */
      perMinute: z.number().positive().default(450),
      /** Calls that may go at once after an idle spell. */
      burst: z.number().int().positive().default(10),
      /** Requests in flight at once. */
      concurrency: z.number().int().positive().default(8),
    })
    .prefault({}),
  retry: z
    .object({
      retries: z.number().int().nonnegative().default(3),
      baseDelayMs: z.number().nonnegative().default(500),
      maxDelayMs: z.number().nonnegative().default(20_000),
    })
    .prefault({}),
});

export type KingdeeClientConfig = z.input<typeof configSchema> & {
  tokenStore?: TokenStore;
  /** Any fetch-compatible function; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Called once per HTTP exchange with metadata only (no bodies, secrets or tokens). */
  onCall?: (call: CallRecord) => void;
  /** Called after authorization was pulled again, so the caller can persist the new secret/domain. */
  onAuthorizationChange?: (info: AuthorizationInfo) => void | Promise<void>;
  /**
   * Where calls take their rate from instead of this client's own token bucket (`rateLimit.perMinute`
   * and `burst` are then unused; `concurrency` still caps this client). Pass one `RedisRateBudget`
   * keyed by `accountKey(config)` to every client of an account set, in every replica.
   */
  rateBudget?: RateBudget;
  /** Your own steps around every business call, outermost first (they see each call once, before retries). */
  plugins?: Plugin[];
};

export type ResolvedConfig = z.output<typeof configSchema> &
  Pick<KingdeeClientConfig, "tokenStore" | "fetch" | "onCall" | "onAuthorizationChange" | "rateBudget" | "plugins">;

/** Validates the config; the error names every bad field and never echoes a secret. */
export function resolveConfig(input: KingdeeClientConfig): ResolvedConfig {
  const { tokenStore, fetch: fetchFn, onCall, onAuthorizationChange, rateBudget, plugins, ...plain } = input ?? ({} as KingdeeClientConfig);
  const parsed = configSchema.safeParse(plain);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.path.join(".") || "config";
      return issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
    });
    throw new TypeError(`Invalid Kingdee client config: ${problems.join("; ")}`);
  }
  return { ...parsed.data, tokenStore, fetch: fetchFn, onCall, onAuthorizationChange, rateBudget, plugins };
}

/**
 * What the gateway counts calls against: the authorised account set, identified by its `appKey`
 * (one per app × account set; it survives a rotated app_secret and a moved IDC domain, unlike
 * those). Key a shared `RedisRateBudget` by it.
 */
export const accountKey = (config: Pick<KingdeeClientConfig, "appKey">): string => `jdy:${config.appKey}`;
