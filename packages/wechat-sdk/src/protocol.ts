/**
 * Wire facts of the WeChat mini-program server API (reference: wechat-wecom.md part A), kept in this
 * one place. Items the reference marks UNCONFIRMED say so; change them here when the real API disagrees.
 */
export const WECHAT_PROTOCOL = {
  defaultBaseUrl: "https://api.weixin.qq.com",
  paths: {
    /** GET, query `appid, secret, js_code, grant_type=authorization_code`; no access token. */
    code2Session: "/sns/jscode2session",
    /** POST, JSON body `{ grant_type: "client_credential", appid, secret, force_refresh? }`. */
    stableToken: "/cgi-bin/stable_token",
    subscribeSend: "/cgi-bin/message/subscribe/send",
    /** Answers raw image bytes on success, a JSON `{ errcode, errmsg }` on failure. */
    getUnlimited: "/wxa/getwxacodeunlimit",
    /** The phone code goes in the JSON body, not the query (UNCONFIRMED: community reports). */
    getPhoneNumber: "/wxa/business/getuserphonenumber",
  },
  /** Business calls carry the token as this query parameter — never in the body. */
  accessTokenParam: "access_token",
  code2SessionGrantType: "authorization_code",
  stableTokenGrantType: "client_credential",

  errcodes: {
    systemBusy: -1,
    /** On a business call: the access token is invalid or not the latest. On the token call: wrong AppSecret. */
    invalidCredential: 40001,
    invalidGrantType: 40002,
    invalidOpenid: 40003,
    invalidAppid: 40013,
    invalidAccessToken: 40014,
    invalidCode: 40029,
    invalidTemplateId: 40037,
    /** UNCONFIRMED (community): invalid arguments. */
    invalidArgs: 40097,
    /** Not in the reference; what code2Session is widely reported to answer for a wrong secret. */
    invalidAppSecret: 40125,
    /** UNCONFIRMED (community): scene holds characters outside the allowed set. */
    invalidScene: 40129,
    /** UNCONFIRMED (community): a js_code replayed. The reference's simulator checklist also allows 40029. */
    codeUsed: 40163,
    ipNotWhitelisted: 40164,
    /** UNCONFIRMED (community): scene too long, or the body is not JSON. */
    sceneTooLongOrBodyNotJson: 40169,
    highRiskUser: 40226,
    accessTokenMissing: 41001,
    appidMissing: 41002,
    appSecretMissing: 41004,
    codeMissing: 41008,
    invalidPage: 41030,
    accessTokenExpired: 42001,
    requireGet: 43001,
    requirePost: 43002,
    /** The user refused, or has no subscription credit left (one accept = one send). */
    subscriptionRefused: 43101,
    emptyPostData: 44002,
    /** Daily/frequency quota. */
    quotaExceeded: 45009,
    /** Per-minute quota (code2Session: 100 per user per minute on the older doc page). */
    minuteQuotaExceeded: 45011,
    dataFormatError: 47001,
    /** Template data invalid; errmsg names the offending key. */
    templateDataInvalid: 47003,
    apiUnauthorized: 48001,
  },

  /**
   * Codes that mean "this access token is no good" on a business call: refresh once, retry once
   * (the set wechatpy retries). On the token endpoint itself 40001 means a wrong secret: never retried.
   */
  tokenRejectedCodes: [40001, 40014, 42001],
  /** The platform refused the call before running it: back off and retry (not for single-use codes). */
  rateLimitCodes: [45011],
  /** A daily quota is used up: retrying within seconds cannot help, so it is never retried (category `rate_limit`). */
  quotaCodes: [45009],
  /** A normal outcome (no consent credit), never retried. */
  consentCodes: [43101],
  /** js_code / phone code invalid, expired or already used. The page must obtain a new code. */
  invalidCodeCodes: [40029, 40163],
  authenticationCodes: [40001, 40002, 40013, 40014, 40125, 41001, 41002, 41004, 42001],
  authorizationCodes: [40164, 40226, 48001],
  /**
   * What each known errcode means, in a few words, so an error names its cause and not just its number.
   * From the reference's code table and the errcode comments above.
   */
  explanations: {
    [-1]: "WeChat is busy; try again shortly",
    40001: "the access token is invalid or not the latest (on the token call: wrong AppSecret)",
    40002: "invalid grant_type",
    40003: "the openid is invalid or belongs to another mini-program",
    40013: "the AppID is invalid",
    40014: "the access token is invalid",
    40029: "the code is invalid or expired",
    40037: "the subscribe message template id is invalid",
    40097: "invalid arguments",
    40125: "the AppSecret is wrong",
    40129: "the scene contains characters that are not allowed",
    40163: "the code has already been used",
    40164: "the server's IP address is not on the mini-program's whitelist",
    40169: "the scene is too long or the body is not JSON",
    40226: "the user is blocked as high-risk",
    41001: "the access token is missing",
    41002: "the AppID is missing",
    41004: "the AppSecret is missing",
    41008: "the code is missing",
    41030: "page does not exist in the released mini-program (publish a version with it, or ask for a trial/develop code)",
    42001: "the access token has expired",
    43001: "the endpoint needs GET",
    43002: "the endpoint needs POST",
    43101: "the user has not subscribed (no consent credit left)",
    44002: "the request body is empty",
    45009: "the daily quota for this API is used up (resets at midnight, Beijing time)",
    45011: "too many calls in a short time",
    47001: "the request data is not in the expected format",
    47003: "the template data is invalid",
    48001: "the mini-program has not been granted this API",
  } as Readonly<Record<number, string>>,
  validationCodes: [40003, 40037, 40097, 40129, 40169, 41008, 41030, 43001, 43002, 44002, 47001, 47003],

  /**
   * Stable token: normal mode returns the same token while it is valid and rotates it in its last
   * 5 minutes, so a returned `expires_in` is ≥ 300. `force_refresh: true` invalidates the current
   * token (max 20/day, ≥ 30 s apart, otherwise "no refresh"). The SDK therefore recovers from a
   * rejected token with a normal-mode call first and forces only when that hands back the very token
   * just rejected — forcing on every 40001 would invalidate every other instance's token.
   */
  stableTokenRotationSeconds: 300,
  /** Used when a token answer lacks `expires_in` (the documented maximum). */
  defaultTokenLifetimeSeconds: 7200,

  /**
   * getUnlimited: success is image bytes, failure JSON. Told apart by Content-Type (`image/*` → bytes,
   * JSON/text → error). UNCONFIRMED: PNG vs JPEG (one SDK observed `image/jpeg`), so any `image/*` is
   * accepted; a missing/odd Content-Type falls back to sniffing for a leading `{`.
   */
  imageContentType: /^image\//i,

  /**
   * UNCONFIRMED: the access token is checked before any business logic runs, so a call rejected
   * with 40001/40014/42001 neither consumed a single-use phone code nor sent a message — which is
   * what makes the one retry after a token refresh safe for those calls.
   */
  tokenCheckedBeforeBusinessLogic: true,

  /** Trailing request id in errmsg (`... rid: 6129ee10-...`); kept as `requestId`, never string-matched. */
  ridPattern: /\brid:\s*([0-9A-Za-z-]+)/,
} as const;

/**
 * How a call may be sent again when its answer is lost or refused. Chosen per endpoint:
 * - `idempotent` (stable token normal mode, getUnlimited, reads): network errors, timeouts, 5xx,
 *   `-1` busy, unparsable bodies and rate limits are retried with backoff.
 * - `write` (subscribeMessage.send, forced token refresh): only answers proving the request did not
 *   run — a rate-limit refusal, a connection that never opened, a rejected token — are retried.
 *   A timeout or 5xx leaves the outcome unknown: surfaced, never resent (a user would get two messages).
 * - `single_use` (code2Session, getUserPhoneNumber): the code is consumed when the request arrives,
 *   so only a connection that never opened (and a rejected token) is retried; anything that may have
 *   reached the server — including 45011 and `-1` — is surfaced: the page must obtain a new code.
 */
export type RetryPolicy = "idempotent" | "write" | "single_use";
