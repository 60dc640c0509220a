export { LockTimeoutError, RedisTokenStore, type RedisTokenStoreOptions } from "./redis-token-store.js";
export { createTokenStore, type ClosableTokenStore } from "./token-store.js";
export { upsertRawVersions, type RawVersionInput, type RawVersionOutcome, type RawVersionResult } from "./raw-versions.js";
