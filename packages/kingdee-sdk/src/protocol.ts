/**
 * Wire facts of the JDY gateway that the reference marks UNCONFIRMED, kept in this one place.
 * Everything else in the SDK reads them from here; change them here when the real gateway says otherwise.
 */
export const JDY_PROTOCOL = {
  defaultBaseUrl: "https://api.kingdee.com",
  tokenPath: "/jdyconnector/app_management/kingdee_auth_token",
  pullAuthorizationPath: "/jdyconnector/app_management/push_app_authorize",
  /** HTTP status the gateway uses for its own (non-business) errors. */
  gatewayErrorStatus: 519,
  /** Gateway errcodes (KDApiGwRespStatus). */
  gateway: {
    timestampInvalid: 4006,
    signHeadersInvalid: 4007,
    signatureInvalid: 4008,
    /** UNCONFIRMED: whether JDY reports app-token failures as 4009–4011 at the gateway. */
    tokenEmpty: 4009,
    tokenInvalid: 4010,
    tokenExpired: 4011,
    forbidden: 4012,
    internal: 5000,
    apiNotFound: 5001,
    methodNotAllowed: 5002,
    unavailable: 5003,
    timeout: 5004,
    fused: 5006,
    /** UNCONFIRMED: throttling may arrive as errcode 5007 (HTTP 519) or as HTTP 429; both are handled. */
    overload: 5007,
  },
  /**
   * UNCONFIRMED: no nonce-replay code is documented. We treat a replayed nonce like an expired
   * timestamp (4006): both are the gateway's replay guard, and both are cured by re-signing.
   */
  nonceReplayErrcode: 4006,
  /** Observed by two clients on the token call when app_secret is stale ("授权密钥校验失败"). */
  staleAppSecretErrcode: 1030002006,
  /** "用户授权信息错误": wrong appKey. */
  authorizationInfoErrcode: 1020002008,
  /** Timestamps are valid for 5 minutes. UNCONFIRMED whether the window is ± or past-only. */
  timestampWindowMs: 5 * 60_000,
  /** JDY dates (`bill_date`, date filters, row times) are Beijing time, UTC+8, no DST. */
  businessUtcOffsetMinutes: 480,
  /** Documented rate limit per account set. */
  callsPerMinute: 500,
  /** UNCONFIRMED: `expires` is not always in the token response; docs say "generally 24 hours". */
  defaultTokenLifetimeMs: 24 * 60 * 60_000,
  /** UNCONFIRMED: whether the pull-authorization endpoint answers `errcode: 0` or `code: 200`; both accepted. */
  authorizationSuccessCodes: [0, 200],
} as const;
