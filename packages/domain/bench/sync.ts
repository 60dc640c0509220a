// Benchmark of the sync engine (JDY connector) against the sandbox, side by side with a "bare loop"
// (the same calls and a plain upsert, no engine) and a bare pg upsert.
// Run: `pnpm --filter @erpbridge/domain bench` (or the root `pnpm bench`).
// Env: BENCH_DOCS (default 100000), BENCH_DETAIL_CONCURRENCY (default 8), BENCH_RATE (default 100
// calls/s), BENCH_RL_DOCS (default 1500), DATABASE_URL (else embedded PostgreSQL), BENCH_CHILD_NODE_OPTIONS
// (node flags of the sync children; default: the image's heap limit, see Dockerfile).
// Prints one table and writes it as JSON to bench/results/sync-latest.json.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type KingdeeSandbox, type SandboxCredentials, startKingdeeSandbox } from "@erpbridge/kingdee-sandbox";
import { MemoryTokenStore, resources } from "@erpbridge/kingdee-sdk";
import { createTestDatabase, ensureDatabaseUrl, type TestDatabase } from "@erpbridge/test-support";
import pg from "pg";
import { QueryTypes } from "sequelize";
import { KingdeeClients } from "../src/connections/index.js";
import { jdyConnector, jdyStreams, kingdeeTime } from "../src/connectors/index.js";
import { createDatabase, type Database, migrate } from "../src/db/index.js";
import { loadKeyring } from "../src/secrets/index.js";
import { contentHash, SyncService } from "../src/sync/index.js";
import { upsertTenant } from "../src/tenants/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const intEnv = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
};

const N = intEnv("BENCH_DOCS", 100_000);
const SMALL = Math.max(100, Math.round(N / 10));
const DETAIL_CONCURRENCY = intEnv("BENCH_DETAIL_CONCURRENCY", 8);
const Q = intEnv("BENCH_RATE", 100);
const RL_DOCS = intEnv("BENCH_RL_DOCS", 1_500);
const PAGE = 100; // the engine's page size for sal_out_bound
const CHANGED = Math.max(1, Math.floor(N / 100));
// Customers per tenant. Statements are per customer × month and every page rewrites the statements it
// touches in full, so few customers with many deliveries each make a full sync quadratic (see the
// report). Default: one customer per 50 deliveries (≈ 10 a month each), at least the sandbox's 40.
const customersFor = (docs: number) => intEnv("BENCH_CUSTOMERS", Math.max(40, Math.round(docs / 50)));
const OVERLAP_MS = jdyStreams.sal_out_bound.lookbackMs;
const DEADLINE_MS = intEnv("BENCH_TIMEOUT_S", 1800) * 1000;
const LIST = resources.sal_out_bound.listPath;
const DETAIL = resources.sal_out_bound.detailPath!;

const log = (msg: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
const t0 = performance.now();
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (docs: number, ms: number) => `${Math.round(docs / (ms / 1000)).toLocaleString("en-US")} docs/s`;
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : "n/a");

interface Row {
  case: string;
  measured: string;
  baseline: string;
  ratio: string;
  notes: string;
  values: Record<string, unknown>;
}

interface ChildResult {
  status: string;
  error: string | null;
  warnings: string[];
  fetched: number;
  inserted: number;
  updated: number;
  failed: number;
  wallMs: number;
  maxRssKiB: number;
  peakHeapBytes: number;
  maxLiveHeapBytes: number;
  cpuMs: number;
  pgCpuMs: number | null;
  paceMsPerPage: number[];
}

// ---------------------------------------------------------------- resources to clean up
const cleanups: Array<() => Promise<unknown>> = [];
const children = new Set<ChildProcess>();
let cleaning: Promise<void> | undefined;
/** Idempotent: every caller waits for the one cleanup to finish. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const child of children) child.kill("SIGKILL");
    for (const fn of cleanups.reverse()) await fn().catch((e) => log(`cleanup: ${e instanceof Error ? e.message : e}`));
  })();
  return cleaning;
}
const watchdog = setTimeout(() => {
  log(`deadline of ${DEADLINE_MS / 1000} s passed: aborting`);
  void cleanup().finally(() => process.exit(2));
}, DEADLINE_MS);
watchdog.unref();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void cleanup().finally(() => process.exit(130)));
}

interface BareResult {
  status: string;
  stored: number;
  wallMs: number;
  maxRssKiB: number;
  cpuMs: number;
  pgCpuMs: number | null;
}

/** The heap limit the image runs with (Dockerfile `NODE_OPTIONS`): peak RSS depends on it. */
const DEPLOYED_NODE_OPTIONS = "--max-old-space-size=1024";

function runChild<R = ChildResult>(env: Record<string, string>, script = "sync-worker.ts"): Promise<R> {
  const extra = (process.env.BENCH_CHILD_NODE_OPTIONS ?? DEPLOYED_NODE_OPTIONS).split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...extra, "--expose-gc", "--import", "tsx", join(here, script)], {
    cwd: join(here, ".."),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  let err = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (err += c));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      children.delete(child);
      const line = out.split("\n").find((l) => l.startsWith("result "));
      if (code !== 0 || !line) return reject(new Error(`sync worker exited ${signal ?? code}: ${err}${out}`.slice(0, 4000)));
      resolve(JSON.parse(line.slice("result ".length)) as R);
    });
  });
}

async function pgFacts(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'autovacuum', 'fsync', 'synchronous_commit')",
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.setting])) as Record<string, string>;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------- main
async function main() {
  const server = await ensureDatabaseUrl();
  cleanups.push(() => server.stop());
  const pgf = await pgFacts(server.url);

  const syncDb: TestDatabase = await createTestDatabase("bench_sync");
  cleanups.push(() => syncDb.drop());
  const bareDb: TestDatabase = await createTestDatabase("bench_bare");
  cleanups.push(() => bareDb.drop());
  const db: Database = createDatabase({ url: syncDb.url });
  cleanups.push(() => db.close());
  await migrate(db.sequelize);

  log(`seeding the sandbox: ${N} + ${SMALL} + ${RL_DOCS} + ${N} sal_out_bound, ${customersFor(N)} + ${customersFor(SMALL)} + ${customersFor(RL_DOCS)} customers`);
  const sandbox: KingdeeSandbox = await startKingdeeSandbox({ counts: { sal_out_bound: N, customer: customersFor(N) } });
  cleanups.push(() => sandbox.stop());
  const smallCreds = sandbox.addTenant({ counts: { sal_out_bound: SMALL, customer: customersFor(SMALL) } });
  const rlCreds = sandbox.addTenant({ counts: { sal_out_bound: RL_DOCS, customer: customersFor(RL_DOCS) } });
  // Its own account of the same size and shape (a tenant on the demo account would be the main one again).
  const rawCreds = sandbox.addTenant({ counts: { sal_out_bound: N, customer: customersFor(N) } });

  const encryptionKey = randomBytes(32).toString("base64");
  const keyring = loadKeyring({ ENCRYPTION_KEY: encryptionKey });
  const addTenant = async (name: string, creds: SandboxCredentials) => {
    const { tenant } = await upsertTenant(keyring, {
      name,
      clientId: creds.clientId,
      clientSecret: creds.clientSecret,
      appKey: creds.appKey,
      appSecret: creds.appSecret,
      domain: creds.domain,
      outerInstanceId: creds.outerInstanceId,
      baseUrl: sandbox.url,
    });
    return tenant.id;
  };
  const mainId = await addTenant("bench main", sandbox.demoTenant);
  const smallId = await addTenant("bench small", smallCreds);
  const rlId = await addTenant("bench rate-limited", rlCreds);
  const rawId = await addTenant("bench raw store only", rawCreds);

  const clients = new KingdeeClients({
    sequelize: db.sequelize,
    keyring,
    tokenStore: new MemoryTokenStore(),
    clientDefaults: {
      retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 50 },
      rateLimit: { perMinute: 6_000_000, burst: 10_000, concurrency: 16 },
    },
  });
  const sync = new SyncService({
    sequelize: db.sequelize,
    connector: jdyConnector,
    clientFor: (id) => clients.get(id),
    settings: { detailConcurrency: DETAIL_CONCURRENCY },
  });
  cleanups.push(() => sync.stop());
  const count = async (sql: string, bind: unknown[] = []) => {
    const [row] = await db.sequelize.query<{ n: string }>(sql, { bind, type: QueryTypes.SELECT });
    return Number(row?.n ?? 0);
  };
  const versions = (tenantId: string) =>
    count(`SELECT count(*) AS n FROM source_record WHERE tenant_id = $1 AND stream = 'sal_out_bound'`, [tenantId]);
  const expectOk = (what: string, run: { status: string; error: string | null }) => {
    if (run.status !== "success") throw new Error(`${what}: run ${run.status}: ${run.error}`);
  };

  // Customers first, untimed.
  for (const id of [mainId, smallId, rlId, rawId]) expectOk("customers", await sync.run({ tenantId: id, resource: "customer" }));
  const rows: Row[] = [];
  const childEnv = (tenantId: string, docs: number) => ({
    GC_EVERY_PAGES: String(Math.ceil(docs / PAGE / 10)), // ten samples of the live heap per run
    DATABASE_URL: syncDb.url,
    ENCRYPTION_KEY: encryptionKey,
    TENANT_ID: tenantId,
    DETAIL_CONCURRENCY: String(DETAIL_CONCURRENCY),
  });

  // 1 + 5. Full syncs in a child process (the sandbox stays here): 10 %, then 100 %.
  log(`full sync of ${SMALL} documents (child process)`);
  sandbox.calls.reset();
  const small = await runChild(childEnv(smallId, SMALL));
  expectOk("small full sync", small);
  if (small.inserted !== SMALL) throw new Error(`small full sync inserted ${small.inserted}, expected ${SMALL}`);
  log(`  ${secs(small.wallMs)}, peak RSS ${mib(small.maxRssKiB)}`);

  log(`full sync of ${N} documents (child process, detailConcurrency ${DETAIL_CONCURRENCY})`);
  sandbox.calls.reset();
  const parentCpu = process.cpuUsage();
  const full = await runChild(childEnv(mainId, N));
  const sandboxCpu = process.cpuUsage(parentCpu);
  const sandboxCpuMs = (sandboxCpu.user + sandboxCpu.system) / 1000;
  expectOk("full sync", full);
  const fullCalls = { total: sandbox.calls.count(), list: sandbox.calls.count(LIST), detail: sandbox.calls.count(DETAIL) };
  if (full.inserted !== N || (await versions(mainId)) !== N) throw new Error(`full sync inserted ${full.inserted}, expected ${N}`);
  log(`  ${secs(full.wallMs)}, ${rate(N, full.wallMs)}, peak RSS ${mib(full.maxRssKiB)}; ms/page by tenth of the run: ${full.paceMsPerPage.join(" ")}`);
  log(`  CPU s: sync ${(full.cpuMs / 1000).toFixed(1)}, pg backends ${full.pgCpuMs === null ? "?" : (full.pgCpuMs / 1000).toFixed(1)}, sandbox ${(sandboxCpuMs / 1000).toFixed(1)}`);

  // 1b. The bare loop: the same calls (list + every detail, same concurrency, same client), one
  // plain multi-row upsert per page, no engine. Same tenant, same documents, its own database.
  log(`bare loop over the same ${N} documents (child process)`);
  sandbox.calls.reset();
  const bareLoop = await runChild<BareResult>({ ...childEnv(mainId, N), BARE_URL: bareDb.url }, "bare-worker.ts");
  if (bareLoop.stored !== N) throw new Error(`bare loop stored ${bareLoop.stored}, expected ${N}`);
  const bareCalls = { total: sandbox.calls.count(), list: sandbox.calls.count(LIST), detail: sandbox.calls.count(DETAIL) };
  log(`  ${secs(bareLoop.wallMs)}, ${rate(N, bareLoop.wallMs)}, peak RSS ${mib(bareLoop.maxRssKiB)}`);
  const perDoc = (ms: number | null) => (ms === null ? "?" : (ms / N).toFixed(3));
  rows.push({
    case: `1 engine vs bare loop, ${N} docs (dc=${DETAIL_CONCURRENCY})`,
    measured: `engine ${rate(N, full.wallMs)}; CPU ${perDoc(full.cpuMs)} ms/doc (+pg ${perDoc(full.pgCpuMs)})`,
    baseline: `bare loop ${rate(N, bareLoop.wallMs)}; CPU ${perDoc(bareLoop.cpuMs)} ms/doc (+pg ${perDoc(bareLoop.pgCpuMs)})`,
    ratio: ratio(bareLoop.wallMs, full.wallMs),
    notes:
      `throughput engine/bare (goal >= 0.7x); calls engine ${fullCalls.list} list + ${fullCalls.detail} detail, ` +
      `bare ${bareCalls.list} list + ${bareCalls.detail} detail; peak RSS engine ${mib(full.maxRssKiB)}, bare ${mib(bareLoop.maxRssKiB)}`,
    values: { engine: full, bare: bareLoop, engineCalls: fullCalls, bareCalls },
  });

  // 1c. The engine's own share: the same stream without its projection (deliveries, lines, statements).
  log(`full sync of the same ${N} documents without the projection (child process)`);
  sandbox.calls.reset();
  const rawOnly = await runChild({ ...childEnv(rawId, N), RAW_ONLY: "1" });
  expectOk("raw-only full sync", rawOnly);
  if (rawOnly.inserted !== N) throw new Error(`raw-only full sync inserted ${rawOnly.inserted}, expected ${N}`);
  log(`  ${secs(rawOnly.wallMs)}, ${rate(N, rawOnly.wallMs)}`);
  rows.push({
    case: `1c engine without projection vs bare loop`,
    measured: `engine ${rate(N, rawOnly.wallMs)}; CPU ${perDoc(rawOnly.cpuMs)} ms/doc (+pg ${perDoc(rawOnly.pgCpuMs)})`,
    baseline: `bare loop ${rate(N, bareLoop.wallMs)}`,
    ratio: ratio(bareLoop.wallMs, rawOnly.wallMs),
    notes: "raw versions, change detection, ledger, checkpoint and pipelining; no deliveries, lines or statements",
    values: { engine: rawOnly },
  });

  // 2. Bare baseline: the same documents, straight from the sandbox's data, into a plain table.
  log("bare pg baseline");
  const docs = sandbox.data.rows("sal_out_bound");
  const bare = new pg.Client({ connectionString: bareDb.url });
  await bare.connect();
  cleanups.push(() => bare.end());
  await bare.query(`TRUNCATE bare_doc`); // created by the bare loop
  const bareStart = performance.now();
  for (let i = 0; i < docs.length; i += PAGE) {
    const page = docs.slice(i, i + PAGE).map((d) => ({ id: String(d.id), data: d, hash: contentHash(d) }));
    await bare.query("BEGIN");
    await bare.query(
      `INSERT INTO bare_doc (id, data, hash)
       SELECT r.id, r.data, r.hash FROM jsonb_to_recordset($1::jsonb) AS r(id text, data jsonb, hash text)
       ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, hash = EXCLUDED.hash`,
      [JSON.stringify(page)],
    );
    await bare.query("COMMIT");
  }
  const bareMs = performance.now() - bareStart;
  const bareRows = Number((await bare.query<{ n: string }>("SELECT count(*) AS n FROM bare_doc")).rows[0]!.n);
  if (bareRows !== N) throw new Error(`bare baseline stored ${bareRows}, expected ${N}`);
  log(`  ${secs(bareMs)}, ${rate(N, bareMs)}`);
  rows.push({
    case: `1-2 full sync, ${N} docs (dc=${DETAIL_CONCURRENCY})`,
    measured: `${secs(full.wallMs)}, ${rate(N, full.wallMs)}`,
    baseline: `bare pg ${secs(bareMs)}, ${rate(N, bareMs)}`,
    ratio: ratio(full.wallMs, bareMs),
    notes:
      `calls ${fullCalls.total} incl. token/retries (list ${fullCalls.list}, detail ${fullCalls.detail}); CPU s: sync ${(full.cpuMs / 1000).toFixed(1)}, ` +
      `pg ${full.pgCpuMs === null ? "?" : (full.pgCpuMs / 1000).toFixed(1)}, sandbox ${(sandboxCpuMs / 1000).toFixed(1)}`,
    values: { syncMs: full.wallMs, bareMs, docs: N, detailConcurrency: DETAIL_CONCURRENCY, calls: fullCalls, sandboxCpuMs, child: full },
  });
  docs.length = 0;

  // Window of an incremental run: [watermark − overlap, now]; its minimum is its list pages.
  const watermark = async (tenantId: string) => {
    const [row] = await db.sequelize.query<{ w: string | null }>(
      `SELECT last_cursor -> 'sal_out_bound' ->> 'watermark' AS w FROM sync_job WHERE tenant_id = $1 AND job_name = 'documents_incremental'`,
      { bind: [tenantId], type: QueryTypes.SELECT },
    );
    if (!row?.w) throw new Error("no watermark after the full sync");
    return Date.parse(row.w);
  };
  const inWindow = (from: number) =>
    sandbox.data.rows("sal_out_bound").filter((r) => (kingdeeTime(r.modify_time)?.getTime() ?? 0) >= from).length;
  await clients.get(mainId).then((c) => c.token.get()); // token outside the counted calls
  const timedRun = async (request: Parameters<SyncService["run"]>[0]) => {
    sandbox.calls.reset();
    const started = performance.now();
    const run = await sync.run(request);
    const ms = performance.now() - started;
    expectOk(`run ${JSON.stringify(request)}`, run);
    return { run, ms, calls: { total: sandbox.calls.count(), list: sandbox.calls.count(LIST), detail: sandbox.calls.count(DETAIL) } };
  };

  // 3. Unchanged incremental re-sync.
  log("unchanged incremental re-sync");
  const windowDocs = inWindow((await watermark(mainId)) - OVERLAP_MS);
  const before3 = await versions(mainId);
  const unchanged = await timedRun({ tenantId: mainId, resource: "sal_out_bound" });
  const min3 = Math.max(1, Math.ceil(windowDocs / PAGE));
  rows.push({
    case: "3a unchanged re-sync (incremental)",
    measured: `${secs(unchanged.ms)}, ${unchanged.calls.total} calls`,
    baseline: `min ${min3} calls`,
    ratio: ratio(unchanged.calls.total, min3),
    notes: `window ${windowDocs} docs; list ${unchanged.calls.list}, detail ${unchanged.calls.detail}; new versions ${(await versions(mainId)) - before3}`,
    values: { ms: unchanged.ms, calls: unchanged.calls, minimum: min3, windowDocs, run: unchanged.run.toJSON() },
  });

  log("full re-read, unchanged (manual time range)");
  const reread = await timedRun({ tenantId: mainId, resource: "sal_out_bound", fromTime: new Date("2000-01-01T00:00:00Z"), toTime: new Date() });
  const min3b = Math.ceil(N / PAGE);
  rows.push({
    case: "3b full re-read unchanged (range)",
    measured: `${secs(reread.ms)}, ${reread.calls.total} calls`,
    baseline: `min ${min3b} calls`,
    ratio: ratio(reread.calls.total, min3b),
    notes: `list ${reread.calls.list}, detail ${reread.calls.detail}; ${rate(N, reread.ms)}; fetched ${reread.run.fetchedCount}, written ${reread.run.insertedCount + reread.run.updatedCount}`,
    values: { ms: reread.ms, calls: reread.calls, minimum: min3b, run: reread.run.toJSON() },
  });

  // 4. 1 % changed.
  log(`${CHANGED} changed documents, incremental re-sync`);
  const from4 = (await watermark(mainId)) - OVERLAP_MS;
  sandbox.data.mutate("sal_out_bound", CHANGED);
  const windowDocs4 = inWindow(from4);
  const before4 = await versions(mainId);
  const changed = await timedRun({ tenantId: mainId, resource: "sal_out_bound" });
  const newVersions = (await versions(mainId)) - before4;
  if (newVersions !== CHANGED || changed.run.updatedCount !== CHANGED) {
    throw new Error(`1 % changed: ${newVersions} new versions, ${changed.run.updatedCount} updated; expected ${CHANGED}`);
  }
  const min4 = Math.max(1, Math.ceil(windowDocs4 / PAGE)) + CHANGED;
  rows.push({
    case: `4 1% changed re-sync (${CHANGED} docs)`,
    measured: `${secs(changed.ms)}, ${changed.calls.total} calls`,
    baseline: `min ${min4} calls`,
    ratio: ratio(changed.calls.total, min4),
    notes: `window ${windowDocs4} docs; list ${changed.calls.list}, detail ${changed.calls.detail}; new versions ${newVersions} (ok)`,
    values: { ms: changed.ms, calls: changed.calls, minimum: min4, windowDocs: windowDocs4, newVersions, run: changed.run.toJSON() },
  });

  // 5. Peak RSS of the child at 10 % and 100 %.
  rows.push({
    case: `5 peak RSS, ${SMALL} vs ${N} docs`,
    measured: `${mib(small.maxRssKiB)} -> ${mib(full.maxRssKiB)}`,
    baseline: `x${(N / SMALL).toFixed(0)} docs`,
    ratio: ratio(full.maxRssKiB, small.maxRssKiB),
    notes:
      `child; heap peak ${(small.peakHeapBytes / 2 ** 20).toFixed(0)} -> ${(full.peakHeapBytes / 2 ** 20).toFixed(0)} MiB, ` +
      `live after GC ${(small.maxLiveHeapBytes / 2 ** 20).toFixed(0)} -> ${(full.maxLiveHeapBytes / 2 ** 20).toFixed(0)} MiB; ` +
      `${SMALL} docs: ${secs(small.wallMs)}, ${rate(SMALL, small.wallMs)}`,
    values: { small, full },
  });

  // 6. Rate-limited full sync: sandbox and client both at Q calls/s.
  log(`rate-limited full sync of ${RL_DOCS} documents at ${Q}/s`);
  let overloads = 0;
  let attempts = 0;
  const rlClients = new KingdeeClients({
    sequelize: db.sequelize,
    keyring,
    tokenStore: new MemoryTokenStore(),
    onCall: (_tenant, call) => {
      attempts++;
      if (call.errcode === 5007 || call.status === 429) overloads++;
    },
    clientDefaults: {
      retry: { retries: 5, baseDelayMs: 200, maxDelayMs: 2_000 },
      rateLimit: { perMinute: Q * 60, burst: 5, concurrency: 16 },
    },
  });
  const rlSync = new SyncService({
    sequelize: db.sequelize,
    connector: jdyConnector,
    clientFor: (id) => rlClients.get(id),
    settings: { detailConcurrency: DETAIL_CONCURRENCY },
  });
  cleanups.push(() => rlSync.stop());
  sandbox.faults.rateLimit({ perSecond: Q });
  sandbox.calls.reset();
  const rlStart = performance.now();
  const rlRun = await rlSync.run({ tenantId: rlId, resource: "sal_out_bound" });
  const rlMs = performance.now() - rlStart;
  sandbox.faults.rateLimit(null);
  expectOk("rate-limited sync", rlRun);
  if (rlRun.insertedCount !== RL_DOCS) throw new Error(`rate-limited sync inserted ${rlRun.insertedCount}, expected ${RL_DOCS}`);
  const rlCalls = sandbox.calls.count();
  const floorMs = (rlCalls / Q) * 1000;
  rows.push({
    case: `6 rate-limited sync, ${RL_DOCS} docs @${Q}/s`,
    measured: `${secs(rlMs)}, ${rlCalls} calls`,
    baseline: `floor ${secs(floorMs)}`,
    ratio: ratio(rlMs, floorMs),
    notes: `errcode 5007 answers: ${overloads} (of ${attempts} attempts); client limiter ${Q * 60}/min, burst 5`,
    values: { ms: rlMs, floorMs, calls: rlCalls, byPath: sandbox.calls.byPath(), overloads, attempts, run: rlRun.toJSON() },
  });

  // ---------------------------------------------------------------- report
  const facts = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "?",
    node: process.version,
    postgres: pgf.server_version,
    postgresSettings: pgf,
    postgresServer: server.embedded ? "embedded" : "DATABASE_URL",
    N,
    customers: customersFor(N),
    detailConcurrency: DETAIL_CONCURRENCY,
    pageSize: PAGE,
  };
  const header =
    `sync bench: N=${N} sal_out_bound, ${facts.customers} customers, detailConcurrency ${DETAIL_CONCURRENCY}, page ${PAGE}\n` +
    `machine: ${facts.cpus} CPUs (${facts.cpuModel}), node ${facts.node}, PostgreSQL ${facts.postgres} ` +
    `(${facts.postgresServer}; autovacuum ${pgf.autovacuum}, fsync ${pgf.fsync}, synchronous_commit ${pgf.synchronous_commit})`;
  const cols = ["case", "measured", "baseline", "ratio", "notes"] as const;
  const titles = { case: "case", measured: "measured", baseline: "baseline / minimum", ratio: "ratio", notes: "notes" };
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(titles[c].length, ...rows.map((r) => r[c].length))])) as Record<(typeof cols)[number], number>;
  const line = (cells: Record<(typeof cols)[number], string>) =>
    cols.map((c) => (c === "ratio" ? cells[c].padStart(width[c]) : cells[c].padEnd(width[c]))).join(" | ").trimEnd();
  const table = [
    header,
    line(titles),
    cols.map((c) => "-".repeat(width[c])).join("-|-"),
    ...rows.map((r) => line(r)),
  ].join("\n");
  process.stdout.write(`\n${table}\n\n`);
  mkdirSync(join(here, "results"), { recursive: true });
  writeFileSync(join(here, "results", "sync-latest.json"), `${JSON.stringify({ facts, table: rows, text: table }, null, 2)}\n`);
  log(`wrote bench/results/sync-latest.json; total ${secs(performance.now() - t0)}`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = 1;
  log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
process.exit(exitCode);
