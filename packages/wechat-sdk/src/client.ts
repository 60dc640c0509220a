import { inspect } from "node:util";
import { clientFactory, compose, MemoryTokenStore, retry, type StoredToken } from "@erpbridge/integration-kit";
import { AccessTokenManager } from "./access-token.js";
import { type ResolvedConfig, type WechatClientConfig, resolveConfig } from "./config.js";
import { WechatError } from "./errors.js";
import { authRecovery } from "./plugins/auth-recovery.js";
import { type RetryPolicy, WECHAT_PROTOCOL } from "./protocol.js";
import { type HttpMethod, type QueryValue, type Send, createTransport } from "./transport.js";
import type {
  Code2SessionResult,
  PhoneInfo,
  StableAccessToken,
  SubscribeData,
  SubscribeMessage,
  UnlimitedCodeOptions,
} from "./types.js";

const paths = WECHAT_PROTOCOL.paths;

interface TokenAnswer {
  access_token?: string;
  expires_in?: number | string;
}

interface SessionAnswer {
  openid?: string;
  unionid?: string;
  session_key?: string;
}

interface PhoneAnswer {
  phone_info?: {
    phoneNumber?: string;
    purePhoneNumber?: string;
    countryCode?: string | number;
    watermark?: { timestamp?: number | string; appid?: string };
  };
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) throw new TypeError(`${field} is required`);
  return value;
}

/** session_key is for the server only: masked when the result is serialised or inspected. */
function sessionResult(openid: string, unionid: string | undefined, sessionKey: string): Code2SessionResult {
  const result: Code2SessionResult = { openid, ...(unionid ? { unionid } : {}), sessionKey };
  const masked = () => ({ openid, ...(unionid ? { unionid } : {}), sessionKey: "[redacted]" });
  Object.defineProperty(result, "toJSON", { value: masked, enumerable: false });
  Object.defineProperty(result, inspect.custom, { value: () => masked(), enumerable: false });
  return result;
}

export class WechatMiniProgramClient {
  readonly config: Readonly<Omit<ResolvedConfig, "appSecret">>;
  readonly #appSecret: string;
  readonly #tokens: AccessTokenManager;
  /** Business calls: your plugins → token (refresh once on rejection) → retry → send. */
  readonly #send: Send;
  /** Calls without an access token (code2Session, stable_token): retry → send. */
  readonly #sendPlain: Send;

  constructor(input: WechatClientConfig) {
    const config = resolveConfig(input);
    const { appSecret, ...visible } = config;
    this.config = visible;
    this.#appSecret = appSecret;

    const core = createTransport({
      baseUrl: config.baseUrl,
      timeoutMs: config.timeoutMs,
      fetch: config.fetch,
      secrets: () => [this.#appSecret, ...this.#tokens.recentTokens()],
      onCall: config.onCall,
    });
    this.#sendPlain = compose(core, retry(config.retry));
    this.#tokens = new AccessTokenManager({
      store: config.tokenStore ?? new MemoryTokenStore(),
      key: `wechat:${config.appId}`,
      refreshWindowMs: config.tokenRefreshWindowSeconds * 1000,
      fetchToken: (force) => this.#requestStableToken(force),
      forceRefreshIntervalMs: config.forceRefreshIntervalSeconds * 1000,
      logger: config.logger,
    });
    // The token step is outermost, so a rejected token is cured once per call whatever retry does.
    this.#send = compose(core, ...(config.plugins ?? []), authRecovery({ tokens: this.#tokens }), retry(config.retry));
  }

  /**
   * Exchanges a `wx.login` code for the user's openid (and unionid, session_key). The code is
   * single-use: this call is never resent once the request may have reached WeChat.
   */
  async code2Session(jsCode: string): Promise<Code2SessionResult> {
    requireString(jsCode, "jsCode");
    const { data } = await this.#sendPlain<SessionAnswer>({
      method: "GET",
      path: paths.code2Session,
      query: {
        appid: this.config.appId,
        secret: this.#appSecret,
        js_code: jsCode,
        grant_type: WECHAT_PROTOCOL.code2SessionGrantType,
      },
      auth: "none",
      retryPolicy: "single_use",
    });
    if (!data.openid || !data.session_key) throw this.#malformed("GET", paths.code2Session, "openid or session_key");
    return sessionResult(data.openid, data.unionid, data.session_key);
  }

  /**
   * Calls `POST /cgi-bin/stable_token` now (bypassing the cache, single-flight) and caches the answer.
   * `forceRefresh` invalidates the current token platform-wide — every instance's — and is limited
   * to 20 a day, 30 s apart. Prefer `token.get()`.
   */
  async getStableAccessToken(options: { forceRefresh?: boolean } = {}): Promise<StableAccessToken> {
    const stored = await this.#tokens.refresh(options.forceRefresh === true);
    return { accessToken: stored.token, expiresIn: Math.max(0, Math.floor((stored.expiresAt - Date.now()) / 1000)) };
  }

  readonly token = {
    /** A valid access token (cached unless inside the refresh window). */
    get: (): Promise<string> => this.#tokens.get(),
    /** Fetch the token now (normal mode, or forced). Returns its expiry, never the token itself. */
    refresh: async (options: { force?: boolean } = {}): Promise<Omit<StoredToken, "token">> => {
      const { token: _token, ...rest } = await this.#tokens.refresh(options.force === true);
      return rest;
    },
    /** Expiry and last refresh of the cached token, if any. */
    status: () => this.#tokens.status(),
  };

  readonly subscribeMessage = {
    /**
     * Sends a subscribe message (one consent credit per send). 43101 — no credit — is a normal
     * outcome, thrown as category `consent` and never retried. A timeout or 5xx is not resent either
     * (the user might get it twice); a rate-limit refusal is retried with backoff.
     */
    send: async (message: SubscribeMessage): Promise<void> => {
      requireString(message?.touser, "touser");
      requireString(message?.templateId, "templateId");
      if (!message.data || typeof message.data !== "object") throw new TypeError("data is required");
      await this.#send({
        method: "POST",
        path: paths.subscribeSend,
        body: {
          touser: message.touser,
          template_id: message.templateId,
          page: message.page,
          data: normaliseData(message.data),
          miniprogram_state: message.miniprogramState,
          lang: message.lang,
        },
        retryPolicy: "write",
      });
    },
  };

  readonly wxacode = {
    /** An unlimited mini-program code as image bytes (PNG from the sandbox; any `image/*` accepted). */
    getUnlimited: async (options: UnlimitedCodeOptions): Promise<Buffer> => {
      if (typeof options?.scene !== "string") throw new TypeError("scene is required");
      const { data } = await this.#send<Buffer>({
        method: "POST",
        path: paths.getUnlimited,
        body: {
          scene: options.scene,
          page: options.page,
          width: options.width,
          check_path: options.checkPath,
          env_version: options.envVersion,
          auto_color: options.autoColor,
          line_color: options.lineColor,
          is_hyaline: options.isHyaline,
        },
        retryPolicy: "idempotent",
        accept: "image",
      });
      return data;
    },
  };

  /** The phone number behind a `getPhoneNumber` button code (not a `wx.login` code). Single-use. */
  async getUserPhoneNumber(code: string): Promise<PhoneInfo> {
    requireString(code, "code");
    const { data } = await this.#send<PhoneAnswer>({
      method: "POST",
      path: paths.getPhoneNumber,
      body: { code },
      retryPolicy: "single_use",
    });
    const info = data.phone_info;
    if (!info?.phoneNumber || !info.purePhoneNumber) throw this.#malformed("POST", paths.getPhoneNumber, "phone_info");
    return {
      phoneNumber: info.phoneNumber,
      purePhoneNumber: info.purePhoneNumber,
      countryCode: String(info.countryCode ?? ""),
      watermark: { timestamp: Number(info.watermark?.timestamp ?? 0), appid: String(info.watermark?.appid ?? "") },
    };
  }

  /**
   * Any other endpoint: access token, refresh-once, retries by `retryPolicy` (default: `idempotent`
   * for GET, `write` for POST). Returns the parsed JSON answer.
   */
  async request<T = unknown>(request: {
    method: HttpMethod;
    path: string;
    query?: Record<string, QueryValue>;
    body?: unknown;
    retryPolicy?: RetryPolicy;
  }): Promise<T> {
    const retryPolicy = request.retryPolicy ?? (request.method === "GET" ? "idempotent" : "write");
    return (await this.#send<T>({ ...request, retryPolicy })).data;
  }

  async #requestStableToken(forceRefresh: boolean): Promise<StoredToken> {
    const { data } = await this.#sendPlain<TokenAnswer>({
      method: "POST",
      path: paths.stableToken,
      body: {
        grant_type: WECHAT_PROTOCOL.stableTokenGrantType,
        appid: this.config.appId,
        secret: this.#appSecret,
        ...(forceRefresh ? { force_refresh: true } : {}),
      },
      auth: "none",
      // Normal mode is idempotent; a forced refresh changes state and is quota-limited.
      retryPolicy: forceRefresh ? "write" : "idempotent",
    });
    if (!data.access_token) throw this.#malformed("POST", paths.stableToken, "access_token");
    const now = Date.now();
    const expiresIn = Number(data.expires_in);
    const seconds = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : WECHAT_PROTOCOL.defaultTokenLifetimeSeconds;
    return { token: data.access_token, expiresAt: now + seconds * 1000, refreshedAt: now };
  }

  #malformed(method: HttpMethod, endpoint: string, field: string): WechatError {
    return new WechatError({ message: `WeChat ${method} ${endpoint} answered without ${field}`, category: "unknown", method, endpoint });
  }
}

function normaliseData(data: SubscribeData): Record<string, { value: string | number }> {
  const out: Record<string, { value: string | number }> = {};
  for (const [key, value] of Object.entries(data)) {
    out[key] = typeof value === "object" && value !== null ? value : { value };
  }
  return out;
}

/** `createWechatMiniProgramClient(config)`, and `.defaults({...})` for a factory with settings preset (octokit-style). */
export const createWechatMiniProgramClient = clientFactory((config: WechatClientConfig) => new WechatMiniProgramClient(config));
