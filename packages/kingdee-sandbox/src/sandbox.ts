import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CallLog } from "./calls.js";
import { TenantData, filterPredicate, type ListFilter } from "./data.js";
import { FaultBox, RateLimiter, validateFault } from "./faults.js";
import {
  BUSINESS_ERRORS,
  COUNT_AS_STRING,
  GATEWAY_ERRORS,
  HAS_CURRENT_PAGE,
  IDC_DOMAINS,
  SIGNAL_VARIANTS,
  type SignalVariant,
  resolveProtocol,
  type GatewayErrorName,
  type SandboxProtocol,
} from "./protocol.js";
import { Rng, mixSeed } from "./random.js";
import {
  DEFAULT_COUNTS,
  RESOURCES,
  RESOURCE_NAMES,
  ROUTES,
  type SandboxResource,
  type StoredResource,
} from "./resources.js";
import { decodeQuery, expectedAppSignature, expectedSignature } from "./signing.js";
import { parseDayStart, setUtcOffsetMinutes, DAY_MS } from "./time.js";
import type {
  DataOptions,
  FaultSpec,
  KingdeeSandbox,
  KingdeeSandboxOptions,
  RateLimitSpec,
  RowsOptions,
  SandboxCredentials,
  SandboxTenantSpec,
} from "./types.js";

interface Tenant {
  creds: SandboxCredentials;
  data: TenantData;
  uid: number;
  accountId: string;
  groupName: string;
  agreementCompanyName: string;
  serviceId: string;
  rng: Rng;
  /** Domains the account was moved away from (normalised): calls routed there answer HTTP 502. */
  retiredDomains: Set<string>;
}

interface IssuedToken {
  tenant: Tenant;
  expiresAt: number;
}

type Query = Map<string, string[]>;

interface Reply {
  status: number;
  body: string;
  errcode?: number;
  /** Default JSON. */
  contentType?: string;
}

const JSON_TYPE = "application/json;charset=UTF-8";
const NUMERIC = /^\d+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const json = (status: number, value: unknown, errcode?: number): Reply => ({ status, body: JSON.stringify(value), errcode });

class BadRequest extends Error {
  constructor(
    readonly errcode: number,
    message: string,
  ) {
    super(message);
  }
}

const first = (q: Query, key: string): string | undefined => q.get(key)?.[0];

/** Values of an array-ish filter: repeated keys, `key[]`, comma lists or a JSON array text. */
function listParam(q: Query, key: string): string[] {
  const out: string[] = [];
  for (const raw of [...(q.get(key) ?? []), ...(q.get(`${key}[]`) ?? [])]) {
    const v = raw.trim();
    if (v.startsWith("[")) {
      try {
        const arr = JSON.parse(v) as unknown;
        if (Array.isArray(arr)) for (const x of arr) if (x !== null && x !== "") out.push(String(x));
        continue;
      } catch {
        // fall through: treat as comma list
      }
    }
    for (const part of v.replace(/^\[|\]$/g, "").split(",")) if (part.trim()) out.push(part.trim().replace(/^"|"$/g, ""));
  }
  return out;
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? (v[0] ?? "") : (v ?? "");
}

const normDomain = (d: string) => d.trim().replace(/\/+$/, "").toLowerCase();

export class SandboxServer implements KingdeeSandbox {
  readonly protocol: SandboxProtocol;
  readonly calls = new CallLog();
  readonly #faultBox = new FaultBox();
  readonly #server: Server;
  readonly #options: KingdeeSandboxOptions;
  readonly #seed: number;
  readonly #now: number;
  readonly #log?: (line: string) => void;
  readonly #tenants: Tenant[] = [];
  readonly #byAppKey = new Map<string, Tenant>();
  readonly #clients = new Map<string, string>();
  readonly #tokens = new Map<string, IssuedToken>();
  readonly #nonces = new Map<string, number>();
  readonly #sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  #limiter: RateLimiter | null = null;
  #port = 0;
  #host = "127.0.0.1";
  #stopped = false;

  constructor(options: KingdeeSandboxOptions = {}) {
    this.#options = options;
    this.protocol = resolveProtocol({
      ...options.protocol,
      ...(options.tokenLifetimeMs !== undefined ? { tokenLifetimeMs: options.tokenLifetimeMs } : {}),
      ...(options.timestampWindowMs !== undefined ? { timestampWindowMs: options.timestampWindowMs } : {}),
      ...(options.rejectReplayedNonce !== undefined ? { rejectReplayedNonce: options.rejectReplayedNonce } : {}),
    });
    setUtcOffsetMinutes(this.protocol.utcOffsetMinutes);
    this.#seed = (options.seed ?? 1) >>> 0;
    this.#now = options.now ?? Date.now();
    this.#log = options.logger;
    if (options.rateLimit) this.#limiter = new RateLimiter(options.rateLimit);
    const specs = options.tenants && options.tenants.length ? options.tenants : [{}];
    for (const spec of specs) this.addTenant(spec);
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.#log?.(`sandbox error: ${err instanceof Error ? err.stack : String(err)}`);
        if (!res.headersSent) this.#send(req, res, Date.now(), this.#gatewayError("internal"));
      });
    });
    this.#server.keepAliveTimeout = 30_000;
  }

  async listen(): Promise<void> {
    this.#host = this.#options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#options.port ?? 0, this.#host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    this.#log?.(`kingdee sandbox listening on ${this.url}`);
  }

  get url(): string {
    return `http://${this.#host}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get demoTenant(): SandboxCredentials {
    return { ...this.#tenants[0]!.creds };
  }

  tenants(): SandboxCredentials[] {
    return this.#tenants.map((t) => ({ ...t.creds }));
  }

  addTenant(spec: SandboxTenantSpec = {}): SandboxCredentials {
    const index = this.#tenants.length;
    const seed = spec.seed ?? (index === 0 ? this.#seed : mixSeed(this.#seed, 0x7e4a47 + index));
    const r = new Rng(mixSeed(seed >>> 0, 0xc4ed5));
    const demo = this.#tenants[0]?.creds;
    const clientId = spec.clientId ?? demo?.clientId ?? String(r.int(200_000, 299_999));
    const known = this.#clients.get(clientId);
    const clientSecret = spec.clientSecret ?? known ?? r.hex(32);
    if (known !== undefined && known !== clientSecret) {
      throw new Error(`client ${clientId} already exists with another clientSecret`);
    }
    let appKey = spec.appKey ?? r.alnum(8);
    while (!spec.appKey && this.#byAppKey.has(appKey)) appKey = r.alnum(8);
    if (this.#byAppKey.has(appKey)) throw new Error(`appKey ${appKey} already exists`);
    const creds: SandboxCredentials = {
      clientId,
      clientSecret,
      appKey,
      appSecret: spec.appSecret ?? r.hex(40),
      domain: spec.domain ?? "https://tf.jdy.com",
      outerInstanceId: spec.outerInstanceId ?? "1" + r.digits(15),
      accountName: spec.accountName ?? (index === 0 ? "演示账套" : `测试账套${index + 1}`),
    };
    const counts = { ...DEFAULT_COUNTS };
    for (const [k, v] of Object.entries({ ...this.#options.counts, ...spec.counts })) {
      if (k in counts && typeof v === "number") counts[k as StoredResource] = Math.max(0, Math.floor(v));
    }
    const tenant: Tenant = {
      creds,
      data: new TenantData(seed >>> 0, counts, this.#now),
      uid: spec.uid ?? r.int(10_000_000, 99_999_999),
      accountId: spec.accountId ?? "1" + r.digits(15),
      groupName: spec.groupName ?? "金蝶云星辰",
      agreementCompanyName: spec.agreementCompanyName ?? `${creds.accountName}所属公司`,
      serviceId: spec.serviceId ?? String(r.int(100_000, 999_999)),
      rng: r,
      retiredDomains: new Set(),
    };
    this.#clients.set(clientId, clientSecret);
    this.#tenants.push(tenant);
    this.#byAppKey.set(appKey, tenant);
    return { ...creds };
  }

  rotateAppSecret(appKey?: string): string {
    const tenant = this.#tenant(appKey);
    let next = tenant.rng.hex(40);
    while (next === tenant.creds.appSecret) next = tenant.rng.hex(40);
    tenant.creds.appSecret = next;
    return next;
  }

  moveDomain(options: { appKey?: string; domain?: string } = {}): { appKey: string; domain: string; previousDomain: string } {
    const tenant = this.#tenant(options.appKey);
    const previousDomain = tenant.creds.domain;
    const at = IDC_DOMAINS.findIndex((d) => normDomain(d) === normDomain(previousDomain));
    const domain = options.domain ?? IDC_DOMAINS[(at + 1) % IDC_DOMAINS.length]!;
    if (!/^https?:\/\/[^\s/]+\/?$/.test(domain)) throw new Error(`domain must be an origin like https://gz.jdy.com, got ${domain}`);
    if (normDomain(domain) === normDomain(previousDomain)) throw new Error(`the account is already on ${domain}`);
    tenant.retiredDomains.add(normDomain(previousDomain));
    tenant.retiredDomains.delete(normDomain(domain));
    tenant.creds.domain = domain;
    return { appKey: tenant.creds.appKey, domain, previousDomain };
  }

  /**
   * Sends a tenant's authorization to `url` the way Kingdee pushes it (POST, JSON, the pull's
   * row format) and returns the answer. Tests use it for the genuine push a forged one is compared with.
   */
  async pushAuthorization(options: { url: string; appKey?: string }): Promise<{ status: number; body: string }> {
    const row = this.#authorizationRow(this.#tenant(options.appKey));
    const res = await fetch(options.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ bizType: "app_authorize", timestamp: Date.now(), data: [row] }),
    });
    return { status: res.status, body: await res.text() };
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const s of this.#sleepers) {
      clearTimeout(s.timer);
      s.resolve();
    }
    this.#sleepers.clear();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #tenant(appKey?: string): Tenant {
    if (appKey === undefined) return this.#tenants[0]!;
    const t = this.#byAppKey.get(appKey);
    if (!t) throw new Error(`unknown appKey: ${appKey}`);
    return t;
  }

  // ---------- programmatic control ----------

  readonly data = {
    rows: (resource: SandboxResource, opts?: RowsOptions) =>
      this.#tenant(opts?.appKey).data.rows(checkResource(resource), opts?.materialId),
    count: (resource: SandboxResource, opts?: DataOptions) => this.#tenant(opts?.appKey).data.count(checkResource(resource)),
    mutate: (resource: SandboxResource, countOrIds: number | readonly string[], opts?: DataOptions) =>
      this.#tenant(opts?.appKey).data.mutate(stored(resource), countOrIds),
    add: (resource: SandboxResource, n: number, opts?: DataOptions) => this.#tenant(opts?.appKey).data.add(stored(resource), n),
    remove: (resource: SandboxResource, ids: readonly string[], opts?: DataOptions) =>
      this.#tenant(opts?.appKey).data.remove(stored(resource), ids),
  };

  readonly faults = {
    inject: (spec: FaultSpec) => this.#faultBox.inject(spec),
    expireTokens: () => {
      const now = Date.now();
      for (const t of this.#tokens.values()) t.expiresAt = Math.min(t.expiresAt, now - 1);
    },
    rateLimit: (spec: RateLimitSpec | null) => {
      this.#limiter = spec ? new RateLimiter(spec) : null;
    },
    /** Removes injected faults and restores the rate limit configured at start (none by default). */
    clear: () => {
      this.#faultBox.clear();
      this.#limiter = this.#options.rateLimit ? new RateLimiter(this.#options.rateLimit) : null;
    },
    list: () => this.#faultBox.list(),
  };

  // ---------- HTTP ----------

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#sleepers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.#sleepers.add(entry);
    });
  }

  #send(req: IncomingMessage, res: ServerResponse, started: number, reply: Reply): void {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(reply.status, {
      "Content-Type": reply.contentType ?? JSON_TYPE,
      "Content-Length": Buffer.byteLength(reply.body),
      "X-Api-Requestid": randomUUID(),
    });
    res.end(reply.body);
    if (this.#log) {
      const code = reply.errcode ? ` errcode=${reply.errcode}` : "";
      this.#log(`${req.method} ${req.url} → ${reply.status}${code} ${Date.now() - started}ms`);
    }
  }

  #gatewayError(name: GatewayErrorName, detail?: string, status = this.protocol.gatewayErrorStatus): Reply {
    const e = GATEWAY_ERRORS[name];
    const errcode = name === "nonceRepeated" ? this.protocol.nonceReplayErrcode : e.errcode;
    return json(
      status,
      { errcode, description: `${e.en}${detail ?? ""} [GW]`, description_cn: `${e.cn}[网关]` },
      errcode,
    );
  }

  #ok(data: unknown): Reply {
    return json(200, { errcode: 0, description: this.protocol.successDescription, data }, 0);
  }

  #business(errcode: number, description: string): Reply {
    return json(200, { errcode, description }, errcode);
  }

  async #readBody(req: IncomingMessage): Promise<string> {
    if (req.method === "GET" || req.method === "HEAD") {
      req.resume();
      return "";
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 32 * 1024 * 1024) throw new Error("body too large");
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const rawUrl = req.url ?? "/";
    const qi = rawUrl.indexOf("?");
    const rawPath = qi < 0 ? rawUrl : rawUrl.slice(0, qi);
    let path = rawPath;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      // keep raw
    }
    const pairs = decodeQuery(qi < 0 ? "" : rawUrl.slice(qi + 1));
    const query: Query = new Map();
    for (const [k, v] of pairs) {
      const list = query.get(k);
      if (list) list.push(v);
      else query.set(k, [v]);
    }
    const body = await this.#readBody(req);

    if (path === "/__sandbox" || path.startsWith("/__sandbox/")) {
      this.#send(req, res, started, await this.#control(req.method ?? "GET", path, query, body));
      return;
    }

    const now = Date.now();
    this.calls.record(path, now);

    if (!this.#faultBox.empty) {
      const { delayMs, fault } = this.#faultBox.before(path, query);
      if (delayMs > 0) await this.#sleep(delayMs);
      if (this.#stopped) return;
      if (fault) {
        // The request runs (a save is stored) and the answer is lost: the fault matrix's "502 after the write".
        if (fault.kind === "http_error" && fault.afterExecute) this.#gateway(req, path, pairs, query, body, now);
        this.#send(req, res, started, this.#faultReply(fault, header(req, "x-api-timestamp")));
        return;
      }
    }
    this.#send(req, res, started, this.#gateway(req, path, pairs, query, body, now));
  }

  #faultReply(fault: FaultSpec, ts: string): Reply {
    switch (fault.kind) {
      case "http_error": {
        const status = fault.status ?? 500;
        if (status === 503) return this.#gatewayError("unavailable", "", status);
        return this.#gatewayError("internal", status === 502 ? " (Bad Gateway)" : "", status);
      }
      case "malformed_json":
        return { status: 200, body: `{"errcode":0,"description":"success","data":{"count":1,"rows":[{"id":"`, errcode: -1 };
      case "timestamp_error":
        return this.#gatewayError("timestampInvalid", `: ${ts}`);
      case "business_error":
        return this.#business(fault.errcode, fault.description);
      case "latency":
        return this.#gatewayError("internal");
      case "signal":
        return this.#signalReply(
          (SIGNAL_VARIANTS as Record<string, Record<string, SignalVariant>>)[fault.signal]![fault.variant]!,
          ts,
        );
    }
  }

  #signalReply(variant: SignalVariant, ts: string): Reply {
    if (variant.gateway) return this.#gatewayError(variant.gateway, variant.gateway === "timestampInvalid" ? `: ${ts}` : "");
    if (variant.html) {
      const text = `${variant.http} ${variant.description}`;
      return { status: variant.http!, body: `<html><head><title>${text}</title></head><body><h1>${text}</h1></body></html>`, contentType: "text/html" };
    }
    if (variant.body !== undefined) return this.#business(variant.body, variant.description ?? "");
    return json(variant.http!, { description: variant.description });
  }

  /** Signature checks, in the gateway's order; returns the client id or an error reply. */
  #authenticate(req: IncomingMessage, path: string, pairs: Array<[string, string]>, now: number): string | Reply {
    const clientId = header(req, "x-api-clientid");
    if (!clientId) return this.#gatewayError("clientIdEmpty");
    const secret = this.#clients.get(clientId);
    if (secret === undefined) return this.#gatewayError("clientIdInvalid");
    if (header(req, "x-api-auth-version") !== this.protocol.authVersion) return this.#gatewayError("authVersion");
    const ts = header(req, "x-api-timestamp");
    if (!/^\d{13}$/.test(ts) || Math.abs(now - Number(ts)) > this.protocol.timestampWindowMs) {
      return this.#gatewayError("timestampInvalid", `: ${ts}`);
    }
    const names = [
      ...new Set(
        header(req, "x-api-signheaders")
          .split(",")
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean),
      ),
    ];
    const nonce = header(req, "x-api-nonce");
    if (!names.includes("x-api-nonce") || !names.includes("x-api-timestamp") || !nonce) {
      return this.#gatewayError("signHeadersInvalid");
    }
    const expected = expectedSignature(secret, {
      method: req.method ?? "GET",
      path,
      query: pairs,
      headers: names.map((n) => [n, header(req, n)] as const),
    });
    if (header(req, "x-api-signature") !== expected) return this.#gatewayError("signatureInvalid");
    if (this.protocol.rejectReplayedNonce) {
      const key = `${clientId}\n${nonce}`;
      const seenUntil = this.#nonces.get(key);
      if (seenUntil !== undefined && seenUntil >= now) return this.#gatewayError("nonceRepeated");
      this.#sweepNonces(now);
      this.#nonces.delete(key);
      this.#nonces.set(key, now + this.protocol.timestampWindowMs);
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

  #gateway(req: IncomingMessage, path: string, pairs: Array<[string, string]>, query: Query, body: string, now: number): Reply {
    const method = (req.method ?? "GET").toUpperCase();
    const auth = this.#authenticate(req, path, pairs, now);
    if (typeof auth !== "string") return auth;
    const clientId = auth;

    if (path === this.protocol.tokenPath) {
      if (method !== "GET") return this.#gatewayError("methodNotAllowed");
      return this.#tokenCall(clientId, query, now);
    }
    if (path === this.protocol.pullAuthorizationPath) {
      if (method !== "POST") return this.#gatewayError("methodNotAllowed");
      return this.#pullAuthorization(clientId, query);
    }
    if (!path.startsWith("/jdy/")) return this.#gatewayError("apiNotFound");

    const token = header(req, "app-token");
    if (!token) return this.#gatewayError("tokenEmpty");
    const issued = this.#tokens.get(token);
    if (!issued || issued.tenant.creds.clientId !== clientId) return this.#gatewayError("tokenInvalid");
    if (issued.expiresAt <= now) return this.#gatewayError("tokenExpired");
    const tenant = issued.tenant;
    const router = header(req, "x-gw-router-addr");
    // An account that moved IDC: the old domain's gateway answers 502 (reference §2.4).
    if (router && tenant.retiredDomains.has(normDomain(router))) {
      return { status: 502, body: "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>", contentType: "text/html" };
    }
    if (!router || normDomain(router) !== normDomain(tenant.creds.domain)) return this.#gatewayError("noRoute");

    const route = ROUTES.get(path);
    if (!route) return this.#gatewayError("apiNotFound");
    const info = RESOURCES[route.resource];
    const allowed = route.kind === "detail" ? method === "GET" : method === "GET" || (method === "POST" && info.savable);
    if (!allowed) return this.#gatewayError("methodNotAllowed");

    if (this.#limiter && !this.#limiter.take(tenant.creds.appKey, now)) {
      const status = (this.#limiter.spec.mode ?? this.protocol.defaultRateLimitMode) === "http429" ? 429 : undefined;
      return this.#gatewayError("overload", "", status);
    }
    if (!this.#faultBox.empty) {
      const fault = this.#faultBox.business(path, query);
      if (fault && fault.kind === "business_error") return this.#business(fault.errcode, fault.description);
    }

    try {
      if (method === "POST") return this.#save(tenant, route.resource as StoredResource, body);
      if (route.kind === "detail") return this.#detail(tenant, route.resource as StoredResource, query);
      return this.#list(tenant, route.resource, query);
    } catch (err) {
      if (err instanceof BadRequest) return this.#business(err.errcode, err.message);
      throw err;
    }
  }

  #tokenCall(clientId: string, query: Query, now: number): Reply {
    const appKey = first(query, "app_key");
    const signature = first(query, "app_signature");
    if (!appKey) return this.#business(BUSINESS_ERRORS.required, "app_key 不能为空");
    if (!signature) return this.#business(BUSINESS_ERRORS.required, "app_signature 不能为空");
    const tenant = this.#byAppKey.get(appKey);
    if (!tenant || tenant.creds.clientId !== clientId) {
      return this.#business(BUSINESS_ERRORS.authorizationInfo, "用户授权信息错误，请检查appKey");
    }
    if (signature !== expectedAppSignature(appKey, tenant.creds.appSecret)) {
      return this.#business(BUSINESS_ERRORS.staleAppSecret, "授权密钥校验失败");
    }
    const uidParam = first(query, "uid");
    const uid = uidParam && NUMERIC.test(uidParam) ? Number(uidParam) : tenant.uid;
    const token = randomBytes(24).toString("hex");
    const expires = now + this.protocol.tokenLifetimeMs;
    if (this.#tokens.size > 100_000) {
      for (const [k, t] of this.#tokens) if (t.expiresAt < now - this.protocol.tokenLifetimeMs) this.#tokens.delete(k);
    }
    this.#tokens.set(token, { tenant, expiresAt: expires });
    return this.#ok({ "app-token": token, uid, expires, access_token: randomBytes(16).toString("hex") });
  }

  #pullAuthorization(clientId: string, query: Query): Reply {
    const outer = first(query, "outerInstanceId");
    if (!outer && this.protocol.pullWithoutOuterInstanceId === "error") {
      return this.#business(BUSINESS_ERRORS.required, "outerInstanceId 不能为空");
    }
    const rows = this.#tenants
      .filter((t) => t.creds.clientId === clientId && (!outer || t.creds.outerInstanceId === outer))
      .map((t) => this.#authorizationRow(t));
    return this.#ok(rows);
  }

  /** One authorization as both the pull and the push carry it. */
  #authorizationRow(t: Tenant) {
    return {
      accountId: t.accountId,
      accountName: t.creds.accountName,
      agreementCompanyName: t.agreementCompanyName,
      appKey: t.creds.appKey,
      appSecret: t.creds.appSecret,
      clientId: t.creds.clientId,
      domain: t.creds.domain,
      groupName: t.groupName,
      outerInstanceId: t.creds.outerInstanceId,
      serviceId: t.serviceId,
      status: 1,
    };
  }

  #intParam(query: Query, key: string): number | undefined {
    const v = first(query, key);
    if (v === undefined || v === "") return undefined;
    if (!NUMERIC.test(v.trim())) throw new BadRequest(BUSINESS_ERRORS.wrongType, `${key} 字段类型错误`);
    return Number(v.trim());
  }

  #timeParam(query: Query, key: string, allowMinusOne = false): number | undefined {
    const v = first(query, key)?.trim();
    if (v === undefined || v === "") return undefined;
    if (allowMinusOne && v === "-1") return undefined;
    if (!NUMERIC.test(v)) throw new BadRequest(BUSINESS_ERRORS.wrongType, `${key} 字段类型错误`);
    return Number(v);
  }

  #dayParam(query: Query, key: string, required: boolean): string | undefined {
    const v = first(query, key)?.trim();
    if (v === undefined || v === "") {
      if (required) throw new BadRequest(BUSINESS_ERRORS.required, `${key} 不能为空`);
      return undefined;
    }
    if (!DATE.test(v) || parseDayStart(v) === undefined) throw new BadRequest(BUSINESS_ERRORS.wrongType, `${key} 字段格式不正确`);
    return v;
  }

  #list(tenant: Tenant, resource: SandboxResource, query: Query): Reply {
    if (resource === "inventory_stock") {
      const materialId = first(query, "material_id");
      if (!materialId) throw new BadRequest(BUSINESS_ERRORS.required, "material_id 不能为空");
      return this.#ok(tenant.data.inventoryStock(materialId));
    }
    const info = RESOURCES[resource];
    const pageParam = this.#intParam(query, "page");
    const sizeParam = this.#intParam(query, "page_size");
    const page = Math.max(1, pageParam ?? 1);
    const pageSize = Math.min(this.protocol.maxPageSize, sizeParam && sizeParam > 0 ? sizeParam : this.protocol.defaultPageSize);

    const f: ListFilter = {};
    const startShift = this.protocol.modifyStartInclusive ? 0 : 1;
    const endShift = this.protocol.modifyEndInclusive ? 0 : -1;
    const setModify = (from?: number, to?: number) => {
      if (from !== undefined) f.modifyFrom = from + startShift;
      if (to !== undefined) f.modifyTo = to + endShift;
    };
    if (info.timeFilter === "modify_ms") {
      setModify(this.#timeParam(query, "modify_start_time"), this.#timeParam(query, "modify_end_time"));
      f.createFrom = this.#timeParam(query, "create_start_time");
      f.createTo = this.#timeParam(query, "create_end_time");
    } else if (info.timeFilter === "pur_invoice") {
      setModify(this.#timeParam(query, "begin_time", true), this.#timeParam(query, "expire_time", true));
    }
    if (info.timeFilter === "sal_invoice") {
      const start = this.#dayParam(query, "start_date", true)!;
      const end = this.#dayParam(query, "end_date", true)!;
      f.createFrom = parseDayStart(start);
      f.createTo = parseDayStart(end)! + DAY_MS - 1;
      const begin = this.#dayParam(query, "begin_date", false);
      const expire = this.#dayParam(query, "expire_date", false);
      if (begin) f.modifyFrom = parseDayStart(begin);
      if (expire) f.modifyTo = parseDayStart(expire)! + DAY_MS - 1;
    } else {
      const startBill = this.#dayParam(query, "start_bill_date", false) ?? this.#dayParam(query, "start_date", false);
      const endBill = this.#dayParam(query, "end_bill_date", false) ?? this.#dayParam(query, "end_date", false);
      if (startBill) f.createFrom = Math.max(f.createFrom ?? 0, parseDayStart(startBill)!);
      if (endBill) f.createTo = Math.min(f.createTo ?? Number.MAX_SAFE_INTEGER, parseDayStart(endBill)! + DAY_MS - 1);
    }
    if (info.party) {
      const ids = listParam(query, `${info.party}_id`);
      if (ids.length) f.partyIds = ids;
      const num = first(query, `${info.party}_number`);
      if (num) f.partyNumber = num;
    }
    if (info.numberField === "bill_no") {
      const billNo = first(query, "bill_no");
      if (billNo) f.billNo = billNo;
    } else if (info.numberField === "number") {
      const number = first(query, "number");
      if (number) f.number = number;
    }
    const search = first(query, "search");
    if (search) f.search = search;
    const status = first(query, "bill_status") ?? first(query, "bills_tatus");
    if (status) f.status = status;
    const enable = first(query, "enable");
    if (enable && info.party === null && resource !== "voucher") f.enable = enable;
    if (resource === "inventory") {
      const mids = [...listParam(query, "material_ids"), ...listParam(query, "material_id")];
      const mnums = [...listParam(query, "material_numbers"), ...listParam(query, "material_number")];
      const sids = [...listParam(query, "stock_ids"), ...listParam(query, "stock_id")];
      if (mids.length) f.materialIds = mids;
      if (mnums.length) f.materialNumbers = mnums;
      if (sids.length) f.stockIds = sids;
    }
    for (const k of Object.keys(f) as Array<keyof ListFilter>) if (f[k] === undefined) delete f[k];

    const store = tenant.data.stores[resource];
    const rows = store.query(f, filterPredicate(resource, f));
    const count = rows.length;
    const start = (page - 1) * pageSize;
    const pageRows = start < count ? rows.slice(start, start + pageSize).map((rec) => tenant.data.listRow(rec)) : [];
    const data: Record<string, unknown> = {
      count: COUNT_AS_STRING.has(resource) ? String(count) : count,
      page,
      page_size: pageSize,
    };
    if (HAS_CURRENT_PAGE.has(resource)) data.current_page = page;
    data.total_page = Math.ceil(count / pageSize);
    data.current_page_size = pageRows.length;
    data.rows = pageRows;
    return this.#ok(data);
  }

  #detail(tenant: Tenant, resource: StoredResource, query: Query): Reply {
    const id = first(query, "id");
    const number = first(query, "number") ?? first(query, RESOURCES[resource].numberField ?? "number");
    if (!id && !number) throw new BadRequest(BUSINESS_ERRORS.required, "id 不能为空");
    const store = tenant.data.stores[resource];
    const rec = id ? store.byId.get(id) : store.byNumber.get(number!);
    if (!rec) return this.#business(BUSINESS_ERRORS.notFound, "单据不存在");
    return this.#ok(tenant.data.view(rec));
  }

  #save(tenant: Tenant, resource: StoredResource, body: string): Reply {
    let parsed: unknown;
    try {
      parsed = body ? JSON.parse(body) : {};
    } catch {
      return this.#business(BUSINESS_ERRORS.wrongType, "请求参数格式不正确");
    }
    const items = parsed && typeof parsed === "object" ? (parsed as { data?: unknown }).data : undefined;
    const result = tenant.data.save(resource, items);
    if ("errcode" in result) return this.#business(result.errcode, result.description);
    return this.#ok({ ids: result.ids });
  }

  // ---------- /__sandbox control routes (unsigned) ----------

  async #control(method: string, path: string, query: Query, body: string): Promise<Reply> {
    const route = `${method.toUpperCase()} ${path.replace(/\/+$/, "")}`;
    let input: Record<string, unknown> = {};
    try {
      if (body) input = JSON.parse(body) as Record<string, unknown>;
      if (!input || typeof input !== "object") throw new Error("body must be a JSON object");
    } catch (err) {
      return json(400, { error: `invalid JSON body: ${(err as Error).message}` });
    }
    const appKey = (typeof input.appKey === "string" ? input.appKey : undefined) ?? first(query, "appKey");
    try {
      switch (route) {
        case "GET /__sandbox/health":
          return json(200, { ok: true, url: this.url });
        case "GET /__sandbox/tenants":
          return json(200, { tenants: this.tenants() });
        case "POST /__sandbox/tenants":
          return json(200, this.addTenant(input as SandboxTenantSpec));
        case "POST /__sandbox/move-domain":
          return json(200, this.moveDomain({ appKey, ...(typeof input.domain === "string" ? { domain: input.domain } : {}) }));
        case "GET /__sandbox/signals":
          return json(200, { signals: Object.fromEntries(Object.entries(SIGNAL_VARIANTS).map(([name, v]) => [name, Object.keys(v)])) });
        case "POST /__sandbox/signals":
          this.faults.inject(validateFault({ ...input, kind: "signal", times: input.times ?? 1 }));
          return json(200, { ok: true, faults: this.#faultBox.list() });
        case "POST /__sandbox/rotate-app-secret":
          return json(200, { appKey: this.#tenant(appKey).creds.appKey, appSecret: this.rotateAppSecret(appKey) });
        case "POST /__sandbox/push-authorization":
          if (typeof input.url !== "string") return json(400, { error: "url (the webhook to push to) is required" });
          return json(200, await this.pushAuthorization({ url: input.url, appKey }));
        case "GET /__sandbox/calls": {
          const p = first(query, "path");
          return json(200, {
            count: this.calls.count(p),
            byPath: this.calls.byPath(),
            ...(p !== undefined ? { path: p, times: this.calls.times(p) } : {}),
          });
        }
        case "POST /__sandbox/calls/reset":
        case "DELETE /__sandbox/calls":
          this.calls.reset();
          return json(200, { ok: true });
        case "GET /__sandbox/faults":
          return json(200, { faults: this.#faultBox.list(), rateLimit: this.#limiter?.spec ?? null });
        case "POST /__sandbox/faults":
          if (input.clear === true) this.faults.clear();
          else if (input.expireTokens === true) this.faults.expireTokens();
          else if ("rateLimit" in input) this.faults.rateLimit((input.rateLimit as RateLimitSpec | null) ?? null);
          else this.faults.inject(validateFault(input));
          return json(200, { ok: true, faults: this.#faultBox.list() });
        case "POST /__sandbox/mutate": {
          const countOrIds = Array.isArray(input.ids) ? (input.ids as unknown[]).map(String) : Number(input.count ?? 1);
          return json(200, { ids: this.data.mutate(input.resource as SandboxResource, countOrIds, { appKey }) });
        }
        case "POST /__sandbox/add":
          return json(200, {
            ids: this.data.add(input.resource as SandboxResource, Number(input.count ?? input.n ?? 1), { appKey }),
          });
        case "POST /__sandbox/remove":
          return json(200, {
            ids: this.data.remove(input.resource as SandboxResource, ((input.ids as unknown[]) ?? []).map(String), { appKey }),
          });
        case "GET /__sandbox/count":
          return json(200, { count: this.data.count(first(query, "resource") as SandboxResource, { appKey }) });
        case "GET /__sandbox/rows":
          return json(200, {
            rows: this.data.rows(first(query, "resource") as SandboxResource, {
              appKey,
              materialId: first(query, "materialId"),
            }),
          });
        default:
          return json(404, { error: `unknown control route: ${route}` });
      }
    } catch (err) {
      return json(400, { error: (err as Error).message });
    }
  }
}

function checkResource(resource: SandboxResource): SandboxResource {
  if (!RESOURCE_NAMES.includes(resource)) throw new Error(`unknown resource: ${String(resource)}`);
  return resource;
}

function stored(resource: SandboxResource): StoredResource {
  checkResource(resource);
  if (resource === "inventory_stock") throw new Error("inventory_stock is derived from inventory; change inventory instead");
  return resource;
}
