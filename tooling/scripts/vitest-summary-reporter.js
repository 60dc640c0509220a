// Writes this package's test counts to .test-results/summary.json so the root test command can
// print one closing line for the whole repo (turbo caches and restores the file with the task).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export default class SummaryReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") counts.passed++;
        else if (state === "failed") counts.failed++;
        else counts.skipped++;
      }
      // A file that failed to load has no tests but must still count as a failure.
      if (module.state() === "failed" && module.children.size === 0) counts.failed++;
    }
    counts.failed += unhandledErrors.length;
    const dir = join(process.cwd(), ".test-results");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "summary.json"), JSON.stringify(counts) + "\n");
  }
}
