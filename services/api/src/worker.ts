import { loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { createServices } from "./services.js";
import { onStopSignal, shutdown } from "./shutdown.js";

/**
 * A worker: the same services as the API, running jobs (scheduled and queued syncs, notifications,
 * probes) without serving HTTP. Scale it on its own; the API then runs with JOBS=off. It needs the
 * configured PostgreSQL (DATABASE_URL): the embedded demo is the API's.
 */
async function main() {
  if (!process.env.DATABASE_URL) throw new Error("the worker needs DATABASE_URL (the embedded demo runs its jobs in `pnpm start`)");
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.NODE_ENV === "development" && process.stdout.isTTY }).child({
    role: "worker",
  });
  const services = await createServices(config, { logger });
  onStopSignal((signal) => shutdown(logger, signal, [{ name: "services", run: () => services.close() }]));
  await services.startBackground({ jobs: true });
  logger.info({ kinds: services.jobs.kinds(), backend: services.jobs.backendName }, "erpbridge worker running jobs");
}

main().catch((error) => {
  process.stderr.write(`erpbridge worker failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
