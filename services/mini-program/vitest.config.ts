import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["@erpbridge/test-support/vitest-global-setup"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default", "../../tooling/scripts/vitest-summary-reporter.js"],
  },
});
