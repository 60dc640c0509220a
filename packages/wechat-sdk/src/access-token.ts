import { type StoredToken, type TokenCheck, type TokenStore, TokenManager } from "@erpbridge/integration-kit";
import type { WechatLogger } from "./config.js";

export interface AccessTokenOptions {
  store: TokenStore;
  /** Cache key: one token per appId. */
  key: string;
  refreshWindowMs: number;
  /** Calls `stable_token`; `forceRefresh` sets `force_refresh: true`. */
  fetchToken: (forceRefresh: boolean) => Promise<StoredToken>;
  /** At most one forced refresh after a rejection per this many ms (in this process). */
  forceRefreshIntervalMs: number;
  logger?: WechatLogger;
}

/**
 * The access-token lifecycle: the integration kit's `TokenManager` (cached in a pluggable store,
 * refreshed `refreshWindowMs` before it expires, single-flight per mode, across processes too when
 * the store can lock), plus WeChat's rule for a rejected token that the platform still hands out:
 * a forced refresh, capped because it is quota-limited and invalidates every replica's token.
 */
export class AccessTokenManager extends TokenManager {
  readonly #forceRefreshIntervalMs: number;
  readonly #logger: WechatLogger | undefined;
  /** When this process last forced a refresh (ms), to cap the ones a rejection triggers. */
  #lastForcedAt: number | undefined;

  constructor(options: AccessTokenOptions) {
    super(options);
    this.#forceRefreshIntervalMs = options.forceRefreshIntervalMs;
    this.#logger = options.logger;
  }

  /**
   * The API rejected `rejected`. Replace it unless the store already holds a different fresh token,
   * so 50 callers rejected with the same token still cause one refresh. Normal mode first: it returns
   * the platform's current token, which cures a token that was rotated or force-refreshed elsewhere.
   * Only when it hands back the very token just rejected is a forced refresh worth its daily quota.
   */
  override async refreshAfterRejection(rejected: string): Promise<StoredToken> {
    const replaced: TokenCheck = (stored) => stored !== undefined && stored.token !== rejected && this.fresh(stored);
    const next = await this.refreshWhen(replaced, false);
    if (next.token !== rejected) return next;
    const now = Date.now();
    const interval = this.#forceRefreshIntervalMs;
    if (this.#lastForcedAt !== undefined && now - this.#lastForcedAt < interval) {
      this.#logger?.warn(
        { lastForcedAt: new Date(this.#lastForcedAt).toISOString(), nextAllowedAt: new Date(this.#lastForcedAt + interval).toISOString() },
        "WeChat rejected an access token it still hands out; not forcing another refresh within the interval",
      );
      return next;
    }
    this.#logger?.info({ forceRefreshIntervalSeconds: interval / 1000 }, "WeChat rejected an access token it still hands out; forcing a stable token refresh");
    return this.refreshWhen(replaced, true);
  }

  protected override beforeFetch(force: boolean): void {
    if (force) this.#lastForcedAt = Date.now();
  }
}
