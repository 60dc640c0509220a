export { ApiError, isCurable, isRateLimited, type ApiErrorInit, type KitErrorCategory } from "./errors.js";
export { parseRetryAfter, redact, redactHeaders, redactUrl } from "./redact.js";
export {
  compose,
  HttpFailure,
  sendHttp,
  sleep,
  type HttpAnswer,
  type HttpExchange,
  type HttpFailureKind,
  type KitRequest,
  type Plugin,
  type Send,
} from "./transport.js";
export { clientFactory, mergeConfig, type ClientFactory, type WithDefaults } from "./defaults.js";
export type { AnyPlugin } from "./plugins/plugin.js";
export { retry, type RetryOptions } from "./plugins/retry.js";
export { throttle, type ThrottleOptions } from "./plugins/throttle.js";
export { authRecovery, type AuthRecoveryOptions } from "./plugins/auth-recovery.js";
export { MemoryTokenStore, type StoredToken, type TokenStore } from "./tokens/token-store.js";
export { TokenManager, type TokenCheck, type TokenManagerOptions } from "./tokens/token-manager.js";
export { LockTimeoutError, RedisTokenStore, type RedisTokenStoreOptions } from "./tokens/redis-token-store.js";
export type { RedisLike } from "./redis.js";
export { DEFAULT_WINDOW_MS, type RateBudget, type RateBudgetLimit } from "./rate-budget/rate-budget.js";
export { TokenBucketBudget, type TokenBucketOptions } from "./rate-budget/token-bucket.js";
export { RedisRateBudget, type RedisRateBudgetOptions } from "./rate-budget/redis-budget.js";
