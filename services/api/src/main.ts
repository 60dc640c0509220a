import path from "node:path";
import { loadConfig } from "./config.js";
import type { EmbeddedDemo } from "./embedded/demo.js";
import { buildServer } from "./http/server.js";
import { createLogger } from "./logger.js";
import { createServices } from "./services.js";
import { onStopSignal, shutdown } from "./shutdown.js";

/**
 * Starts the service. With DATABASE_URL set it runs against the configured PostgreSQL, Redis,
 * MongoDB and real Kingdee; without it, the embedded demo (PostgreSQL from npm, the Kingdee
 * sandbox, a demo tenant) so one command shows the whole product on a fresh machine. With JOBS=off it
 * serves HTTP only and leaves the jobs to workers (`worker.ts`).
 */
async function main() {
  // Loaded only without DATABASE_URL: production never loads the sandboxes or embedded PostgreSQL.
  const demoModule = process.env.DATABASE_URL ? undefined : await import("./embedded/demo.js");
  const embedded: EmbeddedDemo | undefined = await demoModule?.startEmbeddedDemo(path.resolve(process.env.ERPBRIDGE_DATA_DIR ?? ".data"));
  const config = loadConfig({ ...process.env, ...embedded?.env });
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.NODE_ENV === "development" && process.stdout.isTTY });
  const services = await createServices(config, { logger, ...(demoModule ? { kingdeeClientDefaults: demoModule.DEMO_KINGDEE_CLIENT } : {}) });
  const app = await buildServer(services);

  // Ctrl-C also reaches the embedded PostgreSQL (same process group), so every step tolerates a
  // database that is already going away; nothing here may keep the process from exiting.
  // In order: HTTP, jobs and services (running syncs are told to stop at once, so their page in
  // flight commits well inside the budget), then the local demo's own PostgreSQL, which always gets
  // its time to stop (no container kill to beat).
  onStopSignal((signal) =>
    shutdown(logger, signal, [
      { name: "http", run: () => app.close() },
      { name: "services", run: () => services.close() },
      ...(embedded ? [{ name: "embedded", run: () => embedded.stop(), timeoutMs: 15_000 }] : []),
    ]),
  );

  await services.startBackground();
  // The embedded demo is not ready (health 503) until its first sync has finished and the banner is out.
  if (embedded) services.startupPending = "first sync of the demo tenant";
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  const url = address.replace("0.0.0.0", "localhost").replace("[::]", "localhost");

  if (embedded) {
    logger.info({ url }, "listening; syncing the demo tenant before reporting ready");
    const demo = await embedded.seed(services);
    services.startupPending = undefined;
    const banner = [
      "",
      "erpbridge is running on the embedded default (PostgreSQL from npm, Kingdee sandbox, demo tenant).",
      `  API            ${url}/trpc        health: ${url}/health   metrics: ${url}/metrics`,
      `  Kingdee (sim)  ${embedded.sandbox.url}    WeChat (sim) ${embedded.wechat.url}`,
      `  admin token    ${config.ADMIN_TOKEN}`,
      `  Kingdee push   ${url}/webhook/kingdee/auth?token=${config.KINGDEE_WEBHOOK_TOKEN}`,
      `  demo customer  ${demo.customerName}, login token ${demo.loginToken}`,
      "",
      "Try:",
      `  ERPBRIDGE_URL=${url} ADMIN_TOKEN=${config.ADMIN_TOKEN} pnpm admin sync:status`,
      `  curl -s ${url}/trpc/mini.auth.login -H 'content-type: application/json' -d '{"json":{"token":"${demo.loginToken}"}}'`,
      "",
      "Ctrl-C stops it; data stays in .data/ for the next start.",
      "",
    ];
    process.stdout.write(banner.join("\n"));
  } else {
    logger.info({ url }, "erpbridge listening");
  }
}

main().catch((error) => {
  process.stderr.write(`erpbridge failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
