import { clientFactory, compose, MemoryTokenStore, retry, type StoredToken, throttle } from "@erpbridge/integration-kit";
import { AppTokenManager } from "./app-token.js";
import { type KingdeeClientConfig, type ResolvedConfig, resolveConfig } from "./config.js";
import { KingdeeError } from "./errors.js";
import { ResourceClient } from "./paginate.js";
import { authRecovery } from "./plugins/auth-recovery.js";
import { JDY_PROTOCOL } from "./protocol.js";
import { type ResourceName, resources } from "./resources.js";
import type { AuthorizationInfo } from "./rows.js";
import { appSignature } from "./signing.js";
import { type KingdeeRequest, type Send, createTransport } from "./transport.js";

interface TokenData {
  "app-token"?: string;
  uid?: string | number;
  expires?: number | string;
}

export class KingdeeClient {
  readonly config: Readonly<Omit<ResolvedConfig, "clientSecret" | "appSecret">>;
  /** Mutable: authorization pulled again may bring a new app_secret or domain. */
  readonly #credentials: { clientId: string; clientSecret: string; appKey: string; appSecret: string; domain: string };
  readonly #tokens: AppTokenManager;
  /** Business calls: your plugins → retry → token/replay recovery → throttle → sign and send. */
  readonly #send: Send;
  /** Connector calls (token, authorization): retry → throttle → sign and send. */
  readonly #sendConnector: Send;
  #reauthorizing: Promise<AuthorizationInfo> | undefined;

  constructor(input: KingdeeClientConfig) {
    const config = resolveConfig(input);
    const { clientSecret, appSecret, ...visible } = config;
    this.config = visible;
    this.#credentials = { clientId: config.clientId, clientSecret, appKey: config.appKey, appSecret, domain: config.domain };

    const core = createTransport({
      baseUrl: config.baseUrl,
      timeoutMs: config.timeoutMs,
      fetch: config.fetch,
      credentials: () => this.#credentials,
      onCall: config.onCall,
    });
    const { concurrency } = config.rateLimit;
    const limiter = throttle(config.rateBudget ? { budget: config.rateBudget, concurrency } : config.rateLimit);
    this.#sendConnector = compose(core, retry(config.retry), limiter);
    this.#tokens = new AppTokenManager({
      store: config.tokenStore ?? new MemoryTokenStore(),
      key: [config.clientId, config.appKey, config.uid ?? ""].join(":"),
      refreshWindowMs: config.tokenRefreshWindowSeconds * 1000,
      fetchToken: () => this.#fetchToken(),
    });
    const reauthorize = config.outerInstanceId ? () => this.refreshAuthorization() : undefined;
    this.#send = compose(
      core,
      ...(config.plugins ?? []),
      retry(config.retry),
      authRecovery({ tokens: this.#tokens, reauthorize, domain: () => this.#credentials.domain }),
      limiter,
    );
  }

  /** Typed access to one of the declared JDY resources. */
  resource<N extends ResourceName>(name: N): ResourceClient<N> {
    const spec = resources[name];
    if (!spec) throw new TypeError(`Unknown Kingdee resource "${String(name)}"`);
    return new ResourceClient(name, spec, this.#send);
  }

  /** Any business endpoint: signed, with token, retries and rate limiting. Returns `data`. */
  async request<T = unknown>(request: Omit<KingdeeRequest, "appToken" | "auth">): Promise<T> {
    return (await this.#send<T>({ ...request, auth: "app-token" })).data;
  }

  readonly token = {
    /** A valid app-token (cached unless inside the refresh window). */
    get: () => this.#tokens.get(),
    /** Fetch a new app-token now. Returns its expiry, never the token itself. */
    refresh: async () => {
      const { token: _token, ...rest } = await this.#tokens.forceRefresh();
      return rest;
    },
    /** Expiry and last refresh of the cached token, if any. */
    status: () => this.#tokens.status(),
  };

  /** Pulls authorization info again (`push_app_authorize`); defaults to the configured outerInstanceId. */
  async pullAuthorization(outerInstanceId = this.config.outerInstanceId): Promise<AuthorizationInfo[]> {
    if (!outerInstanceId) throw new TypeError("pullAuthorization needs an outerInstanceId");
    const { data } = await this.#sendConnector<AuthorizationInfo[]>({
      method: "POST",
      path: JDY_PROTOCOL.pullAuthorizationPath,
      query: { outerInstanceId },
      body: {},
      auth: "signature",
    });
    return Array.isArray(data) ? data : [];
  }

  async #fetchToken(): Promise<StoredToken> {
    try {
      return await this.#requestToken();
    } catch (error) {
      // A stale app_secret is cured by pulling authorization again, once.
      const stale = error instanceof KingdeeError && error.errcode === JDY_PROTOCOL.staleAppSecretErrcode;
      if (!stale || !this.config.outerInstanceId) throw error;
      await this.refreshAuthorization();
      return this.#requestToken();
    }
  }

  async #requestToken(): Promise<StoredToken> {
    const { appKey, appSecret } = this.#credentials;
    const { data } = await this.#sendConnector<TokenData>({
      method: "GET",
      path: JDY_PROTOCOL.tokenPath,
      query: { app_key: appKey, app_signature: appSignature(appKey, appSecret), uid: this.config.uid },
      auth: "signature",
    });
    const token = data?.["app-token"];
    if (!token) {
      throw new KingdeeError({
        message: "Kingdee token response has no app-token",
        category: "authentication",
        method: "GET",
        endpoint: JDY_PROTOCOL.tokenPath,
      });
    }
    const now = Date.now();
    const expires = Number(data.expires);
    return {
      token,
      expiresAt: Number.isFinite(expires) && expires > now ? expires : now + JDY_PROTOCOL.defaultTokenLifetimeMs,
      refreshedAt: now,
      ...(data.uid !== undefined ? { uid: String(data.uid) } : {}),
    };
  }

  /**
   * Pulls authorization again for the configured outerInstanceId and switches to the new
   * app_secret and domain (`onAuthorizationChange` hears about it). Single-flight.
   */
  refreshAuthorization(): Promise<AuthorizationInfo> {
    if (!this.config.outerInstanceId) return Promise.reject(new TypeError("refreshAuthorization needs an outerInstanceId"));
    this.#reauthorizing ??= this.#pullAndApply().finally(() => {
      this.#reauthorizing = undefined;
    });
    return this.#reauthorizing;
  }

  async #pullAndApply(): Promise<AuthorizationInfo> {
    const rows = await this.pullAuthorization();
    const mine = rows.filter((row) => row.appKey === this.#credentials.appKey);
    const info = mine.find((row) => Number(row.status) === 1) ?? mine[0];
    if (!info) {
      throw new KingdeeError({
        message: `Authorization pulled again holds no entry for appKey ${this.#credentials.appKey}`,
        category: "authentication",
        method: "POST",
        endpoint: JDY_PROTOCOL.pullAuthorizationPath,
      });
    }
    this.#credentials.appSecret = info.appSecret;
    this.#credentials.domain = info.domain;
    await this.config.onAuthorizationChange?.(info);
    return info;
  }
}

/** `createKingdeeClient(config)`, and `.defaults({...})` for a factory with settings preset (octokit-style). */
export const createKingdeeClient = clientFactory((config: KingdeeClientConfig) => new KingdeeClient(config));
