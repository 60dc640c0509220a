import { accountKey, type CallRecord, KingdeeClient, type KingdeeClientConfig, type RateBudget, type TokenStore } from "@erpbridge/kingdee-sdk";
import type { Sequelize } from "sequelize";
import { Tenant } from "../models/tenant.js";
import { decryptTenantCredentials, setTenantSecrets } from "../secrets/tenant-credentials.js";
import type { Keyring } from "../secrets/keyring.js";

export interface TenantClientsOptions {
  sequelize: Sequelize;
  keyring: Keyring;
  tokenStore: TokenStore;
  /** Every Kingdee HTTP exchange, for `api_call_log` and metrics. Metadata only. */
  onCall?: (tenantId: string, call: CallRecord) => void;
  /** SDK settings shared by every tenant (timeouts, rate limit, retry). */
  clientDefaults?: Partial<Pick<KingdeeClientConfig, "timeoutMs" | "rateLimit" | "retry" | "tokenRefreshWindowSeconds" | "fetch">>;
  /**
   * The rate budget of an outside account (the SDK's `accountKey`: one per JDY account set), shared
   * by every client of it — across replicas when it lives in Redis. Unset: each client's own bucket.
   */
  rateBudget?: (account: string) => RateBudget;
}

export class TenantNotReadyError extends Error {
  readonly code = "TENANT_NOT_READY";
}

/** No tenant with that id: the caller named the wrong one (NOT_FOUND), unlike a tenant not ready yet. */
export class TenantNotFoundError extends Error {
  readonly code = "TENANT_NOT_FOUND";
  constructor(readonly tenantId: string) {
    super("tenant not found");
  }
}

/**
 * One Kingdee client per tenant, built from the tenant row (secrets decrypted only here) and
 * cached so its rate limiter and token are shared by every caller in this process. Authorization
 * pulled again by the SDK is written back, encrypted.
 */
export class TenantClients {
  readonly #clients = new Map<string, Promise<KingdeeClient>>();
  constructor(private readonly options: TenantClientsOptions) {}

  get(tenantId: string): Promise<KingdeeClient> {
    let client = this.#clients.get(tenantId);
    if (!client) {
      client = this.#build(tenantId);
      this.#clients.set(tenantId, client);
      client.catch(() => this.#clients.delete(tenantId));
    }
    return client;
  }

  /** Drops the cached client, e.g. after the tenant's credentials changed. */
  forget(tenantId: string): void {
    this.#clients.delete(tenantId);
  }

  async #build(tenantId: string): Promise<KingdeeClient> {
    const tenant = await Tenant.findByPk(tenantId);
    if (!tenant) throw new TenantNotFoundError(tenantId);
    if (tenant.status !== "active") throw new TenantNotReadyError(`tenant ${tenant.name} is ${tenant.status}`);
    const creds = decryptTenantCredentials(tenant, this.options.keyring);
    if (!creds.clientSecret || !creds.appSecret || !creds.domain) {
      throw new TenantNotReadyError(`tenant ${tenant.name} has no complete Kingdee authorization (secrets or domain missing)`);
    }
    return new KingdeeClient({
      ...this.options.clientDefaults,
      clientId: creds.clientId,
      clientSecret: creds.clientSecret,
      appKey: creds.appKey,
      appSecret: creds.appSecret,
      domain: creds.domain,
      ...(creds.baseUrl ? { baseUrl: creds.baseUrl } : {}),
      ...(creds.outerInstanceId ? { outerInstanceId: creds.outerInstanceId } : {}),
      tokenStore: this.options.tokenStore,
      ...(this.options.rateBudget ? { rateBudget: this.options.rateBudget(accountKey(creds)) } : {}),
      onCall: this.options.onCall && ((call) => this.options.onCall!(tenantId, call)),
      onAuthorizationChange: async (info) => {
        const fresh = await Tenant.findByPk(tenantId);
        if (!fresh) return;
        setTenantSecrets(fresh, this.options.keyring, { appSecret: info.appSecret });
        fresh.domain = info.domain;
        await fresh.save();
      },
    });
  }
}
