/**
 * Every wire-level choice the sandbox makes, in one place (reference: wechat-wecom.md part A).
 * Items the reference marks UNCONFIRMED say so and can be overridden per sandbox with
 * `startWechatSandbox({ protocol: { ... } })`.
 */
export interface SandboxProtocol {
  paths: {
    code2Session: string;
    stableToken: string;
    /** Classic `GET /cgi-bin/token` (each call mints a new token; the previous one lives on for a grace period). */
    classicToken: string;
    subscribeSend: string;
    getUnlimited: string;
    getPhoneNumber: string;
  };
  /** Seconds a new access token lives (documented ≤ 7200). */
  tokenLifetimeSeconds: number;
  /** Stable token: rotated by a normal call in its last N seconds (so `expires_in` ≥ N). Capped at half the lifetime. */
  stableRotationWindowSeconds: number;
  /** force_refresh allowance: per natural day (UTC+8) and minimum spacing. Over it: "no refresh" (current token, no error). */
  forceRefreshPerDay: number;
  forceRefreshMinIntervalSeconds: number;
  /** UNCONFIRMED whether an over-limit force_refresh errors; the doc says it just does not refresh. */
  forceRefreshOverLimit: "current_token";
  /** Classic token: how long the previous token stays valid after a new one is minted. */
  classicGraceSeconds: number;
  /** js_code lifetime (5 min) and phone-code lifetime (5 min). */
  codeLifetimeMs: number;
  /** UNCONFIRMED (community): a replayed js_code answers 40163; 40029 is the documented fallback. */
  codeReuseErrcode: number;
  /** Expired or unknown js_code. */
  codeInvalidErrcode: number;
  /** Not in the reference: code2Session with a wrong secret (widely reported as 40125). Classic/stable token use 40001. */
  code2SessionBadSecretErrcode: number;
  /** Current doc: `errcode`/`errmsg` only on failure. Set true for the older sample that shows `errcode: 0`. */
  code2SessionErrcodeOnSuccess: boolean;
  /** Older doc: 100 code2Session calls per user per minute, then 45011. */
  code2SessionPerUserPerMinute: number;
  /** UNCONFIRMED (community): phone code invalid / expired / reused. */
  phoneCodeInvalidErrcode: number;
  /** UNCONFIRMED (community): phone code of another app. */
  phoneCodeOtherAppErrcode: number;
  /** UNCONFIRMED: the doc's sample shows `countryCode` as a number, its table as a string. */
  phoneCountryCodeAsNumber: boolean;
  /** UNCONFIRMED (community): scene longer than 32 / body not JSON → 40169; characters outside the set → 40129. */
  sceneTooLongErrcode: number;
  sceneCharsetErrcode: number;
  /** Max visible characters in `scene`. */
  sceneMaxLength: number;
  /** UNCONFIRMED (community): other invalid arguments (width out of range, bad env_version, …). */
  invalidArgsErrcode: number;
  /** `width` bounds (documented 280–1280, default 430). */
  widthMin: number;
  widthMax: number;
  widthDefault: number;
  /** UNCONFIRMED: PNG vs JPEG. The sandbox sends a real PNG with this Content-Type. */
  wxacodeContentType: string;
  /** UNCONFIRMED: a body that is not JSON on other POST routes (OA global "data format error"). */
  bodyNotJsonErrcode: number;
  /** UNCONFIRMED: subscribe `page` is checked against the released pages only when `miniprogram_state` is formal. */
  subscribePageCheckOnlyWhenFormal: boolean;
  /** UNCONFIRMED: a template key missing from `data` answers 47003 (`data.<key>.value is empty`) rather than rendering blank. */
  subscribeRequireAllFields: boolean;
  /** Real errmsg strings end with a request id; clients must never string-match. */
  appendRid: boolean;
  /** Content-Type of JSON answers. */
  jsonContentType: string;
}

export const DEFAULT_PROTOCOL: SandboxProtocol = {
  paths: {
    code2Session: "/sns/jscode2session",
    stableToken: "/cgi-bin/stable_token",
    classicToken: "/cgi-bin/token",
    subscribeSend: "/cgi-bin/message/subscribe/send",
    getUnlimited: "/wxa/getwxacodeunlimit",
    getPhoneNumber: "/wxa/business/getuserphonenumber",
  },
  tokenLifetimeSeconds: 7200,
  stableRotationWindowSeconds: 300,
  forceRefreshPerDay: 20,
  forceRefreshMinIntervalSeconds: 30,
  forceRefreshOverLimit: "current_token",
  classicGraceSeconds: 300,
  codeLifetimeMs: 300_000,
  codeReuseErrcode: 40163,
  codeInvalidErrcode: 40029,
  code2SessionBadSecretErrcode: 40125,
  code2SessionErrcodeOnSuccess: false,
  code2SessionPerUserPerMinute: 100,
  phoneCodeInvalidErrcode: 40029,
  phoneCodeOtherAppErrcode: 40013,
  phoneCountryCodeAsNumber: true,
  sceneTooLongErrcode: 40169,
  sceneCharsetErrcode: 40129,
  sceneMaxLength: 32,
  invalidArgsErrcode: 40097,
  widthMin: 280,
  widthMax: 1280,
  widthDefault: 430,
  wxacodeContentType: "image/png",
  bodyNotJsonErrcode: 47001,
  subscribePageCheckOnlyWhenFormal: true,
  subscribeRequireAllFields: true,
  appendRid: true,
  jsonContentType: "application/json; encoding=utf-8",
};

export function resolveProtocol(overrides?: Partial<SandboxProtocol>): SandboxProtocol {
  return { ...DEFAULT_PROTOCOL, ...(overrides ?? {}), paths: { ...DEFAULT_PROTOCOL.paths, ...(overrides?.paths ?? {}) } };
}

/** errcode → errmsg, worded like the platform's (English) messages. */
export const ERRMSG: Record<number, string> = {
  [-1]: "system error",
  40001: "invalid credential, access_token is invalid or not latest",
  40002: "invalid grant_type",
  40003: "invalid openid",
  40013: "invalid appid",
  40014: "invalid access_token",
  40029: "invalid code",
  40037: "invalid template_id",
  40097: "invalid args",
  40125: "invalid appsecret",
  40129: "invalid scene",
  40163: "code been used",
  40169: "invalid length for scene, or the data is not json string",
  41001: "access_token missing",
  41002: "appid missing",
  41004: "appsecret missing",
  41008: "missing code",
  41030: "invalid page",
  42001: "access_token expired",
  43001: "require GET method",
  43002: "require POST method",
  43101: "user refuse to accept the msg",
  45009: "reach max api daily quota limit",
  45011: "api minute-quota reach limit mustslower retry next minute",
  47001: "data format error",
  47003: "argument invalid!",
  48001: "api unauthorized",
};

/** Characters allowed in a getUnlimited `scene` (besides [0-9A-Za-z]); `%` is not among them. */
export const SCENE_PATTERN = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]*$/;

const TIME_PART = /^(\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}日?)?\s*(\d{1,2}:\d{2}(:\d{2})?)?$/;
const timeOrDate = (v: string) => v.split("~").every((part) => part.trim() !== "" && TIME_PART.test(part.trim()));

/**
 * Value rules of subscribe-message keys by prefix (`thing1` → `thing`); a violation answers 47003
 * naming the key. Keys with a prefix not listed here are accepted as any non-empty text.
 */
export const SUBSCRIBE_VALUE_RULES: Record<string, { rule: string; test: (value: string) => boolean }> = {
  thing: { rule: "at most 20 characters", test: (v) => [...v].length >= 1 && [...v].length <= 20 },
  number: { rule: "at most 32 digits, decimals allowed", test: (v) => v.length <= 32 && /^-?\d+(\.\d+)?$/.test(v) },
  letter: { rule: "at most 32 letters", test: (v) => /^[A-Za-z]{1,32}$/.test(v) },
  symbol: { rule: "at most 5 symbols", test: (v) => /^[^\p{L}\p{N}\s]{1,5}$/u.test(v) },
  character_string: { rule: "at most 32 digits, letters or symbols", test: (v) => /^[\x21-\x7e]{1,32}$/.test(v) },
  time: { rule: "a 24-hour time or date, optionally a range joined by ~", test: timeOrDate },
  date: { rule: "a date, optionally a range joined by ~", test: timeOrDate },
  amount: { rule: "one currency sign and at most 10 digits, optional trailing 元", test: (v) => /^[¥￥$€£]?\d{1,10}(\.\d{1,2})?元?$/.test(v) },
  phone_number: { rule: "at most 17 digits or symbols", test: (v) => /^[\d+\-() ]{1,17}$/.test(v) },
  car_number: {
    rule: "at most 8 characters, first and last may be Chinese",
    test: (v) => [...v].length <= 8 && /^[\u4e00-\u9fa5A-Za-z0-9][A-Za-z0-9]*[\u4e00-\u9fa5A-Za-z0-9]?$/.test(v),
  },
  name: { rule: "at most 10 Chinese characters or 20 letters", test: (v) => /^[\u4e00-\u9fa5·]{1,10}$/.test(v) || /^[A-Za-z ]{1,20}$/.test(v) },
  phrase: { rule: "at most 5 Chinese characters", test: (v) => /^[\u4e00-\u9fa5]{1,5}$/.test(v) },
};

/** `thing12` → `thing`; `character_string3` → `character_string`. */
export const keyPrefix = (key: string) => /^([a-z_]+?)\d+$/.exec(key)?.[1];

export const MINIPROGRAM_STATES = ["developer", "trial", "formal"] as const;
export const LANGS = ["zh_CN", "en_US", "zh_HK", "zh_TW"] as const;
export const ENV_VERSIONS = ["release", "trial", "develop"] as const;
