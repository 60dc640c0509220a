// One "replica" of the budget bench: takes calls from its budget and sends each to the parent's
// counting server. Settings arrive as JSON in BENCH_WORKER; prints one JSON line when done.
import { Redis } from "ioredis";
import { type RateBudget, RedisRateBudget, TokenBucketBudget } from "../src/index.js";

interface WorkerSettings {
  mode: "redis" | "bucket";
  redisUrl: string;
  account: string;
  limit: number;
  windowMs: number;
  /** Unset: the budget's default. */
  burst?: number;
  calls: number;
  concurrency: number;
  target: string;
  startAt: number;
}

const settings = JSON.parse(process.env.BENCH_WORKER ?? "{}") as WorkerSettings;
const redis = settings.mode === "redis" ? new Redis(settings.redisUrl) : undefined;
const budget: RateBudget = redis
  ? new RedisRateBudget({ redis, account: settings.account, prefix: "integration-kit:bench:", limit: settings.limit, windowMs: settings.windowMs, burst: settings.burst })
  : new TokenBucketBudget({ limit: settings.limit, windowMs: settings.windowMs, burst: settings.burst ?? 1 });

// Warm up: the first fetch loads undici and opens connections; that should not delay a counted call.
await Promise.all(Array.from({ length: settings.concurrency }, async () => (await fetch(`${settings.target}?warmup=1`, { method: "POST" })).arrayBuffer()));
await new Promise((resolve) => setTimeout(resolve, Math.max(0, settings.startAt - Date.now())));
let left = settings.calls;
const worker = async () => {
  while (left > 0) {
    left--;
    await budget.take();
    const response = await fetch(settings.target, { method: "POST" });
    await response.arrayBuffer();
  }
};
await Promise.all(Array.from({ length: settings.concurrency }, worker));
await redis?.quit();
process.stdout.write(`${JSON.stringify({ done: settings.calls })}\n`);
