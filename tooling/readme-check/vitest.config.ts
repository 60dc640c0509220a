import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["@erpbridge/test-support/vitest-global-setup"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    reporters: ["default", "../../tooling/scripts/vitest-summary-reporter.js"],
  },
});
