import type { SandboxClock } from "@erpbridge/sandbox-kit";
import { ApiError, parseBody, str, type Answer } from "./answers.js";
import { hex, newLoginCode, newOpenid, newPhoneCode, newSessionKey } from "./ids.js";
import { LANGS, MINIPROGRAM_STATES, SUBSCRIBE_VALUE_RULES, keyPrefix, type SandboxProtocol } from "./protocol.js";
import { AccessTokens } from "./tokens.js";
import type { PhoneInput, SandboxApp, SandboxTemplate, SandboxUser, SentMessage } from "./types.js";
import { WxaCodes } from "./wxacode.js";

interface LoginCode {
  openid: string;
  appId: string;
  expiresAt: number;
  used: boolean;
}

interface PhoneCode extends LoginCode {
  countryCode: string;
  purePhoneNumber: string;
}

/** All sandbox state and the API's rules, free of HTTP: apps, users, codes, templates, consent; tokens and codes in their own modules. */
export class World {
  readonly apps = new Map<string, SandboxApp>();
  readonly users = new Map<string, SandboxUser>();
  readonly templates = new Map<string, SandboxTemplate>();
  readonly pages = new Set<string>();
  readonly messages: SentMessage[] = [];
  readonly #codes = new Map<string, LoginCode>();
  readonly #phoneCodes = new Map<string, PhoneCode>();
  readonly #consent = new Map<string, number>();
  readonly #logins = new Map<string, number[]>();

  readonly tokens: AccessTokens;
  readonly wxacodes: WxaCodes;

  constructor(
    readonly protocol: SandboxProtocol,
    readonly clock: SandboxClock,
  ) {
    this.tokens = new AccessTokens(protocol, clock, this.apps);
    this.wxacodes = new WxaCodes(protocol, this.pages);
  }

  // ---------- registry ----------

  addApp(app: Partial<SandboxApp> = {}): SandboxApp {
    const appId = app.appId ?? `wx${hex(8)}`;
    if (this.apps.has(appId)) throw new Error(`app ${appId} already exists`);
    const created = { appId, appSecret: app.appSecret ?? hex(16) };
    this.apps.set(appId, created);
    return { ...created };
  }

  #app(appId: string | undefined, fallback: string): SandboxApp {
    const id = appId ?? fallback;
    const app = this.apps.get(id);
    if (!app) throw new Error(`unknown appId: ${id}`);
    return app;
  }

  addUser(user: { openid?: string; unionid?: string; appId?: string }, defaultAppId: string): SandboxUser {
    const appId = this.#app(user.appId, defaultAppId).appId;
    const openid = user.openid ?? newOpenid();
    const existing = this.users.get(openid);
    if (existing) {
      if (existing.appId !== appId) throw new Error(`openid ${openid} belongs to app ${existing.appId}`);
      if (user.unionid) existing.unionid = user.unionid;
      return { ...existing };
    }
    const created: SandboxUser = { openid, appId, ...(user.unionid ? { unionid: user.unionid } : {}) };
    this.users.set(openid, created);
    return { ...created };
  }

  /** The user, registered under `appId` (default app) when unknown. */
  ensureUser(openid: string, appId: string | undefined, defaultAppId: string): SandboxUser {
    if (typeof openid !== "string" || openid === "") throw new Error("openid is required");
    const known = this.users.get(openid);
    if (known && appId !== undefined && known.appId !== appId) throw new Error(`openid ${openid} belongs to app ${known.appId}`);
    return known ?? this.addUser({ openid, appId }, defaultAppId);
  }

  link(openid: string, unionid?: string): string {
    const user = this.users.get(openid);
    if (!user) throw new Error(`unknown openid: ${openid}`);
    user.unionid = unionid ?? user.unionid ?? newOpenid();
    return user.unionid;
  }

  issueCode(user: SandboxUser): string {
    this.#sweep(this.#codes);
    const code = newLoginCode();
    this.#codes.set(code, { openid: user.openid, appId: user.appId, expiresAt: this.clock.now() + this.protocol.codeLifetimeMs, used: false });
    return code;
  }

  phoneCode(user: SandboxUser, phone: PhoneInput): string {
    const parsed = parsePhone(phone);
    this.#sweep(this.#phoneCodes);
    const code = newPhoneCode();
    this.#phoneCodes.set(code, {
      openid: user.openid,
      appId: user.appId,
      expiresAt: this.clock.now() + this.protocol.codeLifetimeMs,
      used: false,
      ...parsed,
    });
    return code;
  }

  /** Drops codes that expired a lifetime ago, once the map is large. */
  #sweep(codes: Map<string, LoginCode>): void {
    if (codes.size < 10_000) return;
    const cutoff = this.clock.now() - this.protocol.codeLifetimeMs;
    for (const [code, entry] of codes) if (entry.expiresAt < cutoff) codes.delete(code);
  }

  addTemplate(templateId: string, fieldKeys: string[], options: { appId?: string; title?: string }, defaultAppId: string): SandboxTemplate {
    if (typeof templateId !== "string" || templateId === "") throw new Error("templateId is required");
    if (!Array.isArray(fieldKeys) || fieldKeys.length === 0) throw new Error("fieldKeys must be a non-empty array");
    for (const key of fieldKeys) {
      if (typeof key !== "string" || !keyPrefix(key)) throw new Error(`invalid field key: ${String(key)} (expected e.g. thing1, time2)`);
    }
    const appId = this.#app(options.appId, defaultAppId).appId;
    const template: SandboxTemplate = { templateId, appId, fieldKeys: [...fieldKeys], ...(options.title ? { title: options.title } : {}) };
    this.templates.set(templateId, template);
    return { ...template, fieldKeys: [...template.fieldKeys] };
  }

  #consentKey = (openid: string, templateId: string) => `${openid}\n${templateId}`;

  grant(openid: string, templateId: string, n: number, defaultAppId: string): number {
    const template = this.templates.get(templateId);
    if (!template) throw new Error(`unknown templateId: ${templateId}`);
    if (!Number.isInteger(n) || n < 1) throw new Error("n must be an integer >= 1");
    this.ensureUser(openid, template.appId, defaultAppId);
    const key = this.#consentKey(openid, templateId);
    const next = (this.#consent.get(key) ?? 0) + n;
    this.#consent.set(key, next);
    return next;
  }

  remaining(openid: string, templateId: string): number {
    return this.#consent.get(this.#consentKey(openid, templateId)) ?? 0;
  }

  revoke(openid: string, templateId: string): void {
    this.#consent.delete(this.#consentKey(openid, templateId));
  }

  // ---------- endpoints that use the registry ----------

  /** `GET /sns/jscode2session`. */
  code2Session(query: URLSearchParams): Answer {
    const p = this.protocol;
    const appid = query.get("appid");
    const secret = query.get("secret");
    const jsCode = query.get("js_code");
    if (!appid) throw new ApiError(41002);
    if (!secret) throw new ApiError(41004);
    if (!jsCode) throw new ApiError(41008);
    if (query.get("grant_type") !== "authorization_code") throw new ApiError(40002);
    const app = this.tokens.credentials(appid, secret, p.code2SessionBadSecretErrcode);

    const now = this.clock.now();
    const code = this.#codes.get(jsCode);
    if (!code || code.appId !== app.appId || code.expiresAt <= now) throw new ApiError(p.codeInvalidErrcode);
    if (code.used) throw new ApiError(p.codeReuseErrcode);

    // Per-user minute quota, checked before the code is consumed (the call is refused, not run).
    const recent = (this.#logins.get(code.openid) ?? []).filter((t) => t > now - 60_000);
    if (recent.length >= p.code2SessionPerUserPerMinute) {
      this.#logins.set(code.openid, recent);
      throw new ApiError(45011);
    }
    recent.push(now);
    this.#logins.set(code.openid, recent);

    code.used = true;
    const user = this.users.get(code.openid)!;
    return {
      kind: "json",
      body: {
        openid: user.openid,
        session_key: newSessionKey(),
        ...(user.unionid ? { unionid: user.unionid } : {}),
        ...(p.code2SessionErrcodeOnSuccess ? { errcode: 0, errmsg: "ok" } : {}),
      },
    };
  }

  /** `POST /cgi-bin/message/subscribe/send`: validates, consumes one consent credit, records the message. */
  subscribeSend(app: SandboxApp, rawBody: string): Answer {
    const p = this.protocol;
    const body = parseBody(rawBody, p.bodyNotJsonErrcode);
    const touser = str(body.touser);
    const user = touser ? this.users.get(touser) : undefined;
    if (!user || user.appId !== app.appId) throw new ApiError(40003);
    const templateId = str(body.template_id);
    const template = templateId ? this.templates.get(templateId) : undefined;
    if (!template || template.appId !== app.appId) throw new ApiError(40037);

    const state = body.miniprogram_state ?? "formal";
    if (!(MINIPROGRAM_STATES as readonly unknown[]).includes(state)) throw new ApiError(p.invalidArgsErrcode, "miniprogram_state");
    const lang = body.lang ?? "zh_CN";
    if (!(LANGS as readonly unknown[]).includes(lang)) throw new ApiError(p.invalidArgsErrcode, "lang");

    const data = validateData(body.data, template, p.subscribeRequireAllFields);

    let page: string | undefined;
    if (body.page !== undefined) {
      page = typeof body.page === "string" ? body.page : undefined;
      if (page === undefined) throw new ApiError(41030);
      const path = page.replace(/^\//, "").split("?")[0]!;
      const checked = state === "formal" || !p.subscribePageCheckOnlyWhenFormal;
      if (page !== "" && checked && !this.pages.has(path)) throw new ApiError(41030);
    }

    const key = this.#consentKey(user.openid, template.templateId);
    const credits = this.#consent.get(key) ?? 0;
    if (credits <= 0) throw new ApiError(43101);
    if (credits === 1) this.#consent.delete(key);
    else this.#consent.set(key, credits - 1);

    this.messages.push({
      appId: app.appId,
      touser: user.openid,
      templateId: template.templateId,
      data,
      ...(page ? { page } : {}),
      miniprogramState: String(state),
      lang: String(lang),
      sentAt: this.clock.now(),
    });
    return { kind: "json", body: { errcode: 0, errmsg: "ok" } };
  }

  /** `POST /wxa/business/getuserphonenumber` with `{ code }` in the JSON body. */
  getPhoneNumber(app: SandboxApp, rawBody: string): Answer {
    const p = this.protocol;
    const body = parseBody(rawBody, p.bodyNotJsonErrcode);
    const codeText = str(body.code);
    if (!codeText) throw new ApiError(41008);
    const code = this.#phoneCodes.get(codeText);
    if (!code || code.expiresAt <= this.clock.now() || code.used) throw new ApiError(p.phoneCodeInvalidErrcode);
    if (code.appId !== app.appId) throw new ApiError(p.phoneCodeOtherAppErrcode);
    code.used = true;
    const cn = code.countryCode === "86";
    return {
      kind: "json",
      body: {
        errcode: 0,
        errmsg: "ok",
        phone_info: {
          phoneNumber: cn ? code.purePhoneNumber : `+${code.countryCode}${code.purePhoneNumber}`,
          purePhoneNumber: code.purePhoneNumber,
          countryCode: p.phoneCountryCodeAsNumber ? Number(code.countryCode) : code.countryCode,
          watermark: { timestamp: Math.floor(this.clock.now() / 1000), appid: app.appId },
        },
      },
    };
  }
}

/** `{ key: { value } }` with keys from the template and values that follow the key's prefix rule → 47003. */
function validateData(input: unknown, template: SandboxTemplate, requireAll: boolean): Record<string, { value: string }> {
  if (!input || typeof input !== "object" || Array.isArray(input)) throw new ApiError(47003, "data must be an object");
  const data = input as Record<string, unknown>;
  const out: Record<string, { value: string }> = {};
  for (const key of Object.keys(data)) {
    if (!template.fieldKeys.includes(key)) throw new ApiError(47003, `data.${key} is not a field of the template`);
  }
  for (const key of template.fieldKeys) {
    const entry = data[key];
    if (entry === undefined) {
      if (requireAll) throw new ApiError(47003, `data.${key}.value is empty`);
      continue;
    }
    const raw = entry && typeof entry === "object" ? (entry as { value?: unknown }).value : undefined;
    if ((typeof raw !== "string" && typeof raw !== "number") || String(raw) === "") {
      throw new ApiError(47003, `data.${key}.value is empty`);
    }
    const value = String(raw);
    const rule = SUBSCRIBE_VALUE_RULES[keyPrefix(key) ?? ""];
    if (rule && !rule.test(value)) throw new ApiError(47003, `data.${key}.value invalid: ${rule.rule}`);
    out[key] = { value };
  }
  return out;
}

function parsePhone(phone: PhoneInput): { countryCode: string; purePhoneNumber: string } {
  if (phone && typeof phone === "object") {
    if (!/^\d{1,4}$/.test(phone.countryCode) || !/^\d{4,15}$/.test(phone.purePhoneNumber)) throw new Error("invalid phone");
    return { countryCode: phone.countryCode, purePhoneNumber: phone.purePhoneNumber };
  }
  const text = String(phone ?? "").trim();
  const intl = /^\+(\d{1,4})[\s-]?(\d{4,15})$/.exec(text);
  if (intl) return { countryCode: intl[1]!, purePhoneNumber: intl[2]! };
  if (/^\d{4,15}$/.test(text)) return { countryCode: "86", purePhoneNumber: text };
  throw new Error(`invalid phone: ${text} (use "13800138000" or "+1 2025550123")`);
}

export const demoAppDefaults = (): SandboxApp => ({ appId: "wx5a3b0c1d2e3f4a5b", appSecret: "5b7e2c9d4f1a8e3b6c0d9f2a7e4b1c8d" });
export const demoTemplateDefaults = () => ({
  templateId: "SbxDeliverySigned-Tmpl-0001",
  fieldKeys: ["character_string1", "thing2", "time3", "phrase4"],
  title: "送货签收通知",
});
