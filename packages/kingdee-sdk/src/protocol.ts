/** Gateway errcodes (KDApiGwRespStatus), answered with HTTP `gatewayErrorStatus`. */
const GATEWAY = {
  timestampInvalid: 4006,
  signHeadersInvalid: 4007,
  signatureInvalid: 4008,
  /** UNCONFIRMED: whether JDY reports app-token failures as 4009–4011 at the gateway (see `signals`). */
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
  /** UNCONFIRMED: throttling may arrive as errcode 5007 (HTTP 519) or as HTTP 429 (see `signals`). */
  overload: 5007,
} as const;

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
  gateway: GATEWAY,

  /**
   * Every answer the SDK reacts to beyond "failed", in one table. A response shows a signal when
   * its HTTP status is in `httpStatus` (whatever the body), when it is a gateway error (HTTP
   * `gatewayErrorStatus`) whose errcode is in `gatewayErrcodes`, or when it is HTTP 200 with an
   * errcode in `bodyErrcodes`. Reactions (auth-recovery and retry plugins):
   * - `tokenRejected`: refresh the app-token once and resend (the gateway refused before running it).
   * - `throttled`: back off and retry, writes included (refused before running).
   * - `replayRejected`: re-sign (new nonce and timestamp) and resend once.
   * - `staleDomain`: pull authorization; resend only if the pull moved the domain (the call provably
   *   went to the wrong IDC). A write answered HTTP 502 on an unchanged domain may have run:
   *   outcome unknown, never resent. Reads still retry.
   */
  signals: {
    /**
     * 4009–4011 are the gateway's token codes (KDApiGwRespStatus); UNCONFIRMED whether JDY uses them.
     * 401 is OD-spec's "token invalid" standard code, UNCONFIRMED whether an HTTP status or an errcode: both.
     */
    tokenRejected: { httpStatus: [401], gatewayErrcodes: [GATEWAY.tokenEmpty, GATEWAY.tokenInvalid, GATEWAY.tokenExpired], bodyErrcodes: [401] },
    /**
     * 5007 "overload" and 5006 "fused" are gateway constants; 429 is OD-spec's "throttled" standard
     * code, UNCONFIRMED whether an HTTP status or an errcode: both.
     */
    throttled: { httpStatus: [429], gatewayErrcodes: [GATEWAY.fused, GATEWAY.overload], bodyErrcodes: [429] },
    /**
     * 4006 "X-Api-TimeStamp invalid" is observed live. UNCONFIRMED: no nonce-replay code is documented;
     * we treat a replayed nonce like an expired timestamp, both cured by re-signing.
     */
    replayRejected: { httpStatus: [], gatewayErrcodes: [GATEWAY.timestampInvalid], bodyErrcodes: [] },
    /**
     * HTTP 502 after a tenant moved IDC is documented (§2.4). UNCONFIRMED: a router address the
     * gateway does not know answering 5001 ("No Route", third-party report).
     */
    staleDomain: { httpStatus: [502], gatewayErrcodes: [GATEWAY.apiNotFound], bodyErrcodes: [] },
  },
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
