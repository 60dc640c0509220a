import { randomUUID } from "node:crypto";
import { SandboxKit, validateRateLimit } from "@erpbridge/sandbox-kit";
import { controlRoutes } from "./control-routes.js";
import { faultReply, isBusinessFault, matchesQuery, validateFault, validateRateLimitMode } from "./faults.js";
import { Gateway } from "./gateway.js";
import { resolveProtocol, type SandboxProtocol } from "./protocol.js";
import { Envelopes } from "./replies.js";
import { RESOURCE_NAMES, type SandboxResource, type StoredResource } from "./resources.js";
import { decodeQuery } from "./signing.js";
import { Tenants, authorizationRow } from "./tenants.js";
import { setUtcOffsetMinutes } from "./time.js";
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

/** The Kingdee JDY gateway stand-in on the sandbox kit: the kit serves, logs and injects; the gateway answers. */
export class SandboxServer implements KingdeeSandbox {
  readonly protocol: SandboxProtocol;
  readonly #kit: SandboxKit<FaultSpec, RateLimitSpec>;
  readonly #tenants: Tenants;
  readonly #gateway: Gateway;

  constructor(options: KingdeeSandboxOptions = {}) {
    this.protocol = resolveProtocol({
      ...options.protocol,
      ...(options.tokenLifetimeMs !== undefined ? { tokenLifetimeMs: options.tokenLifetimeMs } : {}),
      ...(options.timestampWindowMs !== undefined ? { timestampWindowMs: options.timestampWindowMs } : {}),
      ...(options.rejectReplayedNonce !== undefined ? { rejectReplayedNonce: options.rejectReplayedNonce } : {}),
    });
    setUtcOffsetMinutes(this.protocol.utcOffsetMinutes);
    const envelopes = new Envelopes(this.protocol);
    this.#tenants = new Tenants((options.seed ?? 1) >>> 0, options.now ?? Date.now(), options.counts);
    this.#kit = new SandboxKit<FaultSpec, RateLimitSpec>({
      name: "kingdee sandbox",
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      decodeQuery,
      faults: { validate: validateFault, matches: matchesQuery, deferred: isBusinessFault },
      rateLimit: options.rateLimit ?? null,
      validateRateLimit: (input) => validateRateLimitMode(validateRateLimit<RateLimitSpec>(input)),
      accountOf: (req) => this.#gateway.accountOf(req),
      api: (req) => this.#gateway.handle(req),
      faultReply: (fault, req) => {
        // The request runs (a save is stored) and the answer is lost: the fault matrix's "502 after the write".
        if (fault.kind === "http_error" && fault.afterExecute) this.#gateway.handle(req);
        return faultReply(envelopes, fault, req.header("x-api-timestamp"));
      },
      internalError: () => envelopes.gatewayError("internal"),
      headers: () => ({ "X-Api-Requestid": randomUUID() }),
      expireTokens: () => this.#gateway.expireTokens(),
    });
    this.#gateway = new Gateway(this.protocol, envelopes, this.#tenants, this.#kit.clock, this.#kit.faults, this.#kit.limits);
    const specs = options.tenants && options.tenants.length ? options.tenants : [{}];
    for (const spec of specs) this.addTenant(spec);
    controlRoutes(this, this.#kit);
  }

  listen(): Promise<void> {
    return this.#kit.listen();
  }

  get url(): string {
    return this.#kit.url;
  }

  get port(): number {
    return this.#kit.port;
  }

  get calls() {
    return this.#kit.calls;
  }

  get clock() {
    return this.#kit.clock;
  }

  get demoTenant(): SandboxCredentials {
    return { ...this.#tenants.get().creds };
  }

  tenants(): SandboxCredentials[] {
    return this.#tenants.list.map((t) => ({ ...t.creds }));
  }

  addTenant(spec: SandboxTenantSpec = {}): SandboxCredentials {
    return this.#tenants.add(spec);
  }

  rotateAppSecret(appKey?: string): string {
    return this.#tenants.rotateAppSecret(appKey);
  }

  moveDomain(options: { appKey?: string; domain?: string } = {}): { appKey: string; domain: string; previousDomain: string } {
    return this.#tenants.moveDomain(options);
  }

  /**
   * Sends a tenant's authorization to `url` the way Kingdee pushes it (POST, JSON, the pull's
   * row format) and returns the answer. Tests use it for the genuine push a forged one is compared with.
   */
  async pushAuthorization(options: { url: string; appKey?: string }): Promise<{ status: number; body: string }> {
    const row = authorizationRow(this.#tenants.get(options.appKey));
    const res = await fetch(options.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ bizType: "app_authorize", timestamp: Date.now(), data: [row] }),
    });
    return { status: res.status, body: await res.text() };
  }

  stop(): Promise<void> {
    return this.#kit.stop();
  }

  readonly data = {
    rows: (resource: SandboxResource, opts?: RowsOptions) =>
      this.#tenants.get(opts?.appKey).data.rows(checkResource(resource), opts?.materialId),
    count: (resource: SandboxResource, opts?: DataOptions) => this.#tenants.get(opts?.appKey).data.count(checkResource(resource)),
    mutate: (resource: SandboxResource, countOrIds: number | readonly string[], opts?: DataOptions) =>
      this.#tenants.get(opts?.appKey).data.mutate(stored(resource), countOrIds),
    add: (resource: SandboxResource, n: number, opts?: DataOptions) => this.#tenants.get(opts?.appKey).data.add(stored(resource), n),
    remove: (resource: SandboxResource, ids: readonly string[], opts?: DataOptions) =>
      this.#tenants.get(opts?.appKey).data.remove(stored(resource), ids),
  };

  readonly faults = {
    inject: (spec: FaultSpec) => this.#kit.faults.inject(spec),
    expireTokens: () => this.#gateway.expireTokens(),
    rateLimit: (spec: RateLimitSpec | null) => this.#kit.rateLimit(spec),
    /** Removes injected faults and restores the rate limit configured at start (none by default). */
    clear: () => this.#kit.clearFaults(),
    list: () => this.#kit.faults.list(),
    rateLimits: () => this.#kit.limits.list(),
  };
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
