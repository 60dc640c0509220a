import { type StoredToken, type TokenStore, TokenManager } from "@erpbridge/integration-kit";

export interface AppTokenOptions {
  store: TokenStore;
  /** Cache key: one token per client × account set (× user). */
  key: string;
  refreshWindowMs: number;
  /** Fetches a fresh token from the gateway. */
  fetchToken: () => Promise<StoredToken>;
}

/**
 * The app-token lifecycle: the integration kit's `TokenManager` (cached in a pluggable store,
 * refreshed `refreshWindowMs` before it expires, single-flight across processes when the store can
 * lock). JDY has no forced mode: a refresh always asks for the account set's current token.
 */
export class AppTokenManager extends TokenManager {
  constructor(options: AppTokenOptions) {
    super({ ...options, fetchToken: () => options.fetchToken() });
  }

  /** Fetches a new token now, bypassing the cache (admin "refresh token"). */
  forceRefresh(): Promise<StoredToken> {
    return this.refresh();
  }
}
