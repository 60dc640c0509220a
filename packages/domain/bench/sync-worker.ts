// Child process of bench/sync.ts: one full sync of sal_out_bound for one tenant, so its peak RSS
// is the sync's alone (the sandbox runs in the parent). Prints one `result {json}` line.
// Env: DATABASE_URL, ENCRYPTION_KEY, TENANT_ID, DETAIL_CONCURRENCY.
import { readFileSync } from "node:fs";
import { MemoryTokenStore } from "@erpbridge/kingdee-sdk";
import { QueryTypes } from "sequelize";
import { createDatabase, loadKeyring, SyncService, TenantClients } from "../src/index.js";

const db = createDatabase({ url: process.env.DATABASE_URL! });
const clients = new TenantClients({
  sequelize: db.sequelize,
  keyring: loadKeyring(process.env),
  tokenStore: new MemoryTokenStore(),
  clientDefaults: {
    retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 50 },
    rateLimit: { perMinute: 6_000_000, burst: 10_000, concurrency: 16 },
  },
});
const sync = new SyncService({
  sequelize: db.sequelize,
  kingdeeFor: (id) => clients.get(id),
  settings: { detailConcurrency: Number(process.env.DETAIL_CONCURRENCY ?? 8) },
});
const tenantId = process.env.TENANT_ID!;

/** Summed CPU time (ms) of the backends serving this database, read from /proc; null if not local. */
async function backendCpuMs(): Promise<number | null> {
  try {
    const rows = await db.sequelize.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'",
      { type: QueryTypes.SELECT },
    );
    const tick = 1000 / 100; // USER_HZ
    let total = 0;
    for (const { pid } of rows) {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) * tick; // utime + stime
    }
    return total;
  } catch {
    return null;
  }
}
// Warm up outside the timed part: connection pool, token, module loading.
await clients.get(tenantId).then((c) => c.token.get());
await db.sequelize.query("SELECT 1");

let peakHeap = 0;
const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 200);
const started = performance.now();
const cpuBefore = process.cpuUsage();
const pgBefore = await backendCpuMs();
const run = await sync.run({ tenantId, resource: "sal_out_bound" });
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const pgAfter = await backendCpuMs();
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
    cpuMs: (cpu.user + cpu.system) / 1000,
    // CPU of this process's PostgreSQL backends during the run (only when the server is local).
    pgCpuMs: pgBefore && pgAfter ? pgAfter - pgBefore : null,
  })}\n`,
);
await db.close();
process.exit(0);
