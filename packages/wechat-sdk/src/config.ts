import { z } from "zod";
import { WECHAT_PROTOCOL } from "./protocol.js";
import type { TokenStore } from "@erpbridge/integration-kit";
import type { CallRecord, Plugin } from "./transport.js";

const required = (field: string) => z.string({ error: `${field} is required` }).min(1, `${field} is required`);

const configSchema = z.object({
  /** The mini-program's AppID (`wx…`). */
  appId: required("appId"),
  appSecret: required("appSecret"),
  baseUrl: z.url({ error: "baseUrl must be an absolute URL" }).default(WECHAT_PROTOCOL.defaultBaseUrl),
  /** Per HTTP attempt. */
  timeoutMs: z.number({ error: "timeoutMs must be a number" }).int().positive().default(15_000),
  /** Refresh the cached token this long before it expires (the platform rotates stable tokens in their last 300 s). */
  tokenRefreshWindowSeconds: z.number({ error: "tokenRefreshWindowSeconds must be a number" }).int().nonnegative().default(300),
  /**
   * At most one automatic `force_refresh` (after a 40001 on a token the platform still hands back)
   * per this many seconds, per client: the platform allows 20 a day, and each one invalidates every
   * replica's token. Explicit `token.refresh({ force: true })` is not capped but counts.
   */
  forceRefreshIntervalSeconds: z.number({ error: "forceRefreshIntervalSeconds must be a number" }).int().nonnegative().default(5400),
  retry: z
    .object({
      retries: z.number().int().nonnegative().default(3),
      baseDelayMs: z.number().nonnegative().default(500),
      maxDelayMs: z.number().nonnegative().default(20_000),
    })
    .prefault({}),
});

export type WechatClientConfig = z.input<typeof configSchema> & {
  /** Where the access token is cached; default in memory. Share one (e.g. Redis) across replicas. */
  tokenStore?: TokenStore;
  /** Any fetch-compatible function; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Called once per HTTP exchange with metadata only (no URLs, bodies, tokens or secrets). */
  onCall?: (call: CallRecord) => void;
  /** Where the client reports forced token refreshes and refused ones (pino-style `(details, message)`). */
  logger?: WechatLogger;
  /** Your own steps around every access-token call, outermost first (they see each call once, before the token step). */
  plugins?: Plugin[];
};

/** The subset of a pino/Fastify logger the client uses. Details never hold tokens or secrets. */
export interface WechatLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export type ResolvedConfig = z.output<typeof configSchema> & Pick<WechatClientConfig, "tokenStore" | "fetch" | "onCall" | "logger" | "plugins">;

const isFunction = (value: unknown) => typeof value === "function";

/** Validates the config; the error names every bad field and never echoes a secret. */
export function resolveConfig(input: WechatClientConfig): ResolvedConfig {
  const { tokenStore, fetch: fetchFn, onCall, logger, plugins, ...plain } = input ?? ({} as WechatClientConfig);
  const parsed = configSchema.safeParse(plain);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const field = issue.path.join(".") || "config";
        return issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
      });
  if (fetchFn !== undefined && !isFunction(fetchFn)) problems.push("fetch must be a function");
  if (onCall !== undefined && !isFunction(onCall)) problems.push("onCall must be a function");
  if (logger !== undefined && !(isFunction(logger?.info) && isFunction(logger?.warn))) problems.push("logger must have info and warn");
  if (tokenStore !== undefined && !(isFunction(tokenStore?.get) && isFunction(tokenStore?.set) && isFunction(tokenStore?.delete))) {
    problems.push("tokenStore must have get, set and delete");
  }
  if (plugins !== undefined && !(Array.isArray(plugins) && plugins.every(isFunction))) problems.push("plugins must be an array of functions");
  if (!parsed.success || problems.length > 0) throw new TypeError(`Invalid WeChat client config: ${problems.join("; ")}`);
  return { ...parsed.data, tokenStore, fetch: fetchFn, onCall, logger, plugins };
}
