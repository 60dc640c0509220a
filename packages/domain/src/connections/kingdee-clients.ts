import { accountKey, type CallRecord, KingdeeClient, type KingdeeClientConfig, type RateBudget, type TokenStore } from "@erpbridge/kingdee-sdk";
import type { Sequelize } from "sequelize";
import { Tenant } from "../models/tenant.js";
import type { Keyring } from "../secrets/keyring.js";
import { Connection } from "./connection.js";
import { applyConnectionChanges, findTenantConnection } from "./connections.js";
import { decryptCredentials } from "./credentials.js";
import { TenantNotFoundError, TenantNotReadyError } from "./errors.js";
import { kingdeeJdyClientConfig, kingdeeJdyMissing, kingdeeJdySettingsSchema } from "./kinds/kingdee-jdy.js";

export interface KingdeeClientsOptions {
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

/**
 * One Kingdee client per tenant, built from the tenant's `kingdee_jdy` connection (secrets
 * decrypted only here) and cached so its rate limiter and token are shared by every caller in this
 * process. Authorization pulled again by the SDK is written back into the connection, encrypted.
 */
export class KingdeeClients {
  readonly #clients = new Map<string, Promise<KingdeeClient>>();
  constructor(private readonly options: KingdeeClientsOptions) {}

  /** The SDK settings every client gets; a connection's test call uses them too. */
  get clientDefaults(): KingdeeClientsOptions["clientDefaults"] {
    return this.options.clientDefaults;
  }

  get(tenantId: string): Promise<KingdeeClient> {
    let client = this.#clients.get(tenantId);
    if (!client) {
      client = this.#build(tenantId);
      this.#clients.set(tenantId, client);
      client.catch(() => this.#clients.delete(tenantId));
    }
    return client;
  }

  /** Drops the cached client, e.g. after the tenant's connection changed. */
  forget(tenantId: string): void {
    this.#clients.delete(tenantId);
  }

  async #build(tenantId: string): Promise<KingdeeClient> {
    const tenant = await Tenant.findByPk(tenantId);
    if (!tenant) throw new TenantNotFoundError(tenantId);
    if (tenant.status !== "active") throw new TenantNotReadyError(`tenant ${tenant.name} is ${tenant.status}`);
    const connection = await findTenantConnection(tenantId, "kingdee_jdy");
    if (!connection) throw new TenantNotReadyError(`tenant ${tenant.name} has no Kingdee connection`);
    if (connection.status === "disabled") throw new TenantNotReadyError(`tenant ${tenant.name}'s Kingdee connection is disabled`);
    const settings = kingdeeJdySettingsSchema.parse(connection.settings);
    const secrets = decryptCredentials(connection, this.options.keyring);
    if (kingdeeJdyMissing(settings, secrets).length > 0) {
      throw new TenantNotReadyError(`tenant ${tenant.name} has no complete Kingdee authorization (secrets or domain missing)`);
    }
    const connectionId = connection.id;
    const config = kingdeeJdyClientConfig(settings, secrets);
    return new KingdeeClient({
      ...this.options.clientDefaults,
      ...config,
      tokenStore: this.options.tokenStore,
      ...(this.options.rateBudget ? { rateBudget: this.options.rateBudget(accountKey(config)) } : {}),
      onCall: this.options.onCall && ((call) => this.options.onCall!(tenantId, call)),
      onAuthorizationChange: async (info) => {
        const fresh = await Connection.findByPk(connectionId);
        if (!fresh) return;
        applyConnectionChanges(fresh, this.options.keyring, { settings: { domain: info.domain }, secrets: { appSecret: info.appSecret } });
        await fresh.save();
      },
    });
  }
}
