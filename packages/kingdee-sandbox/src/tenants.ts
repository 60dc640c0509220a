import { TenantData } from "./data.js";
import { IDC_DOMAINS } from "./protocol.js";
import { Rng, mixSeed } from "./random.js";
import { DEFAULT_COUNTS, type SandboxResource, type StoredResource } from "./resources.js";
import type { SandboxCredentials, SandboxTenantSpec } from "./types.js";

/** One account set (账套): its credentials, its data, and where it is routed. */
export interface Tenant {
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

export const normDomain = (d: string) => d.trim().replace(/\/+$/, "").toLowerCase();

/** The tenants of one sandbox and the developer apps (clientId → clientSecret) they belong to. */
export class Tenants {
  readonly list: Tenant[] = [];
  readonly #byAppKey = new Map<string, Tenant>();
  readonly #clients = new Map<string, string>();

  constructor(
    private readonly seed: number,
    private readonly now: number,
    private readonly counts: Partial<Record<SandboxResource, number>> | undefined,
  ) {}

  clientSecret(clientId: string): string | undefined {
    return this.#clients.get(clientId);
  }

  byAppKey(appKey: string): Tenant | undefined {
    return this.#byAppKey.get(appKey);
  }

  /** The tenant of `appKey`, or the demo tenant. Throws on an unknown key. */
  get(appKey?: string): Tenant {
    if (appKey === undefined) return this.list[0]!;
    const t = this.#byAppKey.get(appKey);
    if (!t) throw new Error(`unknown appKey: ${appKey}`);
    return t;
  }

  add(spec: SandboxTenantSpec = {}): SandboxCredentials {
    const index = this.list.length;
    const seed = spec.seed ?? (index === 0 ? this.seed : mixSeed(this.seed, 0x7e4a47 + index));
    const r = new Rng(mixSeed(seed >>> 0, 0xc4ed5));
    const demo = this.list[0]?.creds;
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
    for (const [k, v] of Object.entries({ ...this.counts, ...spec.counts })) {
      if (k in counts && typeof v === "number") counts[k as StoredResource] = Math.max(0, Math.floor(v));
    }
    const tenant: Tenant = {
      creds,
      data: new TenantData(seed >>> 0, counts, this.now),
      uid: spec.uid ?? r.int(10_000_000, 99_999_999),
      accountId: spec.accountId ?? "1" + r.digits(15),
      groupName: spec.groupName ?? "金蝶云星辰",
      agreementCompanyName: spec.agreementCompanyName ?? `${creds.accountName}所属公司`,
      serviceId: spec.serviceId ?? String(r.int(100_000, 999_999)),
      rng: r,
      retiredDomains: new Set(),
    };
    this.#clients.set(clientId, clientSecret);
    this.list.push(tenant);
    this.#byAppKey.set(appKey, tenant);
    return { ...creds };
  }

  rotateAppSecret(appKey?: string): string {
    const tenant = this.get(appKey);
    let next = tenant.rng.hex(40);
    while (next === tenant.creds.appSecret) next = tenant.rng.hex(40);
    tenant.creds.appSecret = next;
    return next;
  }

  moveDomain(options: { appKey?: string; domain?: string } = {}): { appKey: string; domain: string; previousDomain: string } {
    const tenant = this.get(options.appKey);
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
}

/** One authorization as both the pull and the push carry it. */
export function authorizationRow(t: Tenant) {
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
