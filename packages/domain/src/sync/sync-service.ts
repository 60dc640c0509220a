import { QueryTypes, type Sequelize } from "sequelize";
import { z } from "zod";
import { dateInput, idInput } from "../inputs/schemas.js";
import { SyncJob } from "../models/sync-job.js";
import { SyncRun, type SyncRunStatus } from "../models/sync-run.js";
import { type PageCounts, StreamSync, SyncStoppedError } from "./engine.js";
import { connectionOf } from "./connection-of.js";
import type { Connector } from "./source.js";
import type { DomainLogger } from "../logger.js";
import { DomainError } from "../errors.js";

export class SyncAlreadyRunningError extends DomainError {
  readonly kind = "conflict";
  readonly code = "SYNC_ALREADY_RUNNING";
  constructor(
    readonly connection: SyncConnection,
    readonly jobName: string,
    readonly runningRunId: string | undefined,
  ) {
    super(
      `sync ${jobName} of connection ${connection.name} (${connection.id}) is already running${runningRunId ? ` (run ${runningRunId})` : ""}`,
    );
  }
}

/** The connection a run reads through, resolved once when it starts. */
export interface SyncConnection {
  id: string;
  name: string;
}

/** A sync request, validated against the connector's jobs and streams. */
export function syncRequestSchema(connector: Connector<unknown>) {
  const jobNames = Object.keys(connector.jobs);
  const streamNames = Object.keys(connector.streams);
  return z
    .object({
      tenantId: idInput,
      jobName: z.string().refine((name) => Object.hasOwn(connector.jobs, name), { message: `must be one of: ${jobNames.join(", ")}` }).optional(),
      resource: z.string().refine((name) => Object.hasOwn(connector.streams, name), { message: `must be one of: ${streamNames.join(", ")}` }).optional(),
      trigger: z.enum(["schedule", "manual"]).default("manual"),
      fromTime: dateInput.optional(),
      toTime: dateInput.optional(),
    })
    .refine((r) => r.jobName || r.resource, { message: "give a jobName or a resource", path: ["jobName"] })
    .refine((r) => !r.fromTime || !r.toTime || r.fromTime < r.toTime, { message: "fromTime must be before toTime", path: ["fromTime"] });
}

type ParsedRequest = z.output<ReturnType<typeof syncRequestSchema>>;

export type SyncRequest = z.input<ReturnType<typeof syncRequestSchema>>;

export interface SyncSettings {
  /** Detail calls in flight per stream (the client's limiter still applies). */
  detailConcurrency: number;
  /** A full pass marks nothing deleted when this share (0–1) of a stream's records or more went missing. */
  maxDeleteShare: number;
}

export const defaultSyncSettings: SyncSettings = { detailConcurrency: 4, maxDeleteShare: 0.1 };

export interface SyncServiceOptions<Client> {
  sequelize: Sequelize;
  /** The system synced: its streams, jobs, and its `Source` over a client. */
  connector: Connector<Client>;
  /** The client of a tenant's connection. */
  clientFor: (tenantId: string) => Promise<Client>;
  settings?: Partial<SyncSettings>;
  logger?: DomainLogger;
  /** Progress of a run after each committed page. */
  onProgress?: (runId: string, counts: PageCounts) => void;
  /** Every finished run, whatever its status (metrics). */
  onFinished?: (run: SyncRun) => void;
}

export interface RunOptions {
  /** Aborting it stops this run the way `stop()` does: the page in flight commits, the run is `stopped`. */
  signal?: AbortSignal | undefined;
}

export interface StartedRun {
  run: SyncRun;
  /** Settles with the finished run (never rejects: failures are recorded on the run). */
  done: Promise<SyncRun>;
}

const lockKey = (connectionId: string, jobName: string) => `erpbridge:sync:${connectionId}:${jobName}`;
const tryLock = async (connection: PgConnection, key: string): Promise<boolean> =>
  (await connection.query("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [key])).rows[0]?.locked === true;
const unlock = (connection: PgConnection, key: string): Promise<unknown> =>
  connection.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]).catch(() => undefined);

/** How often `startReaping()` looks for runs whose worker died (well inside the scheduler's 10 s lock lifetime). */
export const DEFAULT_REAP_EVERY_MS = 5_000;
const ABANDONED_ERROR = "abandoned: the worker running it stopped without finishing it; the next run resumes from its checkpoint";

/**
 * Starts and runs syncs. One run per connection × job at a time, across processes: the run holds a
 * PostgreSQL advisory lock on a dedicated connection, so a crashed worker's lock goes with its
 * connection and the next run resumes from the committed checkpoint.
 */
export class SyncService<Client = unknown> {
  readonly settings: SyncSettings;
  readonly #requestSchema: ReturnType<typeof syncRequestSchema>;
  readonly #running = new Map<string, Promise<SyncRun>>();
  #stopping = false;
  #reapTimer: NodeJS.Timeout | undefined;
  #reaping: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SyncServiceOptions<Client>) {
    this.settings = { ...defaultSyncSettings, ...options.settings };
    this.#requestSchema = syncRequestSchema(options.connector as Connector<unknown>);
  }

  /** Runs to the end; rejects only when the run could not start (bad request, already running). */
  async run(request: SyncRequest, options: RunOptions = {}): Promise<SyncRun> {
    return (await this.start(request, options)).done;
  }

  /** Takes the lock and records the run, then continues in the background. */
  async start(input: SyncRequest, options: RunOptions = {}): Promise<StartedRun> {
    if (this.#stopping) throw new Error("sync service is shutting down");
    const request = this.#requestSchema.parse(input);
    const jobName = request.jobName ?? this.#jobOfStream(request.resource!);
    // The tenant's connection now, not mid-run: the lock, rows and records must all name the same one.
    const { id, name } = await connectionOf(request.tenantId, this.options.connector.kind);
    const syncConnection: SyncConnection = { id, name };

    const connectionManager = this.#connectionManager();
    const connection = await connectionManager.getConnection({ type: "write" });
    const key = lockKey(syncConnection.id, jobName);
    let locked = false;
    try {
      locked = await tryLock(connection, key);
    } finally {
      if (!locked) await connectionManager.releaseConnection(connection);
    }
    if (!locked) {
      // Read with the lock's connection given back: concurrent refused triggers must not hold the
      // whole pool while each waits for one more connection (they did, and timed out as 500s).
      const running = await SyncRun.findOne({
        where: { connectionId: syncConnection.id, jobName, status: "running" },
        order: [["createdAt", "DESC"]],
      });
      throw new SyncAlreadyRunningError(syncConnection, jobName, running?.id);
    }
    try {
      const run = await this.#open(request, syncConnection.id, jobName);
      const done = this.#execute(run, request, jobName, options.signal).finally(async () => {
        await unlock(connection, key);
        await connectionManager.releaseConnection(connection);
        this.#running.delete(run.id);
      });
      this.#running.set(run.id, done);
      return { run, done };
    } catch (error) {
      await unlock(connection, key);
      await connectionManager.releaseConnection(connection);
      throw error;
    }
  }

  /** Graceful stop: running streams commit their current page and stop (run `stopped`); locks are released. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#reapTimer);
    await Promise.allSettled([...this.#running.values(), this.#reaping]);
  }

  /**
   * Marks runs whose worker died (SIGKILL, lost host) as failed. A live run holds its connection × job
   * advisory lock from before its row is written until after its final status is, and PostgreSQL
   * drops a session's locks when its connection goes. So a `running` row whose lock we can take
   * has no worker left. (A heartbeat column would need a lease length and could call a live but
   * slow run dead; the lock is the truth that already decides who may run.)
   */
  async reapAbandonedRuns(): Promise<number> {
    const { sequelize, logger } = this.options;
    const unfinished = await sequelize.query<{ connection_id: string; job_name: string }>(
      `SELECT DISTINCT connection_id, job_name FROM sync_run WHERE kind = 'sync' AND status IN ('running', 'pending')`,
      { type: QueryTypes.SELECT },
    );
    if (unfinished.length === 0) return 0;
    const connectionManager = this.#connectionManager();
    const connection = await connectionManager.getConnection({ type: "write" });
    let reaped = 0;
    try {
      for (const { connection_id: connectionId, job_name: jobName } of unfinished) {
        const key = lockKey(connectionId, jobName);
        if (!(await tryLock(connection, key))) continue; // a live run holds it
        try {
          const { rows } = await connection.query(
            `WITH reaped AS (
               UPDATE sync_run SET status = 'failed', finished_at = now(), updated_at = now(), error = $3
                WHERE kind = 'sync' AND connection_id = $1 AND job_name = $2 AND status IN ('running', 'pending') RETURNING id
             ), job AS (
               UPDATE sync_job SET status = 'failed', error = $3, locked_by = NULL, locked_at = NULL, updated_at = now()
                WHERE connection_id = $1 AND job_name = $2 AND locked_by IN (SELECT id::text FROM reaped)
             )
             SELECT id FROM reaped`,
            [connectionId, jobName, ABANDONED_ERROR],
          );
          reaped += rows.length;
          if (rows.length > 0) logger?.warn(`sync ${jobName} abandoned`, { connectionId, runIds: rows.map((r) => r.id) });
        } finally {
          await unlock(connection, key);
        }
      }
    } finally {
      await connectionManager.releaseConnection(connection);
    }
    return reaped;
  }

  /** Reaps abandoned runs now and then every `everyMs` until `stop()`. */
  startReaping(everyMs: number = DEFAULT_REAP_EVERY_MS): void {
    if (this.#reapTimer || this.#stopping) return;
    let busy = false;
    const reap = () => {
      if (busy) return;
      busy = true;
      this.#reaping = this.reapAbandonedRuns()
        .catch((error: unknown) =>
          this.options.logger?.warn("could not reap abandoned sync runs", { error: error instanceof Error ? error.message : String(error) }),
        )
        .finally(() => (busy = false));
    };
    reap();
    this.#reapTimer = setInterval(reap, everyMs);
    this.#reapTimer.unref();
  }

  /** The job a stream belongs to (a single-stream run takes that job's lock and cursor). */
  #jobOfStream(stream: string): string {
    const { jobs } = this.options.connector;
    const job = Object.keys(jobs).find((name) => jobs[name]!.streams.includes(stream));
    if (!job) throw new Error(`stream ${stream} belongs to no job`);
    return job;
  }

  #connectionManager() {
    return (this.options.sequelize as unknown as {
      connectionManager: { getConnection(o: object): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<void> };
    }).connectionManager;
  }

  async #open(request: ParsedRequest, connectionId: string, jobName: string): Promise<SyncRun> {
    const { sequelize } = this.options;
    const job = { connectionId, jobName };
    return sequelize.transaction(async (transaction) => {
      await SyncJob.findOrCreate({ where: job, defaults: { ...job, tenantId: request.tenantId }, transaction });
      // We hold the lock, so any run still marked running died with its worker.
      await sequelize.query(
        `UPDATE sync_run SET status = 'failed', finished_at = now(), updated_at = now(),
                error = 'interrupted: the worker stopped before the run finished; the next run resumed from its checkpoint'
          WHERE kind = 'sync' AND connection_id = $1 AND job_name = $2 AND status IN ('running', 'pending')`,
        { bind: [connectionId, jobName], type: QueryTypes.UPDATE, transaction },
      );
      const run = await SyncRun.create(
        {
          tenantId: request.tenantId,
          connectionId,
          jobName,
          resource: request.resource ?? null,
          trigger: request.trigger,
          fromTime: request.fromTime ?? null,
          toTime: request.toTime ?? null,
          status: "running",
          startedAt: new Date(),
        },
        { transaction },
      );
      await SyncJob.update(
        { status: "running", lockedBy: run.id, lockedAt: new Date(), error: null },
        { where: job, transaction },
      );
      return run;
    });
  }

  async #execute(run: SyncRun, request: ParsedRequest, jobName: string, signal: AbortSignal | undefined): Promise<SyncRun> {
    const { sequelize, logger } = this.options;
    const warnings: string[] = [];
    const errors: string[] = [];
    const stopRequested = () => this.#stopping || signal?.aborted === true;
    let stopped = false;
    const { connector } = this.options;
    const names = request.resource ? [request.resource] : connector.jobs[jobName]!.streams;
    const range = request.fromTime || request.toTime ? { from: request.fromTime, to: request.toTime } : undefined;
    try {
      const source = connector.source(await this.options.clientFor(request.tenantId));
      for (const name of names) {
        const stream = connector.streams[name]!;
        if (stopRequested()) {
          stopped = true;
          errors.push(`stopped by shutdown before ${name}`);
          break;
        }
        await run.update({ currentResource: name });
        const sync = new StreamSync(
          {
            sequelize,
            source,
            tenantId: request.tenantId,
            connectionId: run.connectionId,
            jobName,
            runId: run.id,
            detailConcurrency: this.settings.detailConcurrency,
            maxDeleteShare: this.settings.maxDeleteShare,
            warn: (message) => warnings.push(message),
            onPage: (counts) => this.options.onProgress?.(run.id, counts),
            stopping: stopRequested,
          },
          stream,
        );
        try {
          try {
            await sync.retryLedger();
            await sync.run(range ? { range } : {});
          } finally {
            // Also after a failure: what the committed pages changed is brought up to date.
            await stream.finalize?.(sequelize, request.tenantId);
          }
        } catch (error) {
          // One stream failing leaves its checkpoint for the next run; the other streams still sync.
          errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
          if (error instanceof SyncStoppedError) {
            stopped = true;
            break;
          }
        }
      }
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }

    await run.reload();
    // A stopped run is unfinished, not broken: the next run resumes from its checkpoint.
    const status: SyncRunStatus = stopped ? "stopped" : errors.length > 0 ? "failed" : run.failedCount > 0 ? "partial" : "success";
    const finishedAt = new Date();
    await sequelize.transaction(async (transaction) => {
      await run.update({ status, finishedAt, warnings, error: errors.join("; ") || null }, { transaction });
      await SyncJob.update(
        {
          status: status === "failed" ? "failed" : "idle",
          error: errors.join("; ") || null,
          lockedBy: null,
          lockedAt: null,
          ...(errors.length === 0 && !range ? { lastSuccessAt: finishedAt } : {}),
        },
        { where: { connectionId: run.connectionId, jobName }, transaction },
      );
    });
    this.options.onFinished?.(run);
    logger?.[status === "failed" ? "error" : "info"](`sync ${jobName} ${status}`, {
      runId: run.id,
      tenantId: request.tenantId,
      connectionId: run.connectionId,
      fetched: run.fetchedCount,
      inserted: run.insertedCount,
      updated: run.updatedCount,
      failed: run.failedCount,
      ...(errors.length ? { errors } : {}),
    });
    return run;
  }
}

interface PgConnection {
  query(sql: string, params: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}
