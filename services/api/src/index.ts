export type { AppRouter } from "./root.js";
export { appRouter } from "./root.js";
export { buildServer } from "./http/server.js";
export { createServices, type AppServices } from "./services.js";
export { loadConfig, configSchema, type AppConfig } from "./config.js";
export { createLogger } from "./logger.js";
