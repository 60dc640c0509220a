import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KingdeeSandbox, type KingdeeSandboxOptions, startKingdeeSandbox } from "@erpbridge/kingdee-sandbox";
import { createTestDatabase } from "@erpbridge/test-support";
import type { FastifyInstance } from "fastify";
// The typed client by path, not as a package: @erpbridge/client depends on this package's router type.
import { createClient } from "../../../packages/client/src/index.js";
import { loadConfig } from "../src/config.js";
import { buildServer } from "../src/http/server.js";
import { createLogger } from "../src/logger.js";
import { type AppServices, createServices } from "../src/services.js";

export const ADMIN_TOKEN = "test-admin-token-0123456789abcdefghij";

export const SMALL_COUNTS = {
  customer: 6,
  supplier: 2,
  material: 10,
  sal_order: 20,
  sal_out_bound: 60,
  sal_invoice: 5,
  ar_credit: 5,
  ap_credit: 3,
  inventory: 5,
  pur_order: 3,
  pur_inbound: 3,
  pur_invoice: 2,
  voucher: 3,
} as const;

export interface TestApi {
  url: string;
  app: FastifyInstance;
  services: AppServices;
  sandbox: KingdeeSandbox;
  uploadDir: string;
  /** A typed client with the given Bearer token (none: anonymous). */
  client(token?: string): ReturnType<typeof createClient>;
  admin: ReturnType<typeof createClient>;
  /** Creates the sandbox's demo tenant through the admin API. */
  createSandboxTenant(): Promise<string>;
  /** Everything logged so far (JSON lines); empty unless started with `captureLogs`. */
  logs(): string;
  close(): Promise<void>;
}

/** The real service on a random port: own database, the Kingdee sandbox, no scheduler. */
export async function startTestApi(
  options: { sandbox?: KingdeeSandboxOptions; env?: Record<string, string>; captureLogs?: boolean } = {},
): Promise<TestApi> {
  const db = await createTestDatabase("api");
  const sandbox = await startKingdeeSandbox({ counts: SMALL_COUNTS, ...options.sandbox });
  const uploadDir = mkdtempSync(join(tmpdir(), "erpbridge-uploads-"));
  const config = loadConfig({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_URL: db.url,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ADMIN_TOKEN,
    ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    UPLOAD_DIR: uploadDir,
    LOG_LEVEL: "silent",
    SYNC_SCHEDULER_ENABLED: "false",
    KINGDEE_BASE_URL: sandbox.url,
    ERP_PROBE_INTERVAL_MS: "3600000",
    // The sandbox's ISV app: the authorization webhook pulls pushes back with it.
    KINGDEE_CLIENT_ID: sandbox.demoTenant.clientId,
    KINGDEE_CLIENT_SECRET: sandbox.demoTenant.clientSecret,
    CUSTOMER_MUTATION_RATE_LIMIT: "100000", // tests make many mutations per session; rate-limit.test.ts sets its own
    ...options.env,
  });
  let logText = "";
  const logger = options.captureLogs
    ? createLogger({ level: "trace", pretty: false, destination: { write: (line: string) => void (logText += line) } })
    : createLogger({ level: "silent", pretty: false });
  const services = await createServices(config, {
    logger,
    kingdeeClientDefaults: {
      retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 50 },
      rateLimit: { perMinute: 600_000, burst: 1000, concurrency: 16 },
    },
  });
  const app = await buildServer(services);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const client = (token?: string) => createClient({ url, getToken: () => token });
  const admin = client(ADMIN_TOKEN);
  return {
    url,
    app,
    services,
    sandbox,
    uploadDir,
    client,
    admin,
    async createSandboxTenant() {
      const t = sandbox.demoTenant;
      const { tenant } = await admin.admin.tenant.upsert.mutate({
        name: "Sandbox demo",
        clientId: t.clientId,
        clientSecret: t.clientSecret,
        appKey: t.appKey,
        appSecret: t.appSecret,
        domain: t.domain,
        outerInstanceId: t.outerInstanceId,
        baseUrl: sandbox.url,
      });
      return tenant.id;
    },
    logs: () => logText,
    async close() {
      await app.close();
      await services.close();
      await sandbox.stop();
      await db.drop();
      rmSync(uploadDir, { recursive: true, force: true });
    },
  };
}

/** Polls a run until it leaves `running`. */
export async function waitForRun(api: TestApi, runId: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await api.admin.admin.sync.get.query({ runId });
    if (run.status !== "running" && run.status !== "pending") return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ServiceProcess {
  child: ChildProcessWithoutNullStreams;
  /** Resolves when the process exits, with when it did. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
}

/**
 * `src/<entry>.ts` as a process of its own (a replica of the deployment) on the harness's database,
 * Redis and sandbox, with the scheduler on and nothing scheduled often unless `env` says so.
 */
export function spawnService(api: TestApi, entry: "main" | "worker", env: Record<string, string> = {}): ServiceProcess {
  const { config } = api.services;
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "..", "src", `${entry}.ts`)], {
    cwd: join(import.meta.dirname, ".."),
    env: {
      ...process.env,
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: config.DATABASE_URL,
      ...(config.REDIS_URL ? { REDIS_URL: config.REDIS_URL } : {}),
      ADMIN_TOKEN,
      ENCRYPTION_KEY: config.ENCRYPTION_KEY,
      LOG_LEVEL: "info",
      KINGDEE_BASE_URL: api.sandbox.url,
      ERP_PROBE_INTERVAL_MS: "3600000",
      SYNC_SCHEDULER_ENABLED: "true",
      SYNC_DOCUMENT_HOURLY_CRON: "0 0 1 1 *",
      SYNC_MASTER_DAILY_CRON: "0 0 1 1 *",
      ...env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, exited, output: () => output };
}
