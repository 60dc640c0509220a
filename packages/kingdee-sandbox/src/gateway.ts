import { randomBytes } from "node:crypto";
import type { FaultBox, RateLimits, Reply, SandboxClock, SandboxRequest } from "@erpbridge/sandbox-kit";
import { detailReply, listReply, saveReply } from "./documents.js";
import { BUSINESS_ERRORS, type SandboxProtocol } from "./protocol.js";
import { BadRequest, htmlPage, type Envelopes, type Query } from "./replies.js";
import { RESOURCES, ROUTES, type StoredResource } from "./resources.js";
import { expectedAppSignature, expectedSignature } from "./signing.js";
import { authorizationRow, normDomain, type Tenant, type Tenants } from "./tenants.js";
import type { FaultSpec, RateLimitSpec } from "./types.js";

interface IssuedToken {
  tenant: Tenant;
  expiresAt: number;
}

const NUMERIC = /^\d+$/;

const first = (q: Query, key: string): string | undefined => q.get(key)?.[0];

/**
 * The JDY OpenAPI gateway: signature checks in the gateway's order, app-tokens, IDC routing, the
 * rate limit per account set, then the business routes. Its signature verification is its own
 * (signing.ts), independent of the SDK's.
 */
export class Gateway {
  readonly #tokens = new Map<string, IssuedToken>();
  readonly #nonces = new Map<string, number>();

  constructor(
    private readonly protocol: SandboxProtocol,
    private readonly envelopes: Envelopes,
    private readonly tenants: Tenants,
    private readonly clock: SandboxClock,
    private readonly faults: FaultBox<FaultSpec, SandboxRequest>,
    private readonly limits: RateLimits<RateLimitSpec>,
  ) {}

  /** Every app-token issued so far is expired now. */
  expireTokens(): void {
    const now = this.clock.now();
    for (const t of this.#tokens.values()) t.expiresAt = Math.min(t.expiresAt, now - 1);
  }

  /** The account set a call is made for, as far as its token or its app_key tells (the call log's key). */
  accountOf(req: SandboxRequest): string | undefined {
    const token = req.header("app-token");
    return (token ? this.#tokens.get(token)?.tenant.creds.appKey : undefined) ?? first(req.query, "app_key");
  }

  handle(req: SandboxRequest): Reply {
    const { path, query, method } = req;
    const e = this.envelopes;
    const auth = this.#authenticate(req);
    if (typeof auth !== "string") return auth;
    const clientId = auth;

    if (path === this.protocol.tokenPath) {
      if (method !== "GET") return e.gatewayError("methodNotAllowed");
      return this.#tokenCall(clientId, query, req.receivedAt);
    }
    if (path === this.protocol.pullAuthorizationPath) {
      if (method !== "POST") return e.gatewayError("methodNotAllowed");
      return this.#pullAuthorization(clientId, query);
    }
    if (!path.startsWith("/jdy/")) return e.gatewayError("apiNotFound");

    const token = req.header("app-token");
    if (!token) return e.gatewayError("tokenEmpty");
    const issued = this.#tokens.get(token);
    if (!issued || issued.tenant.creds.clientId !== clientId) return e.gatewayError("tokenInvalid");
    if (issued.expiresAt <= req.receivedAt) return e.gatewayError("tokenExpired");
    const tenant = issued.tenant;
    const router = req.header("x-gw-router-addr");
    // An account that moved IDC: the old domain's gateway answers 502 (reference §2.4).
    if (router && tenant.retiredDomains.has(normDomain(router))) return htmlPage(502, "502 Bad Gateway");
    if (!router || normDomain(router) !== normDomain(tenant.creds.domain)) return e.gatewayError("noRoute");

    const route = ROUTES.get(path);
    if (!route) return e.gatewayError("apiNotFound");
    const info = RESOURCES[route.resource];
    const allowed = route.kind === "detail" ? method === "GET" : method === "GET" || (method === "POST" && info.savable);
    if (!allowed) return e.gatewayError("methodNotAllowed");

    const refused = this.limits.take(tenant.creds.appKey, req.receivedAt);
    if (refused) {
      const status = (refused.mode ?? this.protocol.defaultRateLimitMode) === "http429" ? 429 : undefined;
      return e.gatewayError("overload", "", status);
    }
    if (!this.faults.empty) {
      const fault = this.faults.takeDeferred(path, req);
      if (fault && fault.kind === "business_error") return e.business(fault.errcode, fault.description);
    }

    try {
      if (method === "POST") return saveReply(e, tenant, route.resource as StoredResource, req.body);
      if (route.kind === "detail") return detailReply(e, tenant, route.resource as StoredResource, query);
      return listReply(e, this.protocol, tenant, route.resource, query);
    } catch (err) {
      if (err instanceof BadRequest) return e.business(err.errcode, err.message);
      throw err;
    }
  }

  /** Signature checks, in the gateway's order; returns the client id or an error reply. */
  #authenticate(req: SandboxRequest): string | Reply {
    const e = this.envelopes;
    // Timestamps and nonces are checked against the wall clock: the client signs with its own,
    // and advancing the sandbox clock simulates time passing on both sides.
    const wall = Date.now();
    const clientId = req.header("x-api-clientid");
    if (!clientId) return e.gatewayError("clientIdEmpty");
    const secret = this.tenants.clientSecret(clientId);
    if (secret === undefined) return e.gatewayError("clientIdInvalid");
    if (req.header("x-api-auth-version") !== this.protocol.authVersion) return e.gatewayError("authVersion");
    const ts = req.header("x-api-timestamp");
    if (!/^\d{13}$/.test(ts) || Math.abs(wall - Number(ts)) > this.protocol.timestampWindowMs) {
      return e.gatewayError("timestampInvalid", `: ${ts}`);
    }
    const names = [
      ...new Set(
        req
          .header("x-api-signheaders")
          .split(",")
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean),
      ),
    ];
    const nonce = req.header("x-api-nonce");
    if (!names.includes("x-api-nonce") || !names.includes("x-api-timestamp") || !nonce) {
      return e.gatewayError("signHeadersInvalid");
    }
    const expected = expectedSignature(secret, {
      method: req.method,
      path: req.path,
      query: req.pairs,
      headers: names.map((n) => [n, req.header(n)] as const),
    });
    if (req.header("x-api-signature") !== expected) return e.gatewayError("signatureInvalid");
    if (this.protocol.rejectReplayedNonce) {
      const key = `${clientId}\n${nonce}`;
      const seenUntil = this.#nonces.get(key);
      if (seenUntil !== undefined && seenUntil >= wall) return e.gatewayError("nonceRepeated");
      this.#sweepNonces(wall);
      this.#nonces.delete(key);
      this.#nonces.set(key, wall + this.protocol.timestampWindowMs);
    }
    return clientId;
  }

  #sweepNonces(now: number): void {
    // entries are inserted in arrival order with a fixed lifetime, so expired ones sit at the front
    for (const [key, until] of this.#nonces) {
      if (until >= now) break;
      this.#nonces.delete(key);
    }
  }

  #tokenCall(clientId: string, query: Query, now: number): Reply {
    const e = this.envelopes;
    const appKey = first(query, "app_key");
    const signature = first(query, "app_signature");
    if (!appKey) return e.business(BUSINESS_ERRORS.required, "app_key 不能为空");
    if (!signature) return e.business(BUSINESS_ERRORS.required, "app_signature 不能为空");
    const tenant = this.tenants.byAppKey(appKey);
    if (!tenant || tenant.creds.clientId !== clientId) {
      return e.business(BUSINESS_ERRORS.authorizationInfo, "用户授权信息错误，请检查appKey");
    }
    if (signature !== expectedAppSignature(appKey, tenant.creds.appSecret)) {
      return e.business(BUSINESS_ERRORS.staleAppSecret, "授权密钥校验失败");
    }
    const uidParam = first(query, "uid");
    const uid = uidParam && NUMERIC.test(uidParam) ? Number(uidParam) : tenant.uid;
    const token = randomBytes(24).toString("hex");
    const expires = now + this.protocol.tokenLifetimeMs;
    if (this.#tokens.size > 100_000) {
      for (const [k, t] of this.#tokens) if (t.expiresAt < now - this.protocol.tokenLifetimeMs) this.#tokens.delete(k);
    }
    this.#tokens.set(token, { tenant, expiresAt: expires });
    return e.ok({ "app-token": token, uid, expires, access_token: randomBytes(16).toString("hex") });
  }

  #pullAuthorization(clientId: string, query: Query): Reply {
    const outer = first(query, "outerInstanceId");
    if (!outer && this.protocol.pullWithoutOuterInstanceId === "error") {
      return this.envelopes.business(BUSINESS_ERRORS.required, "outerInstanceId 不能为空");
    }
    const rows = this.tenants.list
      .filter((t) => t.creds.clientId === clientId && (!outer || t.creds.outerInstanceId === outer))
      .map((t) => authorizationRow(t));
    return this.envelopes.ok(rows);
  }
}
