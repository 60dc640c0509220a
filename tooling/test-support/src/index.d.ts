export { ensureDatabaseUrl, createTestDatabase, repoRoot } from "./postgres.js";
export type { DatabaseServer, TestDatabase } from "./postgres.js";
export { redisUrl, requireRedis, mongoUrl, requireMongo } from "./services.js";
