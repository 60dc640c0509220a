export { KingdeeClient, createKingdeeClient } from "./client.js";
export { accountKey, type KingdeeClientConfig } from "./config.js";
export { KingdeeError, classifyFailure, signalOf, type JdySignal, type KingdeeErrorCategory } from "./errors.js";
export { ResourceClient, businessDate, type ListParams, type Page } from "./paginate.js";
export { JDY_PROTOCOL } from "./protocol.js";
export * from "./resources.js";
export type * from "./rows.js";
export * from "./signing.js";
export { parseRequestPath, type RequestPath } from "./path.js";
export { AppTokenManager } from "./app-token.js";
export { createTransport, type CallRecord, type HttpMethod, type KingdeeRequest, type KingdeeResponse, type Plugin, type Send } from "./transport.js";
export { authRecovery, type AuthRecoveryOptions } from "./plugins/auth-recovery.js";
// The kernel lives in @erpbridge/integration-kit; these names stay importable from here.
export {
  ApiError,
  compose,
  MemoryTokenStore,
  RedisRateBudget,
  retry,
  throttle,
  TokenBucketBudget,
  type RateBudget,
  type RetryOptions,
  type StoredToken,
  type ThrottleOptions,
  type TokenStore,
} from "@erpbridge/integration-kit";
