import { Connection } from "@erpbridge/domain/connections";
import { jdyConnector, type JdyJobName, jdyJobNames, jdyJobs, type JdyStreamName, jdyStreams } from "@erpbridge/domain/connectors";
import { idInput, pageInput, pageSizeInput, withDateRange } from "@erpbridge/domain/inputs";
import { SyncRun, SyncJob, SYNC_RUN_STATUSES, type SyncRunStatus } from "@erpbridge/domain/models";
import { listTenants } from "@erpbridge/domain/tenants";
import { TRPCError } from "@trpc/server";
import { QueryTypes, type WhereOptions } from "sequelize";
import { z } from "zod";
import { adminProcedure, createTRPCRouter } from "../../trpc.js";
import { requireTenant } from "./require-tenant.js";

/** The connection a sync reads through. */
export interface SyncConnectionView {
  id: string;
  name: string;
}

export interface SyncRunView {
  id: string;
  tenantId: string;
  connection: SyncConnectionView;
  jobName: string;
  resource: string | null;
  /** The stream being synced now (the last one once the run has ended). */
  currentResource: string | null;
  trigger: "schedule" | "manual";
  fromTime: Date | null;
  toTime: Date | null;
  /** `stopped`: a graceful shutdown ended it after its last page committed; the next run resumes. */
  status: SyncRunStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  counts: { fetched: number; inserted: number; updated: number; unchanged: number; failed: number };
  warnings: string[];
  error: string | null;
}

const runView = (run: SyncRun, connectionName: string): SyncRunView => ({
  id: run.id,
  tenantId: run.tenantId,
  connection: { id: run.connectionId, name: connectionName },
  jobName: run.jobName,
  resource: run.resource,
  currentResource: run.currentResource,
  trigger: run.trigger,
  fromTime: run.fromTime,
  toTime: run.toTime,
  status: run.status,
  startedAt: run.startedAt,
  finishedAt: run.finishedAt,
  counts: {
    fetched: run.fetchedCount,
    inserted: run.insertedCount,
    updated: run.updatedCount,
    unchanged: run.unchangedCount,
    failed: run.failedCount,
  },
  warnings: run.warnings,
  error: run.error,
});

/** The runs' views, with the name of each run's connection. */
async function runViews(runs: SyncRun[]): Promise<SyncRunView[]> {
  const ids = [...new Set(runs.map((run) => run.connectionId))];
  const connections = ids.length > 0 ? await Connection.findAll({ where: { id: ids }, attributes: ["id", "name"] }) : [];
  const names = new Map(connections.map((c) => [c.id, c.name]));
  return runs.map((run) => runView(run, names.get(run.connectionId)!));
}

export interface SyncJobStatusView {
  jobName: string;
  streams: readonly string[];
  enabled: boolean;
  cron: string | null;
  nextRunAt: Date | null;
  status: "idle" | "running" | "failed";
  runningRunId: string | null;
  lastSuccessAt: Date | null;
  error: string | null;
  cursor: Record<string, unknown>;
}

export const adminSyncRouter = createTRPCRouter({
  /** Starts a run now (a job, or one resource with an optional time range); refused if one is running. */
  run: adminProcedure
    .input(
      withDateRange({
        tenantId: idInput,
        jobName: z.enum(jdyJobNames as [JdyJobName, ...JdyJobName[]]).optional(),
        resource: z.enum(Object.keys(jdyStreams) as [JdyStreamName, ...JdyStreamName[]]).optional(),
      })
        .refine((v) => v.jobName || v.resource, { message: "give a jobName or a resource", path: ["jobName"] }),
    )
    .mutation(async ({ ctx, input }) => {
      await requireTenant(input.tenantId);
      const { run } = await ctx.services.sync.start({ ...input, trigger: "manual" } as Parameters<typeof ctx.services.sync.start>[0]);
      const [view] = await runViews([run]);
      return view!;
    }),

  /** Per tenant × job, of the connection its runs sync (the default one): schedule, last success, cursor, and whether it runs now. */
  status: adminProcedure.input(z.object({ tenantId: idInput.optional() }).optional()).query(async ({ ctx, input }) => {
    const tenants = (await listTenants()).filter((t) => !input?.tenantId || t.id === input.tenantId);
    const scheduled = await ctx.services.scheduler.jobs().catch(() => []);
    const connections = await Connection.findAll({
      where: { tenantId: tenants.map((t) => t.id), kind: jdyConnector.kind, name: "default" },
      attributes: ["id", "tenantId", "name"],
    });
    const jobs = await SyncJob.findAll({ where: { connectionId: connections.map((c) => c.id) } });
    return tenants.map((tenant) => {
      const connection = connections.find((c) => c.tenantId === tenant.id);
      const connectionView: SyncConnectionView | null = connection ? { id: connection.id, name: connection.name } : null;
      return {
        tenant,
        connection: connectionView,
        jobs: jdyJobNames.map((jobName): SyncJobStatusView => {
          const job = jobs.find((j) => j.connectionId === connection?.id && j.jobName === jobName);
          const schedule = scheduled.find((s) => s.tenantId === tenant.id && s.jobName === jobName);
          return {
            jobName,
            streams: jdyJobs[jobName].streams,
            enabled: job?.enabled ?? true,
            cron: job?.cron ?? schedule?.cron ?? null,
            nextRunAt: schedule?.nextRunAt ?? null,
            status: job?.status ?? "idle",
            runningRunId: job?.lockedBy ?? null,
            lastSuccessAt: job?.lastSuccessAt ?? null,
            error: job?.error ?? null,
            cursor: job?.lastCursor ?? {},
          };
        }),
      };
    });
  }),

  runs: adminProcedure
    .input(
      z.object({
        tenantId: idInput.optional(),
        connectionId: idInput.optional(),
        jobName: z.enum(jdyJobNames as [string, ...string[]]).optional(),
        status: z.enum(SYNC_RUN_STATUSES).optional(),
        page: pageInput.default(1),
        pageSize: pageSizeInput(100).default(20),
      }),
    )
    .query(async ({ input }) => {
      const where: WhereOptions = {
        ...(input.tenantId ? { tenantId: input.tenantId } : {}),
        ...(input.connectionId ? { connectionId: input.connectionId } : {}),
        ...(input.jobName ? { jobName: input.jobName } : {}),
        ...(input.status ? { status: input.status } : {}),
      };
      const { rows, count } = await SyncRun.findAndCountAll({
        where,
        order: [["createdAt", "DESC"]],
        limit: input.pageSize,
        offset: (input.page - 1) * input.pageSize,
      });
      return { page: input.page, pageSize: input.pageSize, total: count, runs: await runViews(rows) };
    }),

  /** One run with its failure ledger entries. */
  get: adminProcedure.input(z.object({ runId: idInput })).query(async ({ ctx, input }) => {
    const run = await SyncRun.findByPk(input.runId);
    if (!run) throw new TRPCError({ code: "NOT_FOUND", message: "run not found" });
    const failures = await ctx.services.db.sequelize.query<{
      bizType: string; bizId: string; reason: string; attempts: number; resolvedAt: Date | null;
    }>(
      `SELECT biz_type AS "bizType", biz_id AS "bizId", reason, attempts, resolved_at AS "resolvedAt"
         FROM sync_failure WHERE sync_run_id = $1 OR resolved_by_run_id = $1 ORDER BY last_failed_at`,
      { bind: [run.id], type: QueryTypes.SELECT },
    );
    const [view] = await runViews([run]);
    return { ...view!, failures };
  }),

  /** Open ledger entries (documents that keep failing), newest first. */
  failures: adminProcedure.input(z.object({ tenantId: idInput })).query(async ({ ctx, input }) => {
    await requireTenant(input.tenantId);
    return ctx.services.db.sequelize.query(
      `SELECT biz_type AS "bizType", biz_id AS "bizId", reason, attempts, first_failed_at AS "firstFailedAt", last_failed_at AS "lastFailedAt"
         FROM sync_failure WHERE tenant_id = $1 AND resolved_at IS NULL ORDER BY last_failed_at DESC LIMIT 500`,
      { bind: [input.tenantId], type: QueryTypes.SELECT },
    );
  }),
});
