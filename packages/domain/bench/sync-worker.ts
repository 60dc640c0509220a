// Child process of bench/sync.ts: one full sync of sal_out_bound for one tenant, so its peak RSS
// is the sync's alone (the sandbox runs in the parent). Prints one `result {json}` line.
// Env: DATABASE_URL, ENCRYPTION_KEY, TENANT_ID, DETAIL_CONCURRENCY, GC_EVERY_PAGES, RAW_ONLY (1: the stream
// without its projection and statements, i.e. the engine's own work: raw versions, ledger, checkpoint).
import { MemoryTokenStore } from "@erpbridge/kingdee-sdk";
import { QueryTypes } from "sequelize";
import { BACKEND_PIDS_SQL, backendCpuMs } from "./backend-cpu.js";
import { KingdeeClients } from "../src/connections/index.js";
import { jdyConnector, jdyStreams } from "../src/connectors/index.js";
import { createDatabase } from "../src/db/index.js";
import { loadKeyring } from "../src/secrets/index.js";
import { SyncService } from "../src/sync/index.js";

const db = createDatabase({ url: process.env.DATABASE_URL! });
const clients = new KingdeeClients({
  sequelize: db.sequelize,
  keyring: loadKeyring(process.env),
  tokenStore: new MemoryTokenStore(),
  clientDefaults: {
    retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 50 },
    rateLimit: { perMinute: 6_000_000, burst: 10_000, concurrency: 16 },
  },
});
const { project: _project, finalize: _finalize, ...rawOutBound } = jdyStreams.sal_out_bound;
const connector =
  process.env.RAW_ONLY === "1" ? { ...jdyConnector, streams: { ...jdyConnector.streams, sal_out_bound: rawOutBound } } : jdyConnector;
const sync = new SyncService({
  sequelize: db.sequelize,
  connector,
  clientFor: (id) => clients.get(id),
  settings: { detailConcurrency: Number(process.env.DETAIL_CONCURRENCY ?? 8) },
  onProgress: () => {
    pageTimes.push(performance.now());
    // Live heap after a full GC every GC_EVERY_PAGES pages (needs --expose-gc): is memory retained?
    if (pageTimes.length % gcEvery === 0 && typeof globalThis.gc === "function") {
      globalThis.gc();
      liveHeap = Math.max(liveHeap, process.memoryUsage().heapUsed);
    }
  },
});
const pageTimes: number[] = [];
let liveHeap = 0;
const gcEvery = Math.max(1, Number(process.env.GC_EVERY_PAGES ?? 100));
const tenantId = process.env.TENANT_ID!;

function tenths(values: number[]): number[] {
  const out: number[] = [];
  for (let k = 0; k < 10; k++) {
    const part = values.slice(Math.floor((k * values.length) / 10), Math.floor(((k + 1) * values.length) / 10));
    if (part.length) out.push(Math.round(part.reduce((a, b) => a + b, 0) / part.length));
  }
  return out;
}

const backendCpu = () =>
  backendCpuMs(async () =>
    (await db.sequelize.query<{ pid: number }>(BACKEND_PIDS_SQL, { type: QueryTypes.SELECT })).map((r) => r.pid),
  );
// Warm up outside the timed part: connection pool, token, module loading.
await clients.get(tenantId).then((c) => c.token.get());
await db.sequelize.query("SELECT 1");

let peakHeap = 0;
const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 200);
const started = performance.now();
const cpuBefore = process.cpuUsage();
const pgBefore = await backendCpu();
const run = await sync.run({ tenantId, resource: "sal_out_bound" });
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const pgAfter = await backendCpu();
clearInterval(sampler);
process.stdout.write(
  `result ${JSON.stringify({
    status: run.status,
    error: run.error,
    warnings: run.warnings,
    fetched: run.fetchedCount,
    inserted: run.insertedCount,
    updated: run.updatedCount,
    failed: run.failedCount,
    wallMs,
    maxRssKiB: process.resourceUsage().maxRSS,
    peakHeapBytes: peakHeap,
    maxLiveHeapBytes: liveHeap,
    cpuMs: (cpu.user + cpu.system) / 1000,
    // Mean ms per page in each tenth of the run: a rising pace means per-page cost grows with N.
    paceMsPerPage: tenths(pageTimes.map((t, i) => t - (i === 0 ? started : pageTimes[i - 1]!))),
    // CPU of this process's PostgreSQL backends during the run (only when the server is local).
    pgCpuMs: pgBefore !== null && pgAfter !== null ? pgAfter - pgBefore : null,
  })}\n`,
);
await db.close();
process.exit(0);
