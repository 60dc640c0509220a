// Child process of bench/sync.ts: the "bare loop" baseline. The same sandbox calls as the engine's
// full sync (list pages of 100, every document's detail with the same concurrency, through the
// same client), each page stored with one plain multi-row upsert. No engine: no versions, change
// detection, projections, ledger, checkpoint or pipelining. Prints one `result {json}` line.
// Env: DATABASE_URL (tenants), BARE_URL (its own table), ENCRYPTION_KEY, TENANT_ID, DETAIL_CONCURRENCY.
import { MemoryTokenStore } from "@erpbridge/kingdee-sdk";
import pg from "pg";
import { BACKEND_PIDS_SQL, backendCpuMs } from "./backend-cpu.js";
import { KingdeeClients } from "../src/connections/index.js";
import { createDatabase } from "../src/db/index.js";
import { loadKeyring } from "../src/secrets/index.js";
import { contentHash } from "../src/sync/index.js";

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
const concurrency = Number(process.env.DETAIL_CONCURRENCY ?? 8);
const bare = new pg.Client({ connectionString: process.env.BARE_URL! });
await bare.connect();
await bare.query(`CREATE TABLE IF NOT EXISTS bare_doc (id text PRIMARY KEY, data jsonb NOT NULL, hash text NOT NULL)`);
await bare.query(`TRUNCATE bare_doc`);

// Warm up outside the timed part, as the engine's worker does.
const client = await clients.get(process.env.TENANT_ID!);
await client.token.get();
const outBound = client.resource("sal_out_bound");
const backendCpu = () => backendCpuMs(async () => (await bare.query<{ pid: number }>(BACKEND_PIDS_SQL)).rows.map((r) => r.pid));

async function details(ids: string[]): Promise<unknown[]> {
  const docs = new Array<unknown>(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const index = next++;
      docs[index] = await outBound.detail({ id: ids[index]! });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return docs;
}

const started = performance.now();
const cpuBefore = process.cpuUsage();
const pgBefore = await backendCpu();
let stored = 0;
for await (const page of outBound.pages({ pageSize: 100 })) {
  const docs = await details(page.rows.map((r) => String(r.id)));
  const rows = docs.map((d) => ({ id: String((d as { id: unknown }).id), data: d, hash: contentHash(d) }));
  await bare.query("BEGIN");
  await bare.query(
    `INSERT INTO bare_doc (id, data, hash)
     SELECT r.id, r.data, r.hash FROM jsonb_to_recordset($1::jsonb) AS r(id text, data jsonb, hash text)
     ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, hash = EXCLUDED.hash`,
    [JSON.stringify(rows)],
  );
  await bare.query("COMMIT");
  stored += rows.length;
}
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const pgAfter = await backendCpu();
process.stdout.write(
  `result ${JSON.stringify({
    status: "success",
    error: null,
    stored,
    wallMs,
    maxRssKiB: process.resourceUsage().maxRSS,
    cpuMs: (cpu.user + cpu.system) / 1000,
    pgCpuMs: pgBefore !== null && pgAfter !== null ? pgAfter - pgBefore : null,
  })}\n`,
);
await bare.end();
await db.close();
process.exit(0);
