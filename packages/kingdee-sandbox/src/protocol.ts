/**
 * Every wire-level choice the sandbox makes, in one place. Items the reference
 * (`/work/shared/reference/kingdee-openapi.md`) marks UNCONFIRMED follow the SDK's own
 * `protocol.ts` and can be overridden per sandbox with `startKingdeeSandbox({ protocol: {...} })`.
 */
export interface SandboxProtocol {
  tokenPath: string;
  pullAuthorizationPath: string;
  /** HTTP status of gateway (non-business) errors. */
  gatewayErrorStatus: number;
  /** Required value of `X-Api-Auth-Version`. */
  authVersion: string;
  /** UNCONFIRMED: the gateway is said to accept ±5 minutes; we reject |now − ts| > window. */
  timestampWindowMs: number;
  /** UNCONFIRMED: no nonce-replay code is documented; like the SDK we answer 4006. */
  nonceReplayErrcode: number;
  rejectReplayedNonce: boolean;
  /** UNCONFIRMED: the docs say "generally 24 h"; the sandbox defaults to 2 h to exercise refreshes. */
  tokenLifetimeMs: number;
  /** UNCONFIRMED: whether `modify_start_time`/`modify_end_time` bounds are inclusive. */
  modifyStartInclusive: boolean;
  modifyEndInclusive: boolean;
  defaultPageSize: number;
  /** Documented only for pur_invoice (100); larger values are clamped, not rejected. */
  maxPageSize: number;
  /** UNCONFIRMED: pull authorization without `outerInstanceId` — "all" instances of the client, or an error. */
  pullWithoutOuterInstanceId: "all" | "error";
  /** UNCONFIRMED: throttling as errcode 5007 on HTTP 519, or HTTP 429 with the same body. */
  defaultRateLimitMode: "errcode" | "http429";
  /** Business time zone of row timestamps (`create_time`, `bill_date`): UTC+8. */
  utcOffsetMinutes: number;
  /** Description of a successful envelope. */
  successDescription: string;
}

export const DEFAULT_PROTOCOL: SandboxProtocol = {
  tokenPath: "/jdyconnector/app_management/kingdee_auth_token",
  pullAuthorizationPath: "/jdyconnector/app_management/push_app_authorize",
  gatewayErrorStatus: 519,
  authVersion: "2.0",
  timestampWindowMs: 300_000,
  nonceReplayErrcode: 4006,
  rejectReplayedNonce: true,
  tokenLifetimeMs: 2 * 60 * 60_000,
  modifyStartInclusive: true,
  modifyEndInclusive: true,
  defaultPageSize: 10,
  maxPageSize: 100,
  pullWithoutOuterInstanceId: "all",
  defaultRateLimitMode: "errcode",
  utcOffsetMinutes: 8 * 60,
  successDescription: "success",
};

/** Gateway errcodes (KDApiGwRespStatus) with their English/Chinese descriptions. */
export const GATEWAY_ERRORS = {
  authVersion: { errcode: 4001, en: "Auth type is not supported", cn: "不支持的认证类型" },
  clientIdEmpty: { errcode: 4002, en: "APP_ID is empty", cn: "APP_ID为空" },
  clientIdInvalid: { errcode: 4003, en: "APP_ID is invalid", cn: "APP_ID无效" },
  timestampInvalid: { errcode: 4006, en: "X-Api-TimeStamp is invalid", cn: "X-Api-TimeStamp无效" },
  nonceRepeated: { errcode: 4006, en: "X-Api-Nonce is repeated", cn: "X-Api-Nonce重复" },
  signHeadersInvalid: { errcode: 4007, en: "X-Api-SignHeaders is invalid", cn: "X-Api-SignHeaders无效" },
  signatureInvalid: { errcode: 4008, en: "X-Api-Signature is invalid", cn: "X-Api-Signature无效" },
  tokenEmpty: { errcode: 4009, en: "app-token is empty", cn: "app-token为空" },
  tokenInvalid: { errcode: 4010, en: "app-token is invalid", cn: "app-token无效" },
  tokenExpired: { errcode: 4011, en: "app-token expired", cn: "app-token已过期" },
  internal: { errcode: 5000, en: "Internal service failure", cn: "服务内部错误" },
  noRoute: { errcode: 5001, en: "No Route", cn: "路由不存在" },
  apiNotFound: { errcode: 5001, en: "API not found", cn: "API不存在" },
  methodNotAllowed: { errcode: 5002, en: "Method not allowed", cn: "请求方法不允许" },
  unavailable: { errcode: 5003, en: "API is unavailable", cn: "API不可用" },
  fused: { errcode: 5006, en: "request fused", cn: "请求熔断" },
  overload: { errcode: 5007, en: "request overload", cn: "请求过载" },
} as const;

export type GatewayErrorName = keyof typeof GATEWAY_ERRORS;

/**
 * Every variant of the token / throttle / replay / stale-IDC signals the real gateway may send
 * (several are UNCONFIRMED, so each form is offered), for `POST /__sandbox/signals`. `gateway` is an
 * HTTP 519 gateway error with that errcode; `http` an HTTP status with a plain body (`html`: a
 * proxy's error page, not JSON); `body` an HTTP 200 envelope carrying that errcode.
 */
export const SIGNAL_VARIANTS = {
  token_expired: {
    gateway_4009: { gateway: "tokenEmpty" },
    gateway_4010: { gateway: "tokenInvalid" },
    gateway_4011: { gateway: "tokenExpired" },
    http_401: { http: 401, description: "Unauthorized" },
    body_401: { body: 401, description: "app-token 无效或已过期" },
  },
  throttled: {
    gateway_5006: { gateway: "fused" },
    gateway_5007: { gateway: "overload" },
    http_429: { http: 429, description: "Too Many Requests" },
    body_429: { body: 429, description: "请求过于频繁" },
  },
  replay: {
    gateway_4006: { gateway: "timestampInvalid" },
  },
  stale_idc: {
    http_502: { http: 502, html: true, description: "Bad Gateway" },
    gateway_5001: { gateway: "noRoute" },
  },
} as const satisfies Record<string, Record<string, SignalVariant>>;

export interface SignalVariant {
  gateway?: GatewayErrorName;
  http?: number;
  body?: number;
  html?: boolean;
  description?: string;
}

export type SignalName = keyof typeof SIGNAL_VARIANTS;

/** Other IDC domains an account can be moved to (`POST /__sandbox/move-domain`). */
export const IDC_DOMAINS = ["https://tf.jdy.com", "https://gz.jdy.com", "https://sh.jdy.com", "https://bj.jdy.com"] as const;

/** Business errcodes (HTTP 200 envelope). */
export const BUSINESS_ERRORS = {
  /** Wrong app_key on the token call ("用户授权信息错误"). */
  authorizationInfo: 1020002008,
  /** Stale/wrong app_secret on the token call ("授权密钥校验失败"). */
  staleAppSecret: 1030002006,
  required: 1030002000,
  wrongType: 1030002001,
  notFound: 1030002003,
} as const;

/** List endpoints whose `count` is a numeric string (reference §4.3). */
export const COUNT_AS_STRING = new Set([
  "customer",
  "supplier",
  "material",
  "ap_credit",
  "ar_credit",
  "voucher",
  "sal_invoice",
]);

/** List endpoints that also echo `current_page`. */
export const HAS_CURRENT_PAGE = new Set(["customer", "supplier", "material"]);

export function resolveProtocol(overrides?: Partial<SandboxProtocol>): SandboxProtocol {
  return { ...DEFAULT_PROTOCOL, ...(overrides ?? {}) };
}
