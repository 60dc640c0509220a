import type { RateLimitRule, SandboxCalls, SandboxClock } from "@erpbridge/sandbox-kit";
import type { SandboxProtocol } from "./protocol.js";

export type { SandboxProtocol } from "./protocol.js";
export type { CallFilter, RateLimitRule, SandboxCalls, SandboxClock } from "@erpbridge/sandbox-kit";

/** A mini-program the sandbox knows. Demo values, not secrets. */
export interface SandboxApp {
  appId: string;
  appSecret: string;
}

export interface SandboxUser {
  openid: string;
  appId: string;
  unionid?: string;
}

export interface SandboxTemplate {
  templateId: string;
  appId: string;
  fieldKeys: string[];
  title?: string;
}

export interface SentMessage {
  appId: string;
  touser: string;
  templateId: string;
  data: Record<string, { value: string }>;
  page?: string;
  miniprogramState: string;
  lang: string;
  sentAt: number;
}

export interface GeneratedCode {
  appId: string;
  scene: string;
  page?: string;
  width: number;
  envVersion: string;
  checkPath: boolean;
  bytes: number;
}

/** A phone number for `users.phoneCode`: `"13800138000"` (CN), `"+1 2025550123"`, or explicit parts. */
export type PhoneInput = string | { countryCode: string; purePhoneNumber: string };

export type FaultSpec =
  /** Answers an HTTP error page (text/html) instead of the API. */
  | { kind: "http_error"; status?: 500 | 502 | 503 | 504; times: number; path?: string }
  /** Answers HTTP 200 `{ errcode, errmsg }` instead of running the call (nothing consumed or sent). */
  | { kind: "errcode"; errcode: number; errmsg?: string; times: number; path?: string }
  /** Delays matching calls (default: every one until cleared). */
  | { kind: "latency"; ms: number; times?: number; path?: string }
  /** Answers HTTP 200 with truncated JSON. */
  | { kind: "malformed_json"; times: number; path?: string };

export interface WechatSandboxOptions {
  /** Default 0 (random free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: one demo app. The first app is `demoApp`. */
  apps?: SandboxApp[];
  /** Default 7200. */
  tokenLifetimeSeconds?: number;
  /** js_code and phone-code lifetime; default 300 000 (5 minutes). */
  codeLifetimeMs?: number;
  /** Released pages (for `check_path` and subscribe `page`); default `["pages/index/index"]`. */
  pages?: string[];
  /** Subscription templates of the demo app (or `appId`); default one demo template. */
  templates?: Array<{ templateId: string; fieldKeys: string[]; appId?: string; title?: string }>;
  /** Default none. Over it, a call answers 45011 (minute quota) without running; `account` is an appId. */
  rateLimit?: RateLimitRule | null;
  logger?: (line: string) => void;
  /** Overrides of the protocol choices (see protocol.ts). */
  protocol?: Partial<SandboxProtocol>;
}

export interface SandboxUsers {
  /** Registers a user of an app (default: the demo app); openid/unionid generated when omitted. */
  add(user?: { openid?: string; unionid?: string; appId?: string }): SandboxUser;
  get(openid: string): SandboxUser | undefined;
  list(): SandboxUser[];
  /** Binds a unionid (as if the app were bound to an Open Platform account). */
  link(openid: string, unionid?: string): string;
  /** What the `getPhoneNumber` button gives the page: a single-use code (5 min) for `getUserPhoneNumber`. */
  phoneCode(openid: string, phone: PhoneInput): string;
}

export interface SandboxCodes {
  /** What `wx.login` gives the page for this user: valid `codeLifetimeMs`, works once. Unknown openids are registered. */
  issue(openid: string, options?: { appId?: string }): string;
}

export interface SandboxConsent {
  /** What accepting `wx.requestSubscribeMessage` gives: `n` send credits for (openid, template). Returns the credits now. */
  grant(openid: string, templateId: string, n?: number): number;
  remaining(openid: string, templateId: string): number;
  /** The user unsubscribed: credits drop to 0. */
  revoke(openid: string, templateId: string): void;
}

export interface SandboxTemplates {
  add(templateId: string, fieldKeys: string[], options?: { appId?: string; title?: string }): SandboxTemplate;
  list(appId?: string): SandboxTemplate[];
  remove(templateId: string): boolean;
}

export interface SandboxMessages {
  /** Messages delivered so far (copies), optionally filtered. */
  sent(filter?: { touser?: string; templateId?: string; appId?: string }): SentMessage[];
  clear(): void;
}

export interface SandboxPages {
  add(page: string): void;
  list(): string[];
}

export interface SandboxFaults {
  inject(spec: FaultSpec): void;
  /** Every access token issued so far is expired now (→ 42001). */
  expireTokens(): void;
  /** Sets the rule of `rule.account` (an appId) or the general one; null removes every rule. */
  rateLimit(rule: RateLimitRule | null): void;
  rateLimits(): RateLimitRule[];
  /** Removes injected faults and restores the rate limit configured at start. */
  clear(): void;
  /** Active faults with their remaining counts. */
  list(): Array<FaultSpec & { remaining: number }>;
}

export interface SandboxTokens {
  /** The app's current stable token, if any (for assertions). */
  current(appId?: string): string | undefined;
  /** Tokens minted so far: stable (normal + forced) and classic. */
  stats(appId?: string): { stableIssued: number; forced: number; classicIssued: number };
}

export interface WechatSandbox {
  /** "http://127.0.0.1:<port>" — the SDK's baseUrl. */
  readonly url: string;
  readonly port: number;
  readonly demoApp: SandboxApp;
  /** The demo app's default template (registered unless `templates` was given). */
  readonly demoTemplate: SandboxTemplate | undefined;
  readonly protocol: Readonly<SandboxProtocol>;
  apps(): SandboxApp[];
  addApp(app?: Partial<SandboxApp>): SandboxApp;
  /** Closes the server and its keep-alive sockets. */
  stop(): Promise<void>;
  readonly users: SandboxUsers;
  readonly codes: SandboxCodes;
  readonly consent: SandboxConsent;
  readonly templates: SandboxTemplates;
  readonly messages: SandboxMessages;
  readonly pages: SandboxPages;
  readonly wxacodes: { generated(): GeneratedCode[] };
  readonly tokens: SandboxTokens;
  readonly faults: SandboxFaults;
  /** Arrivals per path and per app (its `appid` parameter or the app of its access token). */
  readonly calls: SandboxCalls;
  readonly clock: SandboxClock;
}
