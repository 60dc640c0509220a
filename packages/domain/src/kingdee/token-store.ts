import { MemoryTokenStore, type TokenStore } from "@erpbridge/kingdee-sdk";
import { RedisTokenStore, type RedisTokenStoreOptions } from "./redis-token-store.js";

export type ClosableTokenStore = TokenStore & { close(): Promise<void> };

class ClosableMemoryTokenStore extends MemoryTokenStore {
  async close(): Promise<void> {}
}

/** Redis-backed when `redisUrl` is given (shared across replicas), else the SDK's in-memory store. */
export function createTokenStore(opts: { redisUrl?: string | undefined } & RedisTokenStoreOptions = {}): ClosableTokenStore {
  const { redisUrl, ...redisOpts } = opts;
  return redisUrl ? new RedisTokenStore(redisUrl, redisOpts) : new ClosableMemoryTokenStore();
}
