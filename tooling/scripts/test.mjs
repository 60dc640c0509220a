#!/usr/bin/env node
// The README's test command. Uses DATABASE_URL when set; otherwise starts embedded PostgreSQL for
// the run. Runs every package's lint and typecheck, then its tests, through turbo; a lint or type error
// fails the run (the tests still run, to report everything at once). Ends with one line for the repo.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureDatabaseUrl } from "@erpbridge/test-support";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const extraArgs = process.argv.slice(2);

const summaryFiles = () =>
  ["packages", "services", "tooling"]
    .map((group) => join(root, group))
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => readdirSync(dir).map((name) => join(dir, name, ".test-results", "summary.json")));
// A package whose tests never reached the reporter must not be counted from an older run.
for (const file of summaryFiles()) rmSync(file, { force: true });

const database = await ensureDatabaseUrl();
if (!process.env.REDIS_URL) console.log("REDIS_URL not set: Redis-backed tests will say they were skipped.");
if (!process.env.MONGODB_URL) console.log("MONGODB_URL not set: MongoDB-backed tests will say they were skipped.");

// After the database check, so a missing database fails at once. Cached per package by turbo; only
// the failing tasks' output is shown.
const checks = spawnSync(
  "pnpm",
  ["exec", "turbo", "run", "lint", "typecheck", "--concurrency=2", "--continue", "--output-logs=errors-only", ...extraArgs],
  { cwd: root, stdio: "inherit", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" } },
);
const checksPassed = checks.status === 0;

// Part of the test task's cache key (turbo.json): which services are configured, never their URLs,
// so a run with Redis does not replay a cached "skipped: REDIS_URL not set".
const services = ["postgres", process.env.REDIS_URL && "redis", process.env.MONGODB_URL && "mongodb"].filter(Boolean).join(",");
const turbo = spawnSync("pnpm", ["exec", "turbo", "run", "test", "--concurrency=2", "--continue", ...extraArgs], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", ERPBRIDGE_TEST_SERVICES: services },
});
await database.stop();

const totals = { passed: 0, failed: 0, skipped: 0 };
for (const file of summaryFiles().filter((f) => existsSync(f))) {
  const counts = JSON.parse(readFileSync(file, "utf8"));
  for (const key of Object.keys(totals)) totals[key] += counts[key] ?? 0;
}
const failed = totals.failed + (turbo.status === 0 ? 0 : totals.failed === 0 ? 1 : 0);
console.log(`\nlint and typecheck: ${checksPassed ? "passed" : "FAILED (see the failed tasks above)"}`);
console.log(`tests: ${totals.passed} passed, ${failed} failed, ${totals.skipped} skipped`);
process.exit(checksPassed ? (turbo.status ?? 1) : (checks.status ?? 1));
