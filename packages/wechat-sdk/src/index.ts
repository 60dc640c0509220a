export { WechatMiniProgramClient, createWechatMiniProgramClient } from "./client.js";
export type { WechatClientConfig, WechatLogger } from "./config.js";
export { WechatError, classifyFailure, type WechatErrorCategory } from "./errors.js";
export { WECHAT_PROTOCOL, type RetryPolicy } from "./protocol.js";
export type * from "./types.js";
export { AccessTokenManager } from "./access-token.js";
export {
  createTransport,
  type CallRecord,
  type HttpMethod,
  type Plugin,
  type QueryValue,
  type Send,
  type WechatRequest,
  type WechatResponse,
} from "./transport.js";
export { authRecovery } from "./plugins/auth-recovery.js";
// The kernel lives in @erpbridge/integration-kit; these names stay importable from here.
export { ApiError, compose, MemoryTokenStore, retry, type RetryOptions, type StoredToken, type TokenStore } from "@erpbridge/integration-kit";
