/** What `wx.login`'s code buys on the server. `sessionKey` stays server-side: it is masked in JSON and inspect output. */
export interface Code2SessionResult {
  openid: string;
  /** Present only when the app is bound to an Open Platform account. */
  unionid?: string;
  sessionKey: string;
}

export interface StableAccessToken {
  accessToken: string;
  /** Seconds left, as the platform reported them (≥ 300 while valid, per the stable-token rules). */
  expiresIn: number;
}

export type MiniprogramState = "developer" | "trial" | "formal";
export type SubscribeLang = "zh_CN" | "en_US" | "zh_HK" | "zh_TW";

/** Template data: `{ thing1: { value: "…" } }`; a bare string/number is shorthand for `{ value }`. */
export type SubscribeData = Record<string, { value: string | number } | string | number>;

export interface SubscribeMessage {
  /** Recipient openid. */
  touser: string;
  templateId: string;
  /** In-app page, may carry a query (`pages/order/detail?id=1`); omitted → the card is not clickable. */
  page?: string;
  data: SubscribeData;
  /** Default `formal`. */
  miniprogramState?: MiniprogramState;
  /** Default `zh_CN`. */
  lang?: SubscribeLang;
}

export interface UnlimitedCodeOptions {
  /** ≤ 32 visible characters from `[0-9A-Za-z]` and `!#$&'()*+,/:;=?@-._~`. */
  scene: string;
  /** Default: the home page. No leading `/`, no query (parameters go in `scene`). */
  page?: string;
  /** Pixels, 280–1280; default 430. */
  width?: number;
  /** Default true: the page must exist in the released version. */
  checkPath?: boolean;
  /** Default `release`. */
  envVersion?: "release" | "trial" | "develop";
  autoColor?: boolean;
  lineColor?: { r: number; g: number; b: number };
  /** Transparent background. */
  isHyaline?: boolean;
}

export interface PhoneInfo {
  /** With country code for non-CN numbers. */
  phoneNumber: string;
  purePhoneNumber: string;
  /** Normalised to a string (the API's sample shows a number, its table a string). */
  countryCode: string;
  watermark: { timestamp: number; appid: string };
}
