export { WechatMiniProgramClient, createWechatMiniProgramClient } from "./client.js";
export type { WechatClientConfig, WechatLogger } from "./config.js";
export { WechatError, classifyFailure, type WechatErrorCategory } from "./errors.js";
export { WECHAT_PROTOCOL, type RetryPolicy } from "./protocol.js";
export type * from "./types.js";
export { MemoryTokenStore, type StoredToken, type TokenStore } from "./token-store.js";
export { AccessTokenManager } from "./access-token.js";
export {
  compose,
  createTransport,
  type CallRecord,
  type HttpMethod,
  type Plugin,
  type QueryValue,
  type Send,
  type WechatRequest,
  type WechatResponse,
} from "./transport.js";
export { retry, type RetryOptions } from "./plugins/retry.js";
export { authRecovery } from "./plugins/auth-recovery.js";
