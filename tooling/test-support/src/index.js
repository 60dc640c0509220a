// @erpbridge/test-support — test plumbing shared by the root test script (plain node) and vitest.
export { ensureDatabaseUrl, createTestDatabase, repoRoot } from "./postgres.js";
export { redisUrl, requireRedis, mongoUrl, requireMongo } from "./services.js";
