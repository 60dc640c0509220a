import { MongoBackend } from "@agendajs/mongo-backend";
import { PostgresBackend, PostgresJobRepository } from "@agendajs/postgres-backend";
import type { AgendaBackend, JobLogger, JobRepository, NotificationChannel } from "agenda";
import { MongoClient } from "mongodb";
import type { PoolClient } from "pg";
import { SCHEMA_LOCK_KEY } from "../db/schema-lock.js";
import { SchedulerStartError } from "./errors.js";
import { consoleLogger, type DomainLogger } from "../logger.js";
import type { SchedulerBackendName } from "./types.js";
import { describeError, maskUrl, scrubSecrets } from "./url.js";

/** PostgreSQL table (and LISTEN/NOTIFY channel) holding the scheduler's jobs. */
export const SCHEDULER_PG_TABLE = "agenda_jobs";
/** MongoDB collection holding the scheduler's jobs. */
export const SCHEDULER_MONGO_COLLECTION = "agendaJobs";
/** Default start-up timeout: MongoDB server selection / PostgreSQL connection. */
export const SCHEDULER_CONNECT_TIMEOUT_MS = 2_000;

export interface SchedulerBackendOptions {
  /** PostgreSQL URL (`DATABASE_URL`); the job table lives in this database unless mongoUrl is set. */
  databaseUrl: string;
  /** `MONGODB_URL`; when set (non-empty) the jobs live in MongoDB instead. */
  mongoUrl?: string | undefined;
  /** Start-up connection timeout in ms (default 2000). */
  connectTimeoutMs?: number | undefined;
  logger?: DomainLogger | undefined;
}

/** A connected job store for Agenda. Only this module knows which one it is. */
export interface SchedulerBackend {
  readonly name: SchedulerBackendName;
  /** The connection URL with its password masked (for logs). */
  readonly target: string;
  /**
   * The Agenda backend, already connected: its `connect()` resolves at once (so `new Agenda()`
   * can never produce an unhandled rejection), its `disconnect()` closes the connection once.
   */
  readonly agendaBackend: AgendaBackend;
  /** Closes the connection (idempotent). */
  close(): Promise<void>;
}

/** Which backend `createSchedulerBackend` will use for these options. */
export function schedulerBackendName(opts: { mongoUrl?: string | undefined }): SchedulerBackendName {
  return opts.mongoUrl !== undefined && opts.mongoUrl.trim() !== "" ? "mongo" : "postgres";
}

/** Wraps a connected backend: connect() is a no-op, disconnect() runs once. */
class ConnectedBackend implements AgendaBackend {
  private closing: Promise<void> | undefined;
  private readonly inner: AgendaBackend;

  constructor(inner: AgendaBackend) {
    this.inner = inner;
  }
  get name(): string {
    return this.inner.name;
  }
  get repository(): JobRepository {
    return this.inner.repository;
  }
  get notificationChannel(): NotificationChannel | undefined {
    return this.inner.notificationChannel;
  }
  get logger(): JobLogger | undefined {
    return this.inner.logger;
  }
  get ownsConnection(): boolean {
    return true;
  }
  connect(): Promise<void> {
    return Promise.resolve();
  }
  disconnect(): Promise<void> {
    this.closing ??= this.inner.disconnect();
    return this.closing;
  }
}

/** EventEmitters inside the drivers that would crash the process on an 'error' without listener. */
function guardErrorEvents(inner: AgendaBackend, logger: DomainLogger, target: string): void {
  const channel = inner.notificationChannel as unknown as { on?: (ev: string, fn: (e: unknown) => void) => void } | undefined;
  channel?.on?.("error", (error: unknown) =>
    logger.warn("Scheduler: notification channel error", { target, error: scrubSecrets(describeError(error), target) }),
  );
  if (inner.repository instanceof PostgresJobRepository) {
    inner.repository.getPool().on("error", (error: unknown) =>
      logger.warn("Scheduler: idle PostgreSQL connection error", { target, error: describeError(error) }),
    );
  }
}

async function connectMongo(url: string, timeoutMs: number): Promise<AgendaBackend> {
  // Probe with a short server-selection timeout so a wrong URL fails in ~timeoutMs instead of 30 s;
  // the backend itself keeps the driver's default timeouts for runtime fail-overs.
  const probe = new MongoClient(url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await probe.connect();
    await probe.db().command({ ping: 1 });
  } finally {
    await probe.close().catch(() => undefined);
  }
  const backend = new MongoBackend({ address: url, collection: SCHEDULER_MONGO_COLLECTION });
  try {
    await backend.connect();
  } catch (error) {
    await backend.disconnect().catch(() => undefined);
    throw error;
  }
  return backend;
}

/** Which step of connecting failed, so the start-up error names what really went wrong. */
class ConnectStepError extends Error {
  constructor(
    readonly step: "connect" | "schema",
    readonly original: unknown,
  ) {
    super(describeError(original));
  }
}

async function connectPostgres(url: string, timeoutMs: number): Promise<AgendaBackend> {
  const backend = new PostgresBackend({
    poolConfig: { connectionString: url, connectionTimeoutMillis: Math.max(timeoutMs, 1_000) },
    tableName: SCHEDULER_PG_TABLE,
    channelName: SCHEDULER_PG_TABLE,
  });
  const pool = (backend.repository as PostgresJobRepository).getPool();
  try {
    let lockHolder: PoolClient;
    try {
      lockHolder = await pool.connect();
    } catch (error) {
      throw new ConnectStepError("connect", error);
    }
    // The backend creates its table, indexes and trigger on every connect. Concurrent DDL on an
    // empty database fails (duplicate pg_class rows, "tuple concurrently updated"), so it runs
    // under the same advisory lock as our migrations: one process at a time.
    try {
      await lockHolder.query("SELECT pg_advisory_lock(hashtext($1))", [SCHEMA_LOCK_KEY]);
      try {
        await backend.connect();
      } finally {
        await lockHolder.query("SELECT pg_advisory_unlock(hashtext($1))", [SCHEMA_LOCK_KEY]).catch(() => undefined);
      }
    } catch (error) {
      throw new ConnectStepError("schema", error);
    } finally {
      lockHolder.release();
    }
  } catch (error) {
    await backend.disconnect().catch(() => undefined);
    throw error;
  }
  return backend;
}

/**
 * Connects the scheduler's job store: MongoDB when `mongoUrl` is set, else the PostgreSQL
 * database at `databaseUrl` (table `agenda_jobs`). The connection is awaited here, so a store that
 * is down is a rejected promise with {@link SchedulerStartError} (naming the variable, password
 * masked) within about `connectTimeoutMs` — never an unhandled rejection.
 */
export async function createSchedulerBackend(opts: SchedulerBackendOptions): Promise<SchedulerBackend> {
  const name = schedulerBackendName(opts);
  const logger = opts.logger ?? consoleLogger;
  const timeoutMs = opts.connectTimeoutMs ?? SCHEDULER_CONNECT_TIMEOUT_MS;
  const url = name === "mongo" ? (opts.mongoUrl ?? "").trim() : opts.databaseUrl;
  const variable = name === "mongo" ? "MONGODB_URL" : "DATABASE_URL";
  const store = name === "mongo" ? "MongoDB" : "PostgreSQL";
  const target = maskUrl(url ?? "");

  if (!url) {
    throw new SchedulerStartError(`Scheduler: ${variable} is not set`, { variable, backend: name, target });
  }
  let inner: AgendaBackend;
  try {
    inner = name === "mongo" ? await connectMongo(url, timeoutMs) : await connectPostgres(url, timeoutMs);
  } catch (error) {
    const step = error instanceof ConnectStepError ? error.step : "connect";
    const original = error instanceof ConnectStepError ? error.original : error;
    const raw = describeError(original);
    const reason = scrubSecrets(raw, url);
    const what =
      step === "schema"
        ? `cannot create its job table "${SCHEDULER_PG_TABLE}" in ${store} at ${variable} (${target})`
        : `cannot reach ${store} at ${variable} (${target})`;
    throw new SchedulerStartError(`Scheduler: ${what}: ${reason}`, {
      variable,
      backend: name,
      target,
      // keep the driver error for debugging unless it would leak the password
      ...(raw === reason ? { cause: original } : {}),
    });
  }
  guardErrorEvents(inner, logger, target);
  const agendaBackend = new ConnectedBackend(inner);
  return {
    name,
    target,
    agendaBackend,
    close: () => agendaBackend.disconnect(),
  };
}
