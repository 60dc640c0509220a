import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 20_000,
    reporters: ["default", "../../tooling/scripts/vitest-summary-reporter.js"],
  },
});
