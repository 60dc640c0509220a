import type { RateLimitRule, SandboxCalls, SandboxClock } from "@erpbridge/sandbox-kit";
import type { SandboxProtocol } from "./protocol.js";
import type { SandboxResource } from "./resources.js";

export type { SandboxResource } from "./resources.js";
export type { SandboxProtocol } from "./protocol.js";
export type { CallFilter, SandboxCalls, SandboxClock } from "@erpbridge/sandbox-kit";

/** Everything a client needs to talk to one tenant (账套) of the sandbox. Demo values, not secrets. */
export interface SandboxCredentials {
  clientId: string;
  clientSecret: string;
  appKey: string;
  appSecret: string;
  /** Value for the `X-GW-Router-Addr` header. */
  domain: string;
  outerInstanceId: string;
  accountName: string;
}

/** A tenant to create. Unset credentials are generated; clientId/clientSecret default to the demo tenant's app. */
export interface SandboxTenantSpec extends Partial<SandboxCredentials> {
  seed?: number;
  counts?: Partial<Record<SandboxResource, number>>;
  uid?: number;
  accountId?: string;
  groupName?: string;
  agreementCompanyName?: string;
  serviceId?: string;
}

/** Narrows a fault by decoded query parameters, e.g. `{ id: "123" }`. */
export type FaultMatch = Record<string, string>;

export type FaultSpec =
  /** `afterExecute`: the gateway runs the request (a save is stored), then answers the error anyway. */
  | { kind: "http_error"; status?: 500 | 502 | 503; afterExecute?: boolean; times: number; path?: string; match?: FaultMatch }
  /** One variant of a token / throttle / replay / stale-IDC signal (see `SIGNAL_VARIANTS`), answered before auth. */
  | { kind: "signal"; signal: string; variant: string; times: number; path?: string; match?: FaultMatch }
  | { kind: "latency"; ms: number; times?: number; path?: string; match?: FaultMatch }
  | { kind: "malformed_json"; times: number; path?: string; match?: FaultMatch }
  | { kind: "timestamp_error"; times: number; path?: string; match?: FaultMatch }
  | { kind: "business_error"; errcode: number; description: string; times: number; path?: string; match?: FaultMatch };

/**
 * The kit's rule (`perSecond` token bucket, or `perMinute` with a `fixed`/`sliding` window; `account`
 * is an appKey) plus how the gateway answers when over: errcode 5007 on HTTP 519, or HTTP 429.
 */
export interface RateLimitSpec extends RateLimitRule {
  mode?: "errcode" | "http429";
}

export interface DataOptions {
  /** Tenant to act on; default: the demo tenant. */
  appKey?: string;
}

export interface RowsOptions extends DataOptions {
  /** inventory_stock only: rows of one material (default: every material, with `material_id` added). */
  materialId?: string;
}

export interface KingdeeSandboxOptions {
  /** Default 0 (random free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 1. */
  seed?: number;
  counts?: Partial<Record<SandboxResource, number>>;
  /** Default 2 h. */
  tokenLifetimeMs?: number;
  /** Default 300 000. */
  timestampWindowMs?: number;
  /** Default true. */
  rejectReplayedNonce?: boolean;
  rateLimit?: RateLimitSpec | null;
  /** Default: one demo tenant. The first tenant is the demo tenant. */
  tenants?: SandboxTenantSpec[];
  logger?: (line: string) => void;
  /** Clock reading the seeded times are spread back from (default Date.now() at start). */
  now?: number;
  /** Overrides of the UNCONFIRMED protocol choices (see protocol.ts). */
  protocol?: Partial<SandboxProtocol>;
}

export interface SandboxData {
  /** Current rows (full documents incl. entries), in list order, as deep copies. */
  rows(resource: SandboxResource, opts?: RowsOptions): Record<string, unknown>[];
  count(resource: SandboxResource, opts?: DataOptions): number;
  /** Changes content and bumps modify_time to now; returns the changed ids. */
  mutate(resource: SandboxResource, countOrIds: number | readonly string[], opts?: DataOptions): string[];
  /** Adds rows created now; returns their ids. */
  add(resource: SandboxResource, n: number, opts?: DataOptions): string[];
  /** Deletes rows; returns the ids that existed. */
  remove(resource: SandboxResource, ids: readonly string[], opts?: DataOptions): string[];
}

export interface SandboxFaults {
  inject(spec: FaultSpec): void;
  /** Every app-token issued so far is expired now. */
  expireTokens(): void;
  /** Sets the rule of `spec.account` (an appKey) or the general one; null removes every rule. */
  rateLimit(spec: RateLimitSpec | null): void;
  /** The active rate-limit rules. */
  rateLimits(): RateLimitSpec[];
  clear(): void;
  /** Active faults with their remaining counts. */
  list(): Array<FaultSpec & { remaining: number }>;
}

export interface KingdeeSandbox {
  /** "http://127.0.0.1:<port>" — the SDK's baseUrl. */
  readonly url: string;
  readonly port: number;
  readonly demoTenant: SandboxCredentials;
  readonly protocol: Readonly<SandboxProtocol>;
  tenants(): SandboxCredentials[];
  addTenant(spec?: SandboxTenantSpec): SandboxCredentials;
  /**
   * Moves the account to another IDC domain (default: the next of `IDC_DOMAINS`). Calls still routed
   * to a domain it left answer HTTP 502, as the real gateway does after a move.
   */
  moveDomain(options?: { appKey?: string; domain?: string }): { appKey: string; domain: string; previousDomain: string };
  /** New appSecret; the old one now fails the token call with errcode 1030002006. */
  rotateAppSecret(appKey?: string): string;
  /** POSTs the tenant's (default: the demo tenant's) authorization to `url` as Kingdee's push does; returns the answer. */
  pushAuthorization(options: { url: string; appKey?: string }): Promise<{ status: number; body: string }>;
  /** Closes the server and its keep-alive sockets. */
  stop(): Promise<void>;
  readonly data: SandboxData;
  readonly faults: SandboxFaults;
  /** Arrivals per path and per account set (appKey of the token or of the token call). */
  readonly calls: SandboxCalls;
  /** Sandbox time: tokens and rate windows expire by it (signature timestamps are checked against the wall clock). */
  readonly clock: SandboxClock;
}
