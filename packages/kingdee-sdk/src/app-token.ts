import type { StoredToken, TokenStore } from "./token-store.js";

export interface AppTokenOptions {
  store: TokenStore;
  /** Cache key: one token per client × account set (× user). */
  key: string;
  refreshWindowMs: number;
  /** Fetches a fresh token from the gateway. */
  fetchToken: () => Promise<StoredToken>;
}

/**
 * The app-token lifecycle: cached in a pluggable store, refreshed `refreshWindowMs` before it
 * expires, and single-flight — concurrent callers share one refresh (across processes too when
 * the store can lock).
 */
export class AppTokenManager {
  readonly #options: AppTokenOptions;
  #inflight: Promise<StoredToken> | undefined;

  constructor(options: AppTokenOptions) {
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
    if (this.#fresh(cached)) return cached.token;
    return (await this.#refresh((stored) => this.#fresh(stored))).token;
  }

  /**
   * The gateway rejected `rejected`. Refresh unless the store already holds a different token,
   * so 50 callers rejected with the same token still cause one token request.
   */
  async refreshAfterRejection(rejected: string): Promise<void> {
    await this.#refresh((stored) => stored !== undefined && stored.token !== rejected && this.#fresh(stored));
  }

  /** Forces a new token now (admin "refresh token"). */
  async forceRefresh(): Promise<StoredToken> {
    const since = Date.now();
    return this.#refresh((stored) => stored !== undefined && stored.refreshedAt > since);
  }

  async status(): Promise<Omit<StoredToken, "token"> | undefined> {
    const stored = await this.#options.store.get(this.#options.key);
    if (!stored) return undefined;
    const { token: _secret, ...rest } = stored;
    return rest;
  }

  #refresh(good: (stored: StoredToken | undefined) => boolean): Promise<StoredToken> {
    this.#inflight ??= this.#refreshOnce(good).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #refreshOnce(good: (stored: StoredToken | undefined) => boolean): Promise<StoredToken> {
    const { store, key, fetchToken } = this.#options;
    const work = async () => {
      // Another process may have refreshed while we waited for the lock.
      const stored = await store.get(key);
      if (good(stored)) return stored as StoredToken;
      const token = await fetchToken();
      await store.set(key, token);
      return token;
    };
    return store.withLock ? store.withLock(key, work) : work();
  }
}
