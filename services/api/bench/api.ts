// Benchmark of the API's hot read path: `mini.deliveries.list` through the real service (Fastify +
// tRPC + superjson + middlewares), side by side with a bare Fastify route in the same process that
// runs the same domain calls (`resolveCustomerSession` + `listDeliveries`, same Sequelize pool) and
// returns plain JSON.
// Run: `pnpm --filter @erpbridge/api bench` (or the root `pnpm bench`).
// Env: BENCH_DURATION_S (default 15), BENCH_WARMUP_S (5), BENCH_CONNECTIONS (20), BENCH_SESSIONS (50),
// BENCH_PROFILE (1: always profile, 0: never; default: only when tRPC/bare req/s < 0.6),
// DATABASE_URL (else embedded PostgreSQL), REDIS_URL (passed to the service like the tests do).
// Prints one table and writes it as JSON to bench/results/api-latest.json.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { issueLoginToken, loginWithToken, resolveCustomerSession } from "@erpbridge/domain/customers";
import { type DeliveryRecord, listDeliveries } from "@erpbridge/domain/deliveries";
import { createTestDatabase, ensureDatabaseUrl } from "@erpbridge/test-support";
import Fastify, { type FastifyInstance } from "fastify";
import { QueryTypes } from "sequelize";
import superjson from "superjson";
import { loadConfig } from "../src/config.js";
import { buildServer } from "../src/http/server.js";
import { serializeOutput } from "../src/transformer.js";
import { createLogger } from "../src/logger.js";
import { type AppServices, createServices } from "../src/services.js";

const here = dirname(fileURLToPath(import.meta.url));
const intEnv = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
};

const CUSTOMERS = 1_000;
const PER_CUSTOMER = 100;
const DURATION_S = intEnv("BENCH_DURATION_S", 15);
const WARMUP_S = intEnv("BENCH_WARMUP_S", 5);
const CONNECTIONS = intEnv("BENCH_CONNECTIONS", 20);
const SESSIONS = Math.min(CUSTOMERS, intEnv("BENCH_SESSIONS", 50));
const PROFILE = process.env.BENCH_PROFILE; // "1" | "0" | undefined (auto)
const PROFILE_S = 5;
const PAGE = 1;
const PAGE_SIZE = 20;
const DEADLINE_MS = intEnv("BENCH_TIMEOUT_S", 300) * 1000;

const t0 = performance.now();
const log = (msg: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : "n/a");

// ---------------------------------------------------------------- resources to clean up
const cleanups: Array<() => Promise<unknown>> = [];
const children = new Set<ChildProcess>();
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const child of children) child.kill("SIGKILL");
  for (const fn of cleanups.reverse()) await fn().catch((e) => log(`cleanup: ${e instanceof Error ? e.message : e}`));
}
const watchdog = setTimeout(() => {
  log(`deadline of ${DEADLINE_MS / 1000} s passed: aborting`);
  void cleanup().finally(() => process.exit(2));
}, DEADLINE_MS);
watchdog.unref();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void cleanup().finally(() => process.exit(130)));
}

// ---------------------------------------------------------------- load generator (child process)
interface LoadResult {
  reqPerSec: number;
  total: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  bytesPerSec: number;
  durationS: number;
  statusCodes: Record<string, { count: number }>;
}

interface Target {
  name: "tRPC" | "bare";
  url: string;
  path: string;
}

/** Runs autocannon in a child process against `target`, one request per session, cycling. */
function load(target: Target, sessions: string[], durationS: number): Promise<LoadResult & { serverCpuMs: number }> {
  const spec = {
    url: target.url,
    paths: [target.path],
    headers: sessions.map((s) => ({ authorization: `Bearer ${s}` })),
    connections: CONNECTIONS,
    duration: durationS,
    pipelining: 1,
  };
  const child = spawn(process.execPath, [join(here, "load.mjs"), JSON.stringify(spec)], {
    cwd: join(here, ".."),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const cpu = process.cpuUsage();
  let out = "";
  let err = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (err += c));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      children.delete(child);
      const used = process.cpuUsage(cpu);
      const line = out.split("\n").find((l) => l.startsWith("result "));
      if (code !== 0 || !line) return reject(new Error(`load generator exited ${signal ?? code}: ${err}${out}`.slice(0, 4000)));
      resolve({ ...(JSON.parse(line.slice("result ".length)) as LoadResult), serverCpuMs: (used.user + used.system) / 1000 });
    });
  });
}

// ---------------------------------------------------------------- seed
async function seed(services: AppServices): Promise<{ tenantId: string; customerIds: string[] }> {
  const { sequelize } = services.db;
  const q = <T extends object>(sql: string, bind: unknown[] = []) => sequelize.query<T>(sql, { bind, type: QueryTypes.SELECT });
  const [tenant] = await q<{ id: string }>(
    `INSERT INTO tenant (id, name, status, created_at, updated_at)
     VALUES (gen_random_uuid(), 'bench tenant', 'active', now(), now()) RETURNING id`,
  );
  const tenantId = tenant!.id;
  await sequelize.query(
    `INSERT INTO customer (id, tenant_id, kingdee_customer_id, number, name, phone, address, raw, created_at, updated_at)
     SELECT gen_random_uuid(), $1, 'KC' || g, 'CUST' || lpad(g::text, 5, '0'), 'Customer ' || g, '1380000' || lpad(g::text, 4, '0'),
            'No. ' || g || ' Bench Road', '{}'::jsonb, now(), now()
       FROM generate_series(1, $2::int) g`,
    { bind: [tenantId, CUSTOMERS] },
  );
  // 100 deliveries per customer, bill dates over a year, every 4th one SIGNED.
  await sequelize.query(
    `INSERT INTO delivery (id, tenant_id, customer_id, kingdee_id, bill_no, bill_date, total_amount, status,
                           source_modify_time, created_at, updated_at)
     SELECT gen_random_uuid(), $1, c.id, 'KD' || ((c.n - 1) * $2::int + g),
            'XSCK' || lpad(((c.n - 1) * $2::int + g)::text, 8, '0'),
            date '2025-01-01' + ((g * 37 + c.n * 11) % 365)::int,
            round((random() * 20000)::numeric, 2),
            CASE WHEN g % 4 = 0 THEN 'SIGNED' ELSE 'PENDING' END,
            now(), now(), now()
       FROM (SELECT id, row_number() OVER (ORDER BY kingdee_customer_id) AS n FROM customer WHERE tenant_id = $1) c
      CROSS JOIN generate_series(1, $2::int) g`,
    { bind: [tenantId, PER_CUSTOMER] },
  );
  // 2–3 items each (the list counts them).
  await sequelize.query(
    `INSERT INTO delivery_item (id, delivery_id, seq, material_id, material_number, material_name, unit_name, qty, price, amount, src_bill_no)
     SELECT gen_random_uuid(), d.id, s, 'KM' || s, 'MAT-' || s, 'Material ' || s, 'pcs', 10 * s, 12.5, 125 * s, d.bill_no
       FROM delivery d CROSS JOIN LATERAL generate_series(1, 2 + (abs(hashtext(d.bill_no)) % 2)) s
      WHERE d.tenant_id = $1`,
    { bind: [tenantId] },
  );
  await sequelize.query(
    `INSERT INTO delivery_signoff (id, delivery_id, customer_id, signer_name, signed_at, signature_path, photo_paths, remark, gps, snapshot, created_at)
     SELECT gen_random_uuid(), d.id, d.customer_id, 'Signer', d.bill_date + interval '1 day 10 hours',
            d.tenant_id || '/' || d.id || '/signature.png', '[]'::jsonb, NULL, NULL,
            jsonb_build_object('customerName', 'bench', 'items', '[]'::jsonb), now()
       FROM delivery d WHERE d.tenant_id = $1 AND d.status = 'SIGNED'`,
    { bind: [tenantId] },
  );
  await sequelize.query(`ANALYZE`);
  const customers = await q<{ id: string }>(`SELECT id FROM customer WHERE tenant_id = $1 ORDER BY kingdee_customer_id`, [tenantId]);
  return { tenantId, customerIds: customers.map((c) => c.id) };
}

// ---------------------------------------------------------------- the baseline
interface ListBody {
  page: number;
  pageSize: number;
  total: number;
  deliveries: Array<Omit<DeliveryRecord, "signedAt" | "updatedAt"> & { signedAt: Date | string | null; updatedAt: Date | string }>;
}

/**
 * A bare Fastify instance (no logger, no tRPC, no superjson, no hooks) with one route doing what
 * `mini.deliveries.list` does: Bearer session → `resolveCustomerSession`, then `listDeliveries`
 * with the same parameters and the same summary fields, as plain JSON.
 */
async function startBare(services: AppServices): Promise<FastifyInstance> {
  const bare = Fastify({ logger: false });
  const { sequelize } = services.db;
  bare.get<{ Querystring: { page?: string; pageSize?: string } }>("/deliveries", async (req, reply) => {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim();
    const customer = bearer ? await resolveCustomerSession(sequelize, bearer) : null;
    if (!customer) return reply.code(401).send({ error: "unauthorized" });
    const page = Number(req.query.page ?? 1);
    const pageSize = Number(req.query.pageSize ?? 20);
    const result = await listDeliveries(sequelize, { ...customer, page, pageSize });
    return {
      page: result.page,
      pageSize: result.pageSize,
      total: result.total,
      deliveries: result.rows.map((d) => ({
        id: d.id, billNo: d.billNo, billDate: d.billDate, totalAmount: d.totalAmount, status: d.status,
        itemCount: d.itemCount, signedAt: d.signedAt, updatedAt: d.updatedAt,
      })),
    };
  });
  await bare.listen({ port: 0, host: "127.0.0.1" });
  return bare;
}

const baseUrl = (app: FastifyInstance) => {
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
};

// ---------------------------------------------------------------- profile (only when asked or slow)
type Bucket = string;
function bucketOf(url: string, fn: string): Bucket {
  if (!url) return fn.startsWith("(") ? fn : "(native/builtin)";
  if (url.startsWith("node:")) return "node core";
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "/node_modules/".length).split("/");
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    if (/^(pg|pg-protocol|pg-pool|pg-types|postgres-.*|pgpass|pg-connection-string)$/.test(pkg)) return "pg driver";
    if (/^(fastify|find-my-way|avvio|light-my-request|@fastify\/.*|fast-json-stringify|fast-querystring|fast-uri|toad-cache|process-warning|abstract-logging|rfdc|secure-json-parse|ret|safe-regex2)$/.test(pkg)) return "fastify";
    if (/^(pino|pino-std-serializers|sonic-boom|thread-stream|on-exit-leak-free|quick-format-unescaped|fast-redact|safe-stable-stringify|atomic-sleep|real-require)$/.test(pkg)) return "pino";
    if (/^(superjson|copy-anything|is-what)$/.test(pkg)) return "superjson";
    if (/^(sequelize|sequelize-typescript|lodash|dottie|wkx|inflection|retry-as-promised|validator|moment|moment-timezone|uuid)$/.test(pkg)) return "sequelize";
    if (pkg === "@trpc/server") return "tRPC";
    if (pkg === "prom-client" || pkg === "tdigest" || pkg === "bintrees") return "prom-client";
    if (pkg === "zod") return "zod";
    if (pkg === "tsx" || pkg === "esbuild" || pkg === "get-tsconfig") return "tsx loader";
    return `other: ${pkg}`;
  }
  if (url.includes("/services/api/src/")) return "api src";
  if (url.includes("/services/api/bench/")) return "bench (bare route)";
  if (url.includes("/packages/domain/")) return "domain";
  return "other";
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * CPU profile of this process while `target` is under load. Self time goes to the component of the
 * frame; builtins without a script (JSON.stringify, hashing, socket writes) go to their caller's.
 */
async function profiled(session: Session, target: Target, sessions: string[]) {
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  const result = await load(target, sessions, PROFILE_S);
  const { profile } = (await session.post("Profiler.stop")) as unknown as { profile: CpuProfile };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const bucketCache = new Map<number, Bucket>();
  const bucketFor = (id: number): Bucket => {
    const cached = bucketCache.get(id);
    if (cached) return cached;
    const { url, functionName } = byId.get(id)!.callFrame;
    let bucket: Bucket;
    if (url || functionName.startsWith("(")) bucket = bucketOf(url, functionName);
    else {
      const up = parent.get(id);
      bucket = up === undefined || byId.get(up)!.callFrame.functionName === "(root)" ? "(native/builtin)" : bucketFor(up);
    }
    bucketCache.set(id, bucket);
    return bucket;
  };
  const short = (n: ProfileNode) => {
    const { url, functionName, lineNumber } = n.callFrame;
    const file = url.replace(/^.*\/node_modules\//, "").replace(/^file:\/\/.*?\/(services|packages|tooling)\//, "$1/").replace(/^file:\/\//, "");
    return `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : `[${bucketFor(n.id)}]`}`;
  };
  const usByBucket = new Map<Bucket, number>();
  const usByFn = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const b = bucketFor(id);
    usByBucket.set(b, (usByBucket.get(b) ?? 0) + us);
    if (b !== "(idle)") {
      const f = short(byId.get(id)!);
      usByFn.set(f, (usByFn.get(f) ?? 0) + us);
    }
  });
  usByBucket.delete("(idle)");
  const per = (m: Map<string, number>) => new Map([...m].map(([k, us]) => [k, us / Math.max(1, result.total)]));
  return { result, usPerReq: per(usByBucket), fnUsPerReq: per(usByFn) };
}

/** Per-call cost of one response body: superjson.stringify vs JSON.stringify, and the histogram timer. */
function microCosts(body: unknown, services: AppServices) {
  const time = (fn: () => unknown, n = 5_000) => {
    for (let i = 0; i < 500; i++) fn();
    const start = performance.now();
    for (let i = 0; i < n; i++) fn();
    return ((performance.now() - start) * 1000) / n;
  };
  const superjsonUs = time(() => superjson.stringify(body));
  const outputUs = time(() => JSON.stringify(serializeOutput(body)));
  const jsonUs = time(() => JSON.stringify(body));
  const histogram = services.metrics.procedureLatency;
  const histogramUs = time(() => histogram.startTimer({ procedure: "bench.micro", type: "query" })({ outcome: "ok" }));
  return { superjsonUs, outputUs, jsonUs, histogramUs };
}

/** Average latency of the two pieces of database work, one request at a time. */
async function dbCosts(services: AppServices, sessions: Array<{ token: string; customerId: string; tenantId: string }>) {
  const { sequelize } = services.db;
  const n = 200;
  let start = performance.now();
  for (let i = 0; i < n; i++) await resolveCustomerSession(sequelize, sessions[i % sessions.length]!.token);
  const sessionMs = (performance.now() - start) / n;
  start = performance.now();
  for (let i = 0; i < n; i++) {
    const s = sessions[i % sessions.length]!;
    await listDeliveries(sequelize, { tenantId: s.tenantId, customerId: s.customerId, page: PAGE, pageSize: PAGE_SIZE });
  }
  const listMs = (performance.now() - start) / n;
  return { sessionMs, listMs };
}

// ---------------------------------------------------------------- main
async function main() {
  const server = await ensureDatabaseUrl();
  cleanups.push(() => server.stop());
  const db = await createTestDatabase("bench_api");
  cleanups.push(() => db.drop());
  const uploadDir = mkdtempSync(join(os.tmpdir(), "erpbridge-bench-uploads-"));
  cleanups.push(async () => rmSync(uploadDir, { recursive: true, force: true }));

  const config = loadConfig({
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_URL: db.url,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ADMIN_TOKEN: randomBytes(24).toString("hex"),
    ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    KINGDEE_WEBHOOK_TOKEN: randomBytes(24).toString("base64url"),
    UPLOAD_DIR: uploadDir,
    LOG_LEVEL: "silent",
    SYNC_SCHEDULER_ENABLED: "false",
    ERP_PROBE_INTERVAL_MS: "3600000",
  });
  const services = await createServices(config, { logger: createLogger({ level: "silent", pretty: false }) });
  cleanups.push(() => services.close());
  const { sequelize } = services.db;
  const loadAtStart = os.loadavg()[0]!;
  const [{ v: pgVersion }] = (await sequelize.query<{ v: string }>("SELECT current_setting('server_version') AS v", { type: QueryTypes.SELECT })) as [{ v: string }];

  log(`seeding ${CUSTOMERS} customers × ${PER_CUSTOMER} deliveries (+ items, sign-offs), ANALYZE`);
  const seedStart = performance.now();
  const { tenantId, customerIds } = await seed(services);
  const counts = (
    await sequelize.query<Record<string, number>>(
      `SELECT (SELECT count(*)::int FROM customer) AS customers, (SELECT count(*)::int FROM delivery) AS deliveries,
              (SELECT count(*)::int FROM delivery_item) AS items, (SELECT count(*)::int FROM delivery_signoff) AS signoffs`,
      { type: QueryTypes.SELECT },
    )
  )[0]!;
  log(`  ${secs(performance.now() - seedStart)}: ${JSON.stringify(counts)}`);

  // Sessions the way the mini-program gets them: login token (QR) → session.
  const step = Math.floor(customerIds.length / SESSIONS);
  const sessions: Array<{ token: string; customerId: string; tenantId: string }> = [];
  for (let i = 0; i < SESSIONS; i++) {
    const customerId = customerIds[i * step]!;
    const login = await issueLoginToken(sequelize, customerId, 3_600_000);
    const session = await loginWithToken(sequelize, login.token, 3_600_000);
    if (!session || session.customerId !== customerId || session.tenantId !== tenantId) throw new Error(`login failed for customer ${customerId}`);
    sessions.push({ token: session.token, customerId, tenantId });
  }
  const tokens = sessions.map((s) => s.token);

  const app = await buildServer(services);
  await app.listen({ port: 0, host: "127.0.0.1" });
  cleanups.push(() => app.close());
  const bare = await startBare(services);
  cleanups.push(() => bare.close());

  const trpc: Target = {
    name: "tRPC",
    url: baseUrl(app),
    path: `/trpc/mini.deliveries.list?input=${encodeURIComponent(superjson.stringify({ page: PAGE, pageSize: PAGE_SIZE }))}`,
  };
  const plain: Target = { name: "bare", url: baseUrl(bare), path: `/deliveries?page=${PAGE}&pageSize=${PAGE_SIZE}` };

  // ---- correctness: same customer, same 20 deliveries, same fields, from both
  let sampleBody: unknown;
  for (const s of [sessions[0]!, sessions[sessions.length - 1]!]) {
    const headers = { authorization: `Bearer ${s.token}` };
    const tr = await fetch(trpc.url + trpc.path, { headers });
    const br = await fetch(plain.url + plain.path, { headers });
    if (tr.status !== 200 || br.status !== 200) throw new Error(`verify: tRPC ${tr.status}, bare ${br.status}: ${await tr.text()}`);
    const trEnvelope = (await tr.json()) as { result: { data: unknown } };
    const fromTrpc = superjson.deserialize(trEnvelope.result.data as Parameters<typeof superjson.deserialize>[0]) as ListBody;
    const fromBare = (await br.json()) as ListBody;
    sampleBody = fromTrpc;
    const norm = (b: ListBody) =>
      JSON.stringify({ ...b, deliveries: b.deliveries.map((d) => ({ ...d, signedAt: d.signedAt ? new Date(d.signedAt).toISOString() : null, updatedAt: new Date(d.updatedAt).toISOString() })) });
    if (fromTrpc.deliveries.length !== PAGE_SIZE || fromBare.deliveries.length !== PAGE_SIZE) {
      throw new Error(`verify: expected ${PAGE_SIZE} deliveries, got tRPC ${fromTrpc.deliveries.length}, bare ${fromBare.deliveries.length}`);
    }
    if (fromTrpc.total !== PER_CUSTOMER || norm(fromTrpc) !== norm(fromBare)) throw new Error("verify: tRPC and bare answers differ");
    if (!fromTrpc.deliveries.some((d) => d.status === "SIGNED" && d.signedAt instanceof Date)) throw new Error("verify: no signed delivery on page 1");
    const [own] = await sequelize.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM delivery WHERE id = ANY($1::uuid[]) AND customer_id = $2`,
      { bind: [fromTrpc.deliveries.map((d) => d.id), s.customerId], type: QueryTypes.SELECT },
    );
    if (own?.n !== PAGE_SIZE) throw new Error("verify: deliveries of another customer");
  }
  const noAuth = await fetch(trpc.url + trpc.path);
  if (noAuth.status !== 401) throw new Error(`verify: no token gave ${noAuth.status}, expected 401`);
  const framing = async (target: Target) => {
    const res = await fetch(target.url + target.path, { headers: { authorization: `Bearer ${tokens[0]}` } });
    const bytes = (await res.arrayBuffer()).byteLength;
    const length = res.headers.get("content-length");
    return { bytes, framing: length ? `content-length ${length}` : `transfer-encoding ${res.headers.get("transfer-encoding") ?? "?"}` };
  };
  const trpcBody = await framing(trpc);
  const bareBody = await framing(plain);
  const trpcBytes = trpcBody.bytes;
  const bareBytes = bareBody.bytes;
  log(`verified: both answer ${PAGE_SIZE} identical deliveries per customer (tRPC ${trpcBytes} B, ${trpcBody.framing}; bare ${bareBytes} B, ${bareBody.framing})`);

  // ---- warm-up, then measure in the order tRPC, bare, bare, tRPC (ABBA)
  for (const target of [trpc, plain]) {
    log(`warm-up ${target.name} ${WARMUP_S} s`);
    const w = await load(target, tokens, WARMUP_S);
    if (w.non2xx || w.errors) throw new Error(`warm-up ${target.name}: ${w.non2xx} non-2xx, ${w.errors} errors`);
  }
  const runs: Array<{ target: Target["name"]; result: LoadResult & { serverCpuMs: number } }> = [];
  for (const target of [trpc, plain, plain, trpc]) {
    log(`measure ${target.name} ${DURATION_S} s, ${CONNECTIONS} connections`);
    const result = await load(target, tokens, DURATION_S);
    log(`  ${Math.round(result.reqPerSec)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}`);
    runs.push({ target: target.name, result });
  }

  const combine = (name: Target["name"]) => {
    const rs = runs.filter((r) => r.target === name).map((r) => r.result);
    const avg = (f: (r: (typeof rs)[number]) => number) => rs.reduce((s, r) => s + f(r), 0) / rs.length;
    const total = rs.reduce((s, r) => s + r.total, 0);
    return {
      reqPerSec: avg((r) => r.reqPerSec),
      p50: avg((r) => r.p50),
      p99: avg((r) => r.p99),
      non2xx: rs.reduce((s, r) => s + r.non2xx, 0),
      errors: rs.reduce((s, r) => s + r.errors + r.timeouts, 0),
      total,
      cpuUsPerReq: (rs.reduce((s, r) => s + r.serverCpuMs, 0) * 1000) / Math.max(1, total),
      perRun: rs.map((r) => Math.round(r.reqPerSec)),
    };
  };
  const t = combine("tRPC");
  const b = combine("bare");

  const fmt = (n: number, d = 1) => n.toFixed(d);
  const rows = [
    { case: "tRPC mini.deliveries.list", rps: fmt(t.reqPerSec, 0), p50: fmt(t.p50), p99: fmt(t.p99), non2xx: `${t.non2xx}`, errors: `${t.errors}`, cpu: fmt(t.cpuUsPerReq, 0), runs: t.perRun.join(" / ") },
    { case: "bare Fastify route", rps: fmt(b.reqPerSec, 0), p50: fmt(b.p50), p99: fmt(b.p99), non2xx: `${b.non2xx}`, errors: `${b.errors}`, cpu: fmt(b.cpuUsPerReq, 0), runs: b.perRun.join(" / ") },
    { case: "ratio tRPC/bare", rps: ratio(t.reqPerSec, b.reqPerSec), p50: ratio(t.p50, b.p50), p99: ratio(t.p99, b.p99), non2xx: "", errors: "", cpu: ratio(t.cpuUsPerReq, b.cpuUsPerReq), runs: "" },
  ];
  const cols = ["case", "rps", "p50", "p99", "non2xx", "errors", "cpu", "runs"] as const;
  const titles = { case: "case", rps: "req/s", p50: "p50 ms", p99: "p99 ms", non2xx: "non-2xx", errors: "errors", cpu: "server CPU µs/req", runs: "req/s per run" };
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(titles[c].length, ...rows.map((r) => r[c].length))])) as Record<(typeof cols)[number], number>;
  const line = (cells: Record<(typeof cols)[number], string>) =>
    cols.map((c) => (c === "case" || c === "runs" ? cells[c].padEnd(width[c]) : cells[c].padStart(width[c]))).join(" | ").trimEnd();

  const cpus = os.cpus();
  const facts = {
    date: new Date().toISOString(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "?",
    node: process.version,
    postgres: pgVersion,
    postgresServer: server.embedded ? "embedded" : "DATABASE_URL",
    loadAvg1m: { atStart: loadAtStart, atEnd: os.loadavg()[0]! },
    redis: Boolean(process.env.REDIS_URL),
    data: counts,
    sessions: SESSIONS,
    connections: CONNECTIONS,
    pipelining: 1,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    order: "warm-up tRPC, bare; measure tRPC, bare, bare, tRPC (each value is the mean of 2 runs)",
    response: { tRPC: trpcBody, bare: bareBody },
    baseline: "bare Fastify instance, same process and Sequelize pool: resolveCustomerSession + listDeliveries, plain JSON",
  };
  const header =
    `api bench: ${facts.cpus} CPUs (${facts.cpuModel}), node ${facts.node}, PostgreSQL ${facts.postgres} (${facts.postgresServer}); ` +
    `${counts.customers} customers, ${counts.deliveries} deliveries; page ${PAGE}×${PAGE_SIZE}; ${CONNECTIONS} connections, pipelining 1, ` +
    `${DURATION_S} s × 2 runs each after ${WARMUP_S} s warm-up; load avg (1 min) ${facts.loadAvg1m.atStart.toFixed(1)} → ${facts.loadAvg1m.atEnd.toFixed(1)}`;
  const table = [header, line(titles), cols.map((c) => "-".repeat(width[c])).join("-|-"), ...rows.map((r) => line(r))].join("\n");
  process.stdout.write(`\n${table}\n\n`);

  // ---- where the time goes (only when tRPC is far behind, or asked)
  const slow = t.reqPerSec / b.reqPerSec < 0.6;
  let profile: Record<string, unknown> | null = null;
  if (PROFILE === "1" || (PROFILE !== "0" && slow)) {
    log(`profiling ${PROFILE_S} s each (in-process CPU profile, sampling 200 µs)`);
    const session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    const pt = await profiled(session, trpc, tokens);
    const pb = await profiled(session, plain, tokens);
    await session.post("Profiler.disable");
    session.disconnect();
    const buckets = [...new Set([...pt.usPerReq.keys(), ...pb.usPerReq.keys()])]
      .map((k) => ({ bucket: k, tRPC: pt.usPerReq.get(k) ?? 0, bare: pb.usPerReq.get(k) ?? 0 }))
      .sort((x, y) => y.tRPC - y.bare - (x.tRPC - x.bare));
    const sum = (k: "tRPC" | "bare") => buckets.reduce((s, r) => s + r[k], 0);
    const fns = [...new Set([...pt.fnUsPerReq.keys(), ...pb.fnUsPerReq.keys()])]
      .map((k) => ({ fn: k, tRPC: pt.fnUsPerReq.get(k) ?? 0, bare: pb.fnUsPerReq.get(k) ?? 0 }))
      .sort((x, y) => y.tRPC - y.bare - (x.tRPC - x.bare))
      .slice(0, 12);
    const micro = microCosts(sampleBody, services);
    const dbc = await dbCosts(services, sessions);
    const profLines = [
      `profile: main-thread CPU µs per request by component (idle excluded), ${PROFILE_S} s each; req/s under profiler tRPC ${Math.round(pt.result.reqPerSec)}, bare ${Math.round(pb.result.reqPerSec)}`,
      ...buckets.filter((r) => r.tRPC >= 1 || r.bare >= 1).map((r) => `  ${r.bucket.padEnd(22)} ${r.tRPC.toFixed(0).padStart(6)} ${r.bare.toFixed(0).padStart(6)}   Δ ${(r.tRPC - r.bare).toFixed(0).padStart(5)}`),
      `  ${"total".padEnd(22)} ${sum("tRPC").toFixed(0).padStart(6)} ${sum("bare").toFixed(0).padStart(6)}   Δ ${(sum("tRPC") - sum("bare")).toFixed(0).padStart(5)}`,
      `top self-time functions, tRPC − bare (µs/req): tRPC bare`,
      ...fns.map((r) => `  ${r.tRPC.toFixed(0).padStart(5)} ${r.bare.toFixed(0).padStart(5)}  ${r.fn.slice(0, 110)}`),
      `micro: superjson.stringify(body) ${micro.superjsonUs.toFixed(1)} µs, our output transformer ${micro.outputUs.toFixed(1)} µs, JSON.stringify ${micro.jsonUs.toFixed(1)} µs; histogram startTimer+stop ${micro.histogramUs.toFixed(2)} µs`,
      `db, one at a time: resolveCustomerSession ${dbc.sessionMs.toFixed(2)} ms, listDeliveries (2 queries) ${dbc.listMs.toFixed(2)} ms`,
    ];
    process.stdout.write(`${profLines.join("\n")}\n\n`);
    profile = { buckets, topFunctions: fns, micro, db: dbc, underProfiler: { tRPC: pt.result, bare: pb.result } };
  }

  mkdirSync(join(here, "results"), { recursive: true });
  writeFileSync(
    join(here, "results", "api-latest.json"),
    `${JSON.stringify({ facts, summary: { tRPC: t, bare: b, ratios: { reqPerSec: t.reqPerSec / b.reqPerSec, p50: t.p50 / b.p50, p99: t.p99 / b.p99, cpuPerReq: t.cpuUsPerReq / b.cpuUsPerReq } }, runs, profile, text: table }, null, 2)}\n`,
  );
  log(`wrote bench/results/api-latest.json; total ${secs(performance.now() - t0)}`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = 1;
  const sqlCause = (error as { original?: { message?: string }; sql?: string } | null)?.original?.message;
  log(`FAILED: ${sqlCause ? `${sqlCause}\n` : ""}${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
process.exit(exitCode);
