import type { Agenda, JobWithState } from "agenda";
import { z } from "zod";
import { createJobRuntime, type JobKind, type JobRuntime, type JobRuntimeOptions } from "../jobs/runtime.js";
import type { SchedulerBackendName } from "../jobs/types.js";
import { consoleLogger, type DomainLogger } from "../logger.js";
import { describeError } from "../jobs/url.js";

/** The sync job kind's Agenda job name; tenant and sync job travel in the job's data. */
export const SYNC_AGENDA_JOB = "sync";
/** Error code a `runJob` implementation throws when a run for the same connection × job is in progress. */
export const SYNC_ALREADY_RUNNING = "SYNC_ALREADY_RUNNING";
export const DEFAULT_SCHEDULER_TIMEZONE = "Asia/Shanghai";

export interface SyncJobArgs {
  tenantId: string;
  jobName: string;
  /** "schedule" for a cron tick, "manual" for runNow(). */
  trigger: "schedule" | "manual";
  /** Aborted as soon as `stop()` is called: finish the unit of work in flight (a sync's page), then return. */
  signal: AbortSignal;
}

export interface SyncJobsOptions {
  /** Runs one sync. Throw an error with `code === "SYNC_ALREADY_RUNNING"` to skip quietly. */
  runJob: (args: SyncJobArgs) => Promise<void>;
  /** IANA zone for cron expressions (default "Asia/Shanghai"). */
  timezone?: string | undefined;
  logger?: DomainLogger | undefined;
}

/** A scheduler with a runtime of its own (a process that runs syncs only, tests). */
export type SyncSchedulerOptions = SyncJobsOptions & JobRuntimeOptions;

export interface TenantJobSchedule {
  jobName: string;
  /** Cron expression (5 or 6 fields). Agenda also accepts human intervals like "2 seconds". */
  cron: string;
  enabled: boolean;
}

export interface ScheduledSyncJob {
  tenantId: string;
  jobName: string;
  cron: string;
  timezone: string | null;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  lastFinishedAt: Date | null;
  /** The failure of the most recent run, or null when it succeeded / never ran. */
  failReason: string | null;
}

/** Scheduling of the sync job kind on a job runtime: what any process (worker or API) may do. */
export interface SyncScheduling {
  /**
   * Idempotent: leaves exactly one repeating job per tenant × jobName (cron updated if changed,
   * untouched if not); `enabled: false` removes it. Job names not listed are left alone.
   * Connects first if needed.
   */
  scheduleTenant(tenantId: string, jobs: TenantJobSchedule[]): Promise<void>;
  /** Removes all of the tenant's jobs (scheduled and queued manual runs). Returns how many. */
  unscheduleTenant(tenantId: string): Promise<number>;
  /** Queues an immediate run (processed by whichever scheduler instance picks it up). */
  runNow(tenantId: string, jobName: string): Promise<void>;
  /** The repeating jobs, optionally of one tenant, sorted by tenant then job name. */
  jobs(tenantId?: string): Promise<ScheduledSyncJob[]>;
}

/** The sync jobs with their own runtime: start/stop are the runtime's. */
export interface SyncScheduler extends SyncScheduling {
  readonly backendName: SchedulerBackendName;
  /** Connects (rejects with SchedulerStartError if the store is unreachable) and starts processing. */
  start(): Promise<void>;
  /**
   * Stops taking jobs, tells running syncs to stop (their signal), waits (up to stopTimeoutMs) for
   * them to commit and return, then disconnects.
   * Safe to call twice or without start().
   */
  stop(): Promise<void>;
}

type Trigger = "schedule" | "manual";
export interface SyncJobData {
  tenantId: string;
  jobName: string;
  trigger: Trigger;
}

const idSchema = z.string().trim().min(1);
const schedulesSchema = z.array(
  z.object({ jobName: idSchema, cron: z.string().trim().min(1), enabled: z.boolean() }),
);

function assertTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw new Error(`Scheduler: unknown timezone "${timezone}"`);
  }
}

/**
 * What makes a sync job one: its tenant × job name × trigger. A run syncs the tenant's default
 * connection (resolved when it starts), so one scheduled job per tenant × job is one per that
 * connection × job; the sync service's lock keeps it to one run at a time.
 */
function uniqueKey(data: SyncJobData): Record<string, string> {
  return { "data.tenantId": data.tenantId, "data.jobName": data.jobName, "data.trigger": data.trigger };
}

function toDate(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value);
}

function lastRunFailed(job: JobWithState): boolean {
  if (!job.failReason || !job.failedAt) return false;
  const failedAt = toDate(job.failedAt)?.getTime() ?? 0;
  const finishedAt = toDate(job.lastFinishedAt)?.getTime() ?? 0;
  return failedAt >= finishedAt;
}

function isAlreadyRunning(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === SYNC_ALREADY_RUNNING;
}

/**
 * The sync job kind: one Agenda job "sync" per tenant × job name × trigger (data `{ tenantId,
 * jobName, trigger }`), run by `runJob`. Register it on the runtime of a process that runs syncs.
 */
export function syncJobKind(options: Pick<SyncJobsOptions, "runJob" | "logger">): JobKind<SyncJobData> {
  const logger = options.logger ?? consoleLogger;
  return {
    name: SYNC_AGENDA_JOB,
    async run({ data, signal }) {
      const { tenantId, jobName, trigger } = data;
      const startedAt = Date.now();
      try {
        logger.info("Scheduler: sync started", { tenantId, jobName, trigger });
        await options.runJob({ tenantId, jobName, trigger, signal });
        logger.info("Scheduler: sync finished", { tenantId, jobName, trigger, ms: Date.now() - startedAt });
      } catch (error) {
        if (isAlreadyRunning(error)) {
          logger.info("Scheduler: sync already running, skipped", { tenantId, jobName, trigger });
          return;
        }
        logger.error("Scheduler: sync failed", { tenantId, jobName, trigger, error: describeError(error) });
        throw error;
      }
    },
  };
}

/**
 * Scheduling of sync jobs on `runtime` (any process may schedule and queue; the processes that
 * registered {@link syncJobKind} run them). See {@link SyncScheduling}.
 */
export function syncScheduling(runtime: JobRuntime, options: Pick<SyncJobsOptions, "timezone" | "logger"> = {}): SyncScheduling {
  const logger = options.logger ?? consoleLogger;
  const timezone = options.timezone ?? DEFAULT_SCHEDULER_TIMEZONE;
  assertTimezone(timezone);

  async function find(agenda: Agenda, data: Partial<SyncJobData>): Promise<JobWithState<SyncJobData>[]> {
    const { jobs } = await agenda.queryJobs({ name: SYNC_AGENDA_JOB, data });
    return jobs as JobWithState<SyncJobData>[];
  }

  async function removeIds(agenda: Agenda, ids: string[]): Promise<void> {
    if (ids.length > 0) await agenda.cancel({ ids });
  }

  async function scheduleOne(agenda: Agenda, tenantId: string, s: TenantJobSchedule): Promise<void> {
    const data: SyncJobData = { tenantId, jobName: s.jobName, trigger: "schedule" };
    const existing = await find(agenda, data);
    if (!s.enabled) {
      if (existing.length > 0) {
        await removeIds(agenda, existing.map((j) => j._id.toString()));
        logger.info("Scheduler: job unscheduled", { tenantId, jobName: s.jobName });
      }
      return;
    }
    const current = existing[0];
    if (
      current &&
      String(current.repeatInterval) === s.cron &&
      (current.repeatTimezone ?? null) === timezone &&
      !current.disabled &&
      current.nextRunAt
    ) {
      await removeIds(agenda, existing.slice(1).map((j) => j._id.toString()));
      return; // unchanged: keep nextRunAt and run history
    }

    const job = agenda.create<SyncJobData>(SYNC_AGENDA_JOB, data);
    job.repeatEvery(s.cron, { timezone, skipImmediate: true });
    if (!job.attrs.nextRunAt || job.attrs.failReason) {
      throw new Error(
        `Scheduler: invalid cron "${s.cron}" for tenant ${tenantId} job ${s.jobName}: ${job.attrs.failReason ?? "no next run time"}`,
      );
    }
    // Upsert keyed on tenant × job name (agenda.every() would upsert on the job name alone).
    job.unique(uniqueKey(data));
    await job.save();
    const savedId = job.attrs._id?.toString();
    // The SQL upsert is select-then-write: remove any duplicate left by a concurrent instance.
    const after = await find(agenda, data);
    await removeIds(
      agenda,
      after.map((j) => j._id.toString()).filter((id) => id !== savedId),
    );
    logger.info("Scheduler: job scheduled", { tenantId, jobName: s.jobName, cron: s.cron, timezone });
  }

  return {
    async scheduleTenant(tenantId, jobs) {
      const id = idSchema.parse(tenantId);
      const list = schedulesSchema.parse(jobs);
      const agenda = await runtime.agenda();
      for (const s of list) await scheduleOne(agenda, id, s);
    },

    async unscheduleTenant(tenantId) {
      const id = idSchema.parse(tenantId);
      const agenda = await runtime.agenda();
      const removed = await agenda.cancel({ name: SYNC_AGENDA_JOB, data: { tenantId: id } });
      if (removed > 0) logger.info("Scheduler: tenant unscheduled", { tenantId: id, removed });
      return removed;
    },

    async runNow(tenantId, jobName) {
      const data: SyncJobData = { tenantId: idSchema.parse(tenantId), jobName: idSchema.parse(jobName), trigger: "manual" };
      const agenda = await runtime.agenda();
      // One queued manual run per tenant × job: a second request before it ran just re-queues it.
      await agenda.create<SyncJobData>(SYNC_AGENDA_JOB, data).schedule(new Date()).unique(uniqueKey(data)).save();
      logger.info("Scheduler: manual run queued", { tenantId: data.tenantId, jobName: data.jobName });
    },

    async jobs(tenantId) {
      const agenda = await runtime.agenda();
      const filter: Partial<SyncJobData> = { trigger: "schedule" };
      if (tenantId !== undefined) filter.tenantId = idSchema.parse(tenantId);
      const rows = await find(agenda, filter);
      return rows
        .filter((j) => j.repeatInterval !== undefined && j.repeatInterval !== null)
        .map((j) => ({
          tenantId: j.data.tenantId,
          jobName: j.data.jobName,
          cron: String(j.repeatInterval),
          timezone: j.repeatTimezone ?? null,
          nextRunAt: toDate(j.nextRunAt),
          lastRunAt: toDate(j.lastRunAt),
          lastFinishedAt: toDate(j.lastFinishedAt),
          failReason: lastRunFailed(j) ? (j.failReason ?? null) : null,
        }))
        .sort((a, b) => a.tenantId.localeCompare(b.tenantId) || a.jobName.localeCompare(b.jobName));
    },
  };

}

/**
 * A sync scheduler with a job runtime of its own, stored in MongoDB when `mongoUrl` is set, else in
 * PostgreSQL. A process running other job kinds too registers {@link syncJobKind} and uses {@link syncScheduling} on its one runtime.
 */
export function createSyncScheduler(options: SyncSchedulerOptions): SyncScheduler {
  const runtime = createJobRuntime(options);
  runtime.register(syncJobKind(options));
  const jobs = syncScheduling(runtime, options);
  return { ...jobs, backendName: runtime.backendName, start: () => runtime.start(), stop: () => runtime.stop() };
}
