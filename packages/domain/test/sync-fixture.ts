import { randomBytes } from "node:crypto";
import { type KingdeeSandbox, type KingdeeSandboxOptions, startKingdeeSandbox } from "@erpbridge/kingdee-sandbox";
import { type KingdeeClient, MemoryTokenStore } from "@erpbridge/kingdee-sdk";
import { QueryTypes } from "sequelize";
import { KingdeeClients } from "../src/connections/index.js";
import { jdyConnector } from "../src/connectors/index.js";
import { loadKeyring } from "../src/secrets/index.js";
import { upsertTenant } from "../src/tenants/index.js";
import { SyncService, type SyncSettings } from "../src/sync/sync-service.js";
import { setupDomainDb, type TestDomainDb } from "./helpers.js";

export const SMALL_COUNTS = {
  customer: 12,
  supplier: 5,
  material: 20,
  sal_order: 40,
  sal_out_bound: 230,
  sal_invoice: 15,
  ar_credit: 20,
  ap_credit: 10,
  inventory: 30,
} as const;

export interface SyncFixture {
  db: TestDomainDb;
  sandbox: KingdeeSandbox;
  tenantId: string;
  encryptionKey: string;
  sync: SyncService<KingdeeClient>;
  clients: KingdeeClients;
  count(sql: string, bind?: unknown[]): Promise<number>;
  /** The out-bound page the documents job resumes at (its checkpoint), 0 before its first page. */
  outBoundNextPage(): Promise<number>;
  teardown(): Promise<void>;
}

/** A migrated database, a seeded sandbox, a tenant pointing at it, and a sync service. */
export async function setupSync(
  options: { sandbox?: KingdeeSandboxOptions; settings?: Partial<SyncSettings> } = {},
): Promise<SyncFixture> {
  const db = await setupDomainDb();
  const sandbox = await startKingdeeSandbox({ counts: SMALL_COUNTS, ...options.sandbox });
  const encryptionKey = randomBytes(32).toString("base64");
  const keyring = loadKeyring({ ENCRYPTION_KEY: encryptionKey });
  const { tenant } = await upsertTenant(keyring, {
    name: "Sandbox demo",
    clientId: sandbox.demoTenant.clientId,
    clientSecret: sandbox.demoTenant.clientSecret,
    appKey: sandbox.demoTenant.appKey,
    appSecret: sandbox.demoTenant.appSecret,
    domain: sandbox.demoTenant.domain,
    outerInstanceId: sandbox.demoTenant.outerInstanceId,
    baseUrl: sandbox.url,
  });
  const clients = new KingdeeClients({
    sequelize: db.sequelize,
    keyring,
    tokenStore: new MemoryTokenStore(),
    clientDefaults: { retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 50 }, rateLimit: { perMinute: 600_000, burst: 1000, concurrency: 16 } },
  });
  const sync = new SyncService({ sequelize: db.sequelize, connector: jdyConnector, clientFor: (id) => clients.get(id), settings: options.settings });
  return {
    db,
    sandbox,
    tenantId: tenant.id,
    encryptionKey,
    sync,
    clients,
    async count(sql, bind = []) {
      const [row] = await db.sequelize.query<{ n: string }>(sql, { bind, type: QueryTypes.SELECT });
      return Number(row?.n ?? 0);
    },
    async outBoundNextPage() {
      const [row] = await db.sequelize.query<{ page: string | null }>(
        `SELECT last_cursor -> 'sal_out_bound' -> 'window' ->> 'nextPage' AS page FROM sync_job WHERE job_name = 'documents_incremental'`,
        { type: QueryTypes.SELECT },
      );
      return Number(row?.page ?? 0);
    },
    async teardown() {
      await sync.stop();
      await sandbox.stop();
      await db.teardown();
    },
  };
}
