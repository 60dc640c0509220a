import type { StoredToken, TokenStore } from "./token-store.js";

export interface TokenManagerOptions {
  store: TokenStore;
  /** Cache key: one token per account (× user). */
  key: string;
  /** Refresh this long before expiry, so no call goes out with a token about to lapse. */
  refreshWindowMs: number;
  /** Fetches a fresh token; `force` asks the API for a new one even if its current token is valid. */
  fetchToken: (force: boolean) => Promise<StoredToken>;
}

/** Accepts a stored token as the outcome of a refresh (so a waiter can use another's refresh). */
export type TokenCheck = (stored: StoredToken | undefined) => boolean;

/** How many tokens to remember for redaction: a refresh storm rarely sees more. */
const RECENT_TOKENS = 8;

/**
 * The token lifecycle: cached in a pluggable store, refreshed `refreshWindowMs` before it expires,
 * single-flight — concurrent callers share one refresh per mode, across processes too when the
 * store can lock — and refresh-then-swap: the new token is fetched first and only then replaces the
 * old one in the store, so a failed refresh leaves the old token usable.
 */
export class TokenManager {
  protected readonly options: TokenManagerOptions;
  readonly #inflight: { normal?: Promise<StoredToken>; force?: Promise<StoredToken> } = {};
  /** The last few tokens this process saw, so errors can redact them even after a refresh. */
  readonly #recent: string[] = [];

  constructor(options: TokenManagerOptions) {
    this.options = options;
  }

  /** True when `token` is outside its refresh window. */
  protected fresh(token: StoredToken | undefined, now = Date.now()): token is StoredToken {
    if (token === undefined) return false;
    // A token that lives shorter than the window would otherwise be refreshed on every call.
    const window = Math.min(this.options.refreshWindowMs, (token.expiresAt - token.refreshedAt) / 2);
    return token.expiresAt - window > now;
  }

  /** A usable token, refreshing first if the cached one is missing or inside the refresh window. */
  async get(): Promise<string> {
    const cached = await this.options.store.get(this.options.key);
    if (this.fresh(cached)) return this.#remember(cached.token);
    return this.#remember((await this.refreshWhen((stored) => this.fresh(stored), false)).token);
  }

  /**
   * The API rejected `rejected`. Refresh unless the store already holds a different fresh token, so
   * 50 callers rejected with the same token still cause one token request.
   */
  async refreshAfterRejection(rejected: string): Promise<StoredToken> {
    return this.refreshWhen((stored) => stored !== undefined && stored.token !== rejected && this.fresh(stored), false);
  }

  /** Calls the token endpoint now, bypassing the cache (an admin's "refresh token"). */
  async refresh(force = false): Promise<StoredToken> {
    const since = Date.now();
    return this.refreshWhen((stored) => stored !== undefined && stored.refreshedAt > since, force);
  }

  /** Expiry and last refresh of the cached token, never the token itself. */
  async status(): Promise<Omit<StoredToken, "token"> | undefined> {
    const stored = await this.options.store.get(this.options.key);
    if (!stored) return undefined;
    const { token: _secret, ...rest } = stored;
    return rest;
  }

  /** Tokens seen recently (newest last): values to redact from anything printed. */
  recentTokens(): readonly string[] {
    return this.#recent;
  }

  /** One refresh per mode at a time; `good` lets a caller accept a token another refresh brought. */
  protected refreshWhen(good: TokenCheck, force: boolean): Promise<StoredToken> {
    const mode = force ? "force" : "normal";
    this.#inflight[mode] ??= this.#refreshOnce(good, force).finally(() => {
      this.#inflight[mode] = undefined;
    });
    return this.#inflight[mode];
  }

  async #refreshOnce(good: TokenCheck, force: boolean): Promise<StoredToken> {
    const { store, key, fetchToken } = this.options;
    const work = async () => {
      // Another process may have refreshed while we waited for the lock.
      const stored = await store.get(key);
      if (good(stored)) return stored as StoredToken;
      this.beforeFetch(force);
      const token = await fetchToken(force);
      this.#remember(token.token);
      await store.set(key, token);
      return token;
    };
    return store.withLock ? store.withLock(key, work) : work();
  }

  /** Runs just before a token request leaves (under the lock, if any). */
  protected beforeFetch(_force: boolean): void {}

  #remember(token: string): string {
    if (!this.#recent.includes(token)) {
      this.#recent.push(token);
      if (this.#recent.length > RECENT_TOKENS) this.#recent.shift();
    }
    return token;
  }
}
