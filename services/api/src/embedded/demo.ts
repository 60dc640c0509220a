import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { issueLoginToken } from "@erpbridge/domain/customers";
import { Customer } from "@erpbridge/domain/models";
import { upsertTenant } from "@erpbridge/domain/tenants";
import { type KingdeeSandbox, startKingdeeSandbox } from "@erpbridge/kingdee-sandbox";
import { type WechatSandbox, startWechatSandbox } from "@erpbridge/wechat-sandbox";
import { MINI_PROGRAM_PAGES } from "../mini-program-pages.js";
import type { AppServices } from "../services.js";
import { startEmbeddedPostgres } from "./postgres.js";

/** Logins the demo customer's token allows (it is printed in the banner for anyone to try). */
const DEMO_LOGIN_TOKEN_USES = 1000;

/** A value generated on the first start and kept in `.data`, so restarts reuse it. */
function persistedSecret(dataDir: string, name: string, make: () => string): string {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const value = make();
  writeFileSync(file, value + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
  return value;
}

/** A distributor's month or two: enough to see paging, deliveries and statements, quick to sync. */
const DEMO_COUNTS = { customer: 20, material: 40, sal_order: 120, sal_out_bound: 400, ar_credit: 60 };

/**
 * The sandbox has no 500 calls/min gateway limit, so the demo's client need not pace itself
 * like a real tenant's; the first sync then takes seconds, not minutes.
 */
export const DEMO_KINGDEE_CLIENT = { rateLimit: { perMinute: 60_000, burst: 200, concurrency: 16 } };

/** The demo's WeChat sandbox: its released version has the mini-program's pages, so invites work with defaults. */
export const startDemoWechatSandbox = (port = 0) => startWechatSandbox({ port, pages: [...MINI_PROGRAM_PAGES] });

export interface EmbeddedDemo {
  env: Record<string, string>;
  sandbox: KingdeeSandbox;
  wechat: WechatSandbox;
  /** Creates the demo tenant, runs the first sync and issues a demo customer login token. */
  seed(services: AppServices): Promise<{ tenantId: string; customerName: string; loginToken: string }>;
  stop(): Promise<void>;
}

/**
 * The embedded default: nothing to install. PostgreSQL from npm (data under `.data/postgres`),
 * the Kingdee and WeChat sandboxes in-process with a seeded demo tenant, generated admin token and encryption
 * key kept under `.data` so a second start reuses the data.
 */
export async function startEmbeddedDemo(dataDir: string): Promise<EmbeddedDemo> {
  mkdirSync(dataDir, { recursive: true });
  const postgres = await startEmbeddedPostgres(path.join(dataDir, "postgres"));
  // The sandbox's seeded documents are spread back from this moment; keeping it makes restarts see the same ERP.
  const epoch = Number(persistedSecret(dataDir, "sandbox-epoch", () => String(Date.now())));
  const sandbox = await startKingdeeSandbox({ port: Number(process.env.KINGDEE_SANDBOX_PORT ?? 0), seed: 1, now: epoch, counts: DEMO_COUNTS });
  const wechat = await startDemoWechatSandbox(Number(process.env.WECHAT_SANDBOX_PORT ?? 0));
  const env = {
    DATABASE_URL: postgres.url,
    ADMIN_TOKEN: persistedSecret(dataDir, "admin-token", () => randomBytes(24).toString("base64url")),
    ENCRYPTION_KEY: persistedSecret(dataDir, "encryption-key", () => randomBytes(32).toString("base64")),
    UPLOAD_DIR: path.join(dataDir, "uploads"),
    KINGDEE_BASE_URL: sandbox.url,
    WECHAT_APP_ID: wechat.demoApp.appId,
    WECHAT_APP_SECRET: wechat.demoApp.appSecret,
    WECHAT_BASE_URL: wechat.url,
    // The sandbox's ISV app, so the authorization webhook can pull pushes back to confirm them.
    KINGDEE_CLIENT_ID: sandbox.demoTenant.clientId,
    KINGDEE_CLIENT_SECRET: sandbox.demoTenant.clientSecret,
    KINGDEE_WEBHOOK_TOKEN: persistedSecret(dataDir, "kingdee-webhook-token", () => randomBytes(24).toString("base64url")),
    // A demo on a laptop is for this machine only; HOST opens it up deliberately.
    HOST: process.env.HOST ?? "127.0.0.1",
  };
  return {
    env,
    sandbox,
    wechat,
    async seed(services) {
      const demo = sandbox.demoTenant;
      const { tenant } = await upsertTenant(services.keyring, {
        name: `${demo.accountName} (sandbox)`,
        clientId: demo.clientId,
        clientSecret: demo.clientSecret,
        appKey: demo.appKey,
        appSecret: demo.appSecret,
        domain: demo.domain,
        outerInstanceId: demo.outerInstanceId,
        baseUrl: sandbox.url,
      });
      await services.tenantChanged(tenant.id);
      for (const jobName of ["master_data_full", "documents_incremental"] as const) {
        await services.sync.run({ tenantId: tenant.id, jobName, trigger: "manual" });
      }
      const customer = await Customer.findOne({ where: { tenantId: tenant.id }, order: [["number", "ASC"]] });
      if (!customer) throw new Error("the first sync brought no customer");
      // Reusable: the banner's example login must keep working however often it is tried.
      const ttlMs = services.config.CUSTOMER_LOGIN_TOKEN_TTL_HOURS * 3600_000;
      const { token } = await issueLoginToken(services.db.sequelize, customer.id, ttlMs, DEMO_LOGIN_TOKEN_USES);
      return { tenantId: tenant.id, customerName: customer.name, loginToken: token };
    },
    async stop() {
      await sandbox.stop();
      await wechat.stop();
      await postgres.stop();
    },
  };
}
