import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    reporters: ["default", "../../tooling/scripts/vitest-summary-reporter.js"],
  },
});
