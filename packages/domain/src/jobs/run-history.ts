import { QueryTypes, type Sequelize } from "sequelize";
import { z } from "zod";
import { idInput, pageInput, pageSizeInput, textInput } from "../inputs/schemas.js";
import { SYNC_RUN_STATUSES, type SyncRunStatus } from "../models/sync-run.js";

/**
 * The business run history of every job kind (Airbyte's sync history, n8n's executions): what ran,
 * for whom, why, how it ended, with counts, duration and error. Stored in `sync_run` (migration
 * 0022), where sync runs already lived; the sync service writes its own rows as it goes (a sync
 * can run for minutes and must show progress), the other kinds record a run once it has ended.
 */

export const JOB_RUN_TRIGGERS = ["schedule", "manual", "webhook", "retry"] as const;
export type JobRunTrigger = (typeof JOB_RUN_TRIGGERS)[number];
export const JOB_RUN_STATUSES = SYNC_RUN_STATUSES;
export type JobRunStatus = SyncRunStatus;

/** A run of a kind other than sync, recorded when it has ended. */
export interface FinishedJobRun {
  kind: string;
  /** Which job of the kind (e.g. "delivery_notices", "erp"). */
  jobName: string;
  /** null when the run spans tenants. */
  tenantId?: string | null | undefined;
  trigger: JobRunTrigger;
  startedAt: Date;
  finishedAt?: Date | undefined;
  /** The kind's own counters. */
  counts?: Record<string, number> | undefined;
  /** Records that failed; with no error, a run with failures is `partial`. */
  failed?: number | undefined;
  /** Set when the run as a whole failed. */
  error?: string | null | undefined;
  warnings?: string[] | undefined;
}

/** success, partial (some records failed) or failed (the run itself failed). */
export function jobRunStatus(run: { failed?: number | undefined; error?: string | null | undefined }): JobRunStatus {
  if (run.error) return "failed";
  return (run.failed ?? 0) > 0 ? "partial" : "success";
}

/** Writes one finished run; returns its id. */
export async function recordJobRun(sequelize: Sequelize, run: FinishedJobRun): Promise<string> {
  const [row] = await sequelize.query<{ id: string }>(
    `INSERT INTO sync_run (kind, job_name, tenant_id, trigger, status, started_at, finished_at, counts, failed_count, error, warnings)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11::jsonb)
     RETURNING id`,
    {
      bind: [
        run.kind,
        run.jobName,
        run.tenantId ?? null,
        run.trigger,
        jobRunStatus(run),
        run.startedAt,
        run.finishedAt ?? new Date(),
        JSON.stringify(run.counts ?? {}),
        run.failed ?? 0,
        run.error ?? null,
        JSON.stringify(run.warnings ?? []),
      ],
      type: QueryTypes.SELECT,
    },
  );
  return row!.id;
}

export const jobRunsQuerySchema = z.object({
  kind: textInput(64).optional(),
  jobName: textInput(64).optional(),
  status: z.enum(JOB_RUN_STATUSES).optional(),
  tenantId: idInput.optional(),
  connectionId: idInput.optional(),
  page: pageInput.default(1),
  pageSize: pageSizeInput(200).default(50),
});
export type JobRunsQuery = z.input<typeof jobRunsQuerySchema>;

export interface JobRunRecord {
  id: string;
  kind: string;
  jobName: string;
  tenantId: string | null;
  /** The connection a sync read through (its id and name); null for kinds that read through none. */
  connectionId: string | null;
  connectionName: string | null;
  trigger: JobRunTrigger;
  status: JobRunStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** null while running. */
  durationMs: number | null;
  /** The kind's counters; for syncs fetched/inserted/updated/unchanged; `failed` for every kind. */
  counts: Record<string, number>;
  warnings: string[];
  error: string | null;
}

/** The run history, newest first, filtered by kind, job, status, tenant and connection. */
export async function listJobRuns(
  sequelize: Sequelize,
  query: JobRunsQuery,
): Promise<{ page: number; pageSize: number; total: number; runs: JobRunRecord[] }> {
  const q = jobRunsQuerySchema.parse(query);
  const where = `WHERE ($1::text IS NULL OR r.kind = $1) AND ($2::text IS NULL OR r.job_name = $2)
      AND ($3::text IS NULL OR r.status = $3) AND ($4::uuid IS NULL OR r.tenant_id = $4) AND ($5::uuid IS NULL OR r.connection_id = $5)`;
  const bind = [q.kind ?? null, q.jobName ?? null, q.status ?? null, q.tenantId ?? null, q.connectionId ?? null];
  const [count] = await sequelize.query<{ total: number }>(`SELECT count(*)::int AS total FROM sync_run r ${where}`, {
    bind,
    type: QueryTypes.SELECT,
  });
  const runs = await sequelize.query<JobRunRecord>(
    `SELECT r.id, r.kind, r.job_name AS "jobName", r.tenant_id AS "tenantId",
            r.connection_id AS "connectionId", c.name AS "connectionName", r.trigger, r.status,
            r.started_at AS "startedAt", r.finished_at AS "finishedAt",
            (extract(epoch FROM r.finished_at - r.started_at) * 1000)::int AS "durationMs",
            CASE WHEN r.kind = 'sync'
                 THEN jsonb_build_object('fetched', r.fetched_count, 'inserted', r.inserted_count, 'updated', r.updated_count,
                                         'unchanged', r.unchanged_count)
                 ELSE '{}'::jsonb END || r.counts || jsonb_build_object('failed', r.failed_count) AS counts,
            r.warnings, r.error
       FROM sync_run r LEFT JOIN connection c ON c.id = r.connection_id
      ${where}
      ORDER BY r.created_at DESC, r.id
      LIMIT $6 OFFSET $7`,
    { bind: [...bind, q.pageSize, (q.page - 1) * q.pageSize], type: QueryTypes.SELECT },
  );
  return { page: q.page, pageSize: q.pageSize, total: count?.total ?? 0, runs };
}
