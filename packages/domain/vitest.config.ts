import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // DATABASE_URL, or embedded PostgreSQL when it is unset; each test file makes its own database.
    globalSetup: ["@erpbridge/test-support/vitest-global-setup"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    reporters: ["default", "../../tooling/scripts/vitest-summary-reporter.js"],
  },
});
