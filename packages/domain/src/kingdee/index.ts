export { LockTimeoutError, RedisTokenStore, type RedisTokenStoreOptions } from "./redis-token-store.js";
export { createTokenStore, type ClosableTokenStore } from "./token-store.js";
