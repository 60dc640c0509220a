import type { WechatLogger } from "./config.js";
import type { StoredToken, TokenStore } from "./token-store.js";

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

type Good = (stored: StoredToken | undefined) => boolean;

/**
 * The access-token lifecycle: cached in a pluggable store, refreshed `refreshWindowMs` before it
 * expires, and single-flight — concurrent callers share one refresh per mode (across processes too
 * when the store can lock).
 */
export class AccessTokenManager {
  readonly #options: AccessTokenOptions;
  readonly #inflight: { normal?: Promise<StoredToken>; force?: Promise<StoredToken> } = {};
  /** The last few tokens this process saw, so errors can redact them even after a refresh. */
  readonly #recent: string[] = [];
  /** When this process last forced a refresh (ms), to cap the ones a rejection triggers. */
  #lastForcedAt: number | undefined;

  constructor(options: AccessTokenOptions) {
    this.#options = options;
  }

  #fresh(token: StoredToken | undefined, now = Date.now()): token is StoredToken {
    if (token === undefined) return false;
    // A token that lives shorter than the window would otherwise be refreshed on every call.
    const window = Math.min(this.#options.refreshWindowMs, (token.expiresAt - token.refreshedAt) / 2);
    return token.expiresAt - window > now;
  }

  /** A usable token, refreshing first if the cached one is missing or inside the refresh window. */
  async get(): Promise<string> {
    const cached = await this.#options.store.get(this.#options.key);
    if (this.#fresh(cached)) return this.#remember(cached.token);
    return this.#remember((await this.#refresh((stored) => this.#fresh(stored), false)).token);
  }

  /** Tokens seen recently (newest last): values to redact from anything printed. */
  recentTokens(): readonly string[] {
    return this.#recent;
  }

  #remember(token: string): string {
    if (this.#recent[this.#recent.length - 1] !== token && !this.#recent.includes(token)) {
      this.#recent.push(token);
      if (this.#recent.length > 8) this.#recent.shift();
    }
    return token;
  }

  /**
   * The API rejected `rejected`. Replace it unless the store already holds a different fresh token,
   * so 50 callers rejected with the same token still cause one refresh. Normal mode first: it returns
   * the platform's current token, which cures a token that was rotated or force-refreshed elsewhere.
   * Only when it hands back the very token just rejected is a forced refresh worth its daily quota.
   */
  async refreshAfterRejection(rejected: string): Promise<void> {
    const replaced: Good = (stored) => stored !== undefined && stored.token !== rejected && this.#fresh(stored);
    const next = await this.#refresh(replaced, false);
    if (next.token !== rejected) return;
    const { forceRefreshIntervalMs, logger } = this.#options;
    const now = Date.now();
    if (this.#lastForcedAt !== undefined && now - this.#lastForcedAt < forceRefreshIntervalMs) {
      logger?.warn(
        { lastForcedAt: new Date(this.#lastForcedAt).toISOString(), nextAllowedAt: new Date(this.#lastForcedAt + forceRefreshIntervalMs).toISOString() },
        "WeChat rejected an access token it still hands out; not forcing another refresh within the interval",
      );
      return;
    }
    logger?.info({ forceRefreshIntervalSeconds: forceRefreshIntervalMs / 1000 }, "WeChat rejected an access token it still hands out; forcing a stable token refresh");
    await this.#refresh(replaced, true);
  }

  /** Calls the token endpoint now, bypassing the cache (admin "refresh token"). */
  async refresh(forceRefresh = false): Promise<StoredToken> {
    const since = Date.now();
    return this.#refresh((stored) => stored !== undefined && stored.refreshedAt > since, forceRefresh);
  }

  async status(): Promise<Omit<StoredToken, "token"> | undefined> {
    const stored = await this.#options.store.get(this.#options.key);
    if (!stored) return undefined;
    const { token: _secret, ...rest } = stored;
    return rest;
  }

  #refresh(good: Good, force: boolean): Promise<StoredToken> {
    const mode = force ? "force" : "normal";
    this.#inflight[mode] ??= this.#refreshOnce(good, force).finally(() => {
      this.#inflight[mode] = undefined;
    });
    return this.#inflight[mode];
  }

  async #refreshOnce(good: Good, force: boolean): Promise<StoredToken> {
    const { store, key, fetchToken } = this.#options;
    const work = async () => {
      // Another process may have refreshed while we waited for the lock.
      const stored = await store.get(key);
      if (good(stored)) return stored as StoredToken;
      if (force) this.#lastForcedAt = Date.now();
      const token = await fetchToken(force);
      this.#remember(token.token);
      await store.set(key, token);
      return token;
    };
    return store.withLock ? store.withLock(key, work) : work();
  }
}
