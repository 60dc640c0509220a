/** A token as cached between calls. Times are epoch milliseconds. */
export interface StoredToken {
  token: string;
  expiresAt: number;
  refreshedAt: number;
  /** The user a per-user token belongs to, when the API issues those. */
  uid?: string;
}

/**
 * Where tokens live between calls. The default keeps them in memory; a shared store (Redis) lets
 * several replicas use one token. `withLock` is optional: a store that can lock across processes
 * makes token refresh single-flight across replicas, not only within one process.
 */
export interface TokenStore {
  get(key: string): Promise<StoredToken | undefined>;
  set(key: string, token: StoredToken): Promise<void>;
  delete(key: string): Promise<void>;
  withLock?<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export class MemoryTokenStore implements TokenStore {
  readonly #tokens = new Map<string, StoredToken>();
  async get(key: string) {
    return this.#tokens.get(key);
  }
  async set(key: string, token: StoredToken) {
    this.#tokens.set(key, token);
  }
  async delete(key: string) {
    this.#tokens.delete(key);
  }
}
