// Shared rate budget bench: P child processes ("replicas") call one outside account whose budget is
// Q calls per window W, as fast as their budget lets them. A counting HTTP server here plays the
// outside system and records when each call arrives. Reported per case: the most calls that arrived
// in any window W (the goal: ≤ Q), and wall time against the floor N/Q·W (the goal: ≤ 1.1×).
// Cases: the Redis-shared GCRA budget, and the per-process token bucket as the baseline (each replica
// keeps its own Q, so together they exceed it). Settings: BENCH_BUDGET_LIMIT (Q, default 50),
// BENCH_BUDGET_WINDOW_MS (W, default 5000), BENCH_BUDGET_CALLS (N, default 200),
// BENCH_BUDGET_PROCESSES (P, default 3), BENCH_BUDGET_BURST (token bucket burst, default Q/10).
// Writes the table as JSON to bench/results/budget-latest.json.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { join } from "node:path";

const here = import.meta.dirname;
const num = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const Q = num("BENCH_BUDGET_LIMIT", 50);
const W = num("BENCH_BUDGET_WINDOW_MS", 5_000);
const N = num("BENCH_BUDGET_CALLS", 200);
const P = num("BENCH_BUDGET_PROCESSES", 3);
const BUCKET_BURST = num("BENCH_BUDGET_BURST", Math.max(1, Math.round(Q / 10)));
const CONCURRENCY = 4;
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Largest number of timestamps inside any half-open window [t, t + windowMs). */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

async function runCase(mode: "redis" | "bucket") {
  const arrivals: number[] = [];
  const server = createServer((req, res) => {
    if (!req.url?.includes("warmup")) arrivals.push(performance.now());
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/call`;
  const account = `acct-${randomUUID()}`;
  const startAt = Date.now() + 2_500; // every child connected and loaded before the first call
  const shares = Array.from({ length: P }, (_, i) => Math.floor(N / P) + (i < N % P ? 1 : 0));
  const children = shares.map((calls) => {
    const settings = { mode, redisUrl, account, limit: Q, windowMs: W, burst: mode === "redis" ? undefined : BUCKET_BURST, calls, concurrency: CONCURRENCY, target, startAt };
    const child = spawn(process.execPath, ["--import", "tsx", join(here, "budget-worker.ts")], {
      env: { ...process.env, BENCH_WORKER: JSON.stringify(settings) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    return new Promise<void>((resolve, reject) => {
      child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`budget worker exited with ${code}`))));
    });
  });
  await Promise.all(children);
  server.close();
  const wallMs = Math.max(...arrivals) - Math.min(...arrivals);
  return { arrivals: arrivals.length, maxInWindow: maxInWindow(arrivals, W), wallMs };
}

const floorMs = (N / Q) * W;
const rows: Array<Record<string, string>> = [];
for (const [mode, name] of [
  ["redis", `shared budget (Redis GCRA), ${P} processes`],
  ["bucket", `baseline: token bucket per process (burst ${BUCKET_BURST}), ${P} processes`],
] as const) {
  const result = await runCase(mode);
  const ratio = result.wallMs / floorMs;
  rows.push({
    case: name,
    calls: String(result.arrivals),
    "max in any window": `${result.maxInWindow} / ${Q}`,
    "within budget": result.maxInWindow <= Q ? "yes" : `NO (${(result.maxInWindow / Q).toFixed(2)}×)`,
    "wall time": `${(result.wallMs / 1000).toFixed(2)} s`,
    floor: `${(floorMs / 1000).toFixed(2)} s`,
    "wall / floor": `${ratio.toFixed(3)}×`,
  });
}

const cols = Object.keys(rows[0]!);
const width = Object.fromEntries(cols.map((c) => [c, Math.max(c.length, ...rows.map((r) => r[c]!.length))]));
const line = (cells: Record<string, string>) => cols.map((c) => cells[c]!.padEnd(width[c]!)).join(" | ").trimEnd();
const header =
  `budget bench: Q=${Q} calls per W=${W} ms, N=${N} calls from ${P} processes (${CONCURRENCY} in flight each); floor N/Q·W; ` +
  `goals: max in any window ≤ Q, wall ≤ 1.1× floor\nmachine: ${os.cpus().length} CPUs, node ${process.version}`;
const table = [header, line(Object.fromEntries(cols.map((c) => [c, c]))), cols.map((c) => "-".repeat(width[c]!)).join("-|-"), ...rows.map(line)].join("\n");
process.stdout.write(`\n${table}\n\n`);
mkdirSync(join(here, "results"), { recursive: true });
writeFileSync(join(here, "results", "budget-latest.json"), `${JSON.stringify({ Q, W, N, P, rows, text: table }, null, 2)}\n`);
