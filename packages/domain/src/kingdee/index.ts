// The Redis token store (with its cross-process lock) moved to the integration kit.
export { LockTimeoutError, RedisTokenStore, type RedisTokenStoreOptions } from "@erpbridge/integration-kit";
export { createTokenStore, type ClosableTokenStore } from "./token-store.js";
