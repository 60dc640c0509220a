import type { KingdeeClient } from "@erpbridge/kingdee-sdk";
import { QueryTypes, type Sequelize } from "sequelize";
import { z } from "zod";
import { SyncJob } from "../models/sync-job.js";
import { SyncRun } from "../models/sync-run.js";
import { type PageCounts, StreamSync, SyncStoppedError } from "./engine.js";
import { type StreamName, type SyncJobName, isStreamName, isSyncJobName, jobOfStream, streams, syncJobs } from "./streams.js";

export class SyncAlreadyRunningError extends Error {
  readonly code = "SYNC_ALREADY_RUNNING";
  constructor(
    readonly tenantId: string,
    readonly jobName: string,
    readonly runningRunId: string | undefined,
  ) {
    super(`sync ${jobName} for tenant ${tenantId} is already running${runningRunId ? ` (run ${runningRunId})` : ""}`);
  }
}

export const syncRequestSchema = z
  .object({
    tenantId: z.uuid(),
    jobName: z.string().refine(isSyncJobName, { message: `must be one of: ${Object.keys(syncJobs).join(", ")}` }).optional(),
    resource: z.string().refine(isStreamName, { message: `must be one of: ${Object.keys(streams).join(", ")}` }).optional(),
    trigger: z.enum(["schedule", "manual"]).default("manual"),
    fromTime: z.coerce.date().optional(),
    toTime: z.coerce.date().optional(),
  })
  .refine((r) => r.jobName || r.resource, { message: "give a jobName or a resource", path: ["jobName"] })
  .refine((r) => !r.fromTime || !r.toTime || r.fromTime < r.toTime, { message: "fromTime must be before toTime", path: ["fromTime"] });

export type SyncRequest = z.input<typeof syncRequestSchema>;

export interface SyncSettings {
  /** Re-read before the watermark (default 15 min). */
  overlapMs: number;
  /** Detail calls in flight per stream (the client's limiter still applies). */
  detailConcurrency: number;
}

export const defaultSyncSettings: SyncSettings = { overlapMs: 15 * 60_000, detailConcurrency: 4 };

export interface SyncServiceOptions {
  sequelize: Sequelize;
  kingdeeFor: (tenantId: string) => Promise<KingdeeClient>;
  settings?: Partial<SyncSettings>;
  logger?: { info(msg: string, meta?: object): void; warn(msg: string, meta?: object): void; error(msg: string, meta?: object): void };
  /** Progress of a run after each committed page. */
  onProgress?: (runId: string, counts: PageCounts) => void;
  /** Every finished run, whatever its status (metrics). */
  onFinished?: (run: SyncRun) => void;
}

export interface StartedRun {
  run: SyncRun;
  /** Settles with the finished run (never rejects: failures are recorded on the run). */
  done: Promise<SyncRun>;
}

const lockKey = (tenantId: string, jobName: string) => `erpbridge:sync:${tenantId}:${jobName}`;

/**
 * Starts and runs syncs. One run per tenant × job at a time, across processes: the run holds a
 * PostgreSQL advisory lock on a dedicated connection, so a crashed worker's lock goes with its
 * connection and the next run resumes from the committed checkpoint.
 */
export class SyncService {
  readonly settings: SyncSettings;
  readonly #running = new Map<string, Promise<SyncRun>>();
  #stopping = false;

  constructor(private readonly options: SyncServiceOptions) {
    this.settings = { ...defaultSyncSettings, ...options.settings };
  }

  /** Runs to the end; rejects only when the run could not start (bad request, already running). */
  async run(request: SyncRequest): Promise<SyncRun> {
    return (await this.start(request)).done;
  }

  /** Takes the lock and records the run, then continues in the background. */
  async start(input: SyncRequest): Promise<StartedRun> {
    if (this.#stopping) throw new Error("sync service is shutting down");
    const request = syncRequestSchema.parse(input);
    const jobName: SyncJobName = request.jobName ?? jobOfStream(request.resource as StreamName);
    const { sequelize } = this.options;

    const connectionManager = (sequelize as unknown as { connectionManager: { getConnection(o: object): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<void> } }).connectionManager;
    const connection = await connectionManager.getConnection({ type: "write" });
    const key = lockKey(request.tenantId, jobName);
    let locked = false;
    try {
      const result = await connection.query("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [key]);
      locked = result.rows[0]?.locked === true;
      if (!locked) {
        const running = await SyncRun.findOne({
          where: { tenantId: request.tenantId, jobName, status: "running" },
          order: [["createdAt", "DESC"]],
        });
        throw new SyncAlreadyRunningError(request.tenantId, jobName, running?.id);
      }
      const run = await this.#open(request, jobName);
      const done = this.#execute(run, request, jobName).finally(async () => {
        await connection.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]).catch(() => undefined);
        await connectionManager.releaseConnection(connection);
        this.#running.delete(run.id);
      });
      this.#running.set(run.id, done);
      return { run, done };
    } catch (error) {
      if (locked) await connection.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]).catch(() => undefined);
      await connectionManager.releaseConnection(connection);
      throw error;
    }
  }

  /** Graceful stop: running streams commit their current page and stop; locks are released. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.allSettled([...this.#running.values()]);
  }

  async #open(request: z.output<typeof syncRequestSchema>, jobName: SyncJobName): Promise<SyncRun> {
    const { sequelize } = this.options;
    return sequelize.transaction(async (transaction) => {
      await SyncJob.findOrCreate({ where: { tenantId: request.tenantId, jobName }, defaults: { tenantId: request.tenantId, jobName }, transaction });
      // We hold the lock, so any run still marked running died with its worker.
      await sequelize.query(
        `UPDATE sync_run SET status = 'failed', finished_at = now(), updated_at = now(),
                error = 'interrupted: the worker stopped before the run finished; the next run resumed from its checkpoint'
          WHERE tenant_id = $1 AND job_name = $2 AND status IN ('running', 'pending')`,
        { bind: [request.tenantId, jobName], type: QueryTypes.UPDATE, transaction },
      );
      const run = await SyncRun.create(
        {
          tenantId: request.tenantId,
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
        { where: { tenantId: request.tenantId, jobName }, transaction },
      );
      return run;
    });
  }

  async #execute(run: SyncRun, request: z.output<typeof syncRequestSchema>, jobName: SyncJobName): Promise<SyncRun> {
    const { sequelize, logger } = this.options;
    const warnings: string[] = [];
    const errors: string[] = [];
    const names: readonly StreamName[] = request.resource ? [request.resource as StreamName] : syncJobs[jobName].streams;
    const range = request.fromTime || request.toTime ? { from: request.fromTime, to: request.toTime } : undefined;
    try {
      const kingdee = await this.options.kingdeeFor(request.tenantId);
      for (const name of names) {
        await run.update({ currentResource: name });
        const sync = new StreamSync(
          {
            sequelize,
            kingdee,
            tenantId: request.tenantId,
            jobName,
            runId: run.id,
            overlapMs: this.settings.overlapMs,
            detailConcurrency: this.settings.detailConcurrency,
            warn: (message) => warnings.push(message),
            onPage: (counts) => this.options.onProgress?.(run.id, counts),
            stopping: () => this.#stopping,
          },
          streams[name],
        );
        try {
          try {
            await sync.retryLedger();
            await sync.run({ mode: syncJobs[jobName].mode, ...(range ? { range } : {}) });
          } finally {
            // Also after a failure: what the committed pages changed is brought up to date.
            await streams[name].finalize?.(sequelize, request.tenantId);
          }
        } catch (error) {
          // One stream failing leaves its checkpoint for the next run; the other streams still sync.
          errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
          if (error instanceof SyncStoppedError) break;
        }
      }
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }

    await run.reload();
    const status = errors.length > 0 ? "failed" : run.failedCount > 0 ? "partial" : "success";
    const finishedAt = new Date();
    await sequelize.transaction(async (transaction) => {
      await run.update({ status, finishedAt, warnings, error: errors.join("; ") || null }, { transaction });
      await SyncJob.update(
        {
          status: errors.length > 0 ? "failed" : "idle",
          error: errors.join("; ") || null,
          lockedBy: null,
          lockedAt: null,
          ...(errors.length === 0 && !range ? { lastSuccessAt: finishedAt } : {}),
        },
        { where: { tenantId: request.tenantId, jobName }, transaction },
      );
    });
    this.options.onFinished?.(run);
    logger?.[status === "failed" ? "error" : "info"](`sync ${jobName} ${status}`, {
      runId: run.id,
      tenantId: request.tenantId,
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
