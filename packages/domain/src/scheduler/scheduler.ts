import { hostname } from "node:os";
import { Agenda, type Job, type JobWithId, type JobWithState } from "agenda";
import { z } from "zod";
import { createSchedulerBackend, schedulerBackendName, type SchedulerBackend } from "./backend.js";
import { SYNC_ALREADY_RUNNING } from "./errors.js";
import { consoleSchedulerLogger, type SchedulerBackendName, type SchedulerLogger } from "./types.js";
import { describeError } from "./url.js";

/** The single Agenda job name; tenant and sync job travel in the job's data. */
export const SYNC_AGENDA_JOB = "sync";
export const DEFAULT_SCHEDULER_TIMEZONE = "Asia/Shanghai";

export interface SyncJobArgs {
  tenantId: string;
  jobName: string;
  /** "schedule" for a cron tick, "manual" for runNow(). */
  trigger: "schedule" | "manual";
  /** Aborted as soon as `stop()` is called: finish the unit of work in flight (a sync's page), then return. */
  signal: AbortSignal;
}

export interface SyncSchedulerOptions {
  /** PostgreSQL URL (`DATABASE_URL`): the job table `agenda_jobs` lives here unless mongoUrl is set. */
  databaseUrl: string;
  /** `MONGODB_URL`: when set (non-empty), jobs are stored in MongoDB instead. */
  mongoUrl?: string | undefined;
  /** Runs one sync. Throw an error with `code === "SYNC_ALREADY_RUNNING"` to skip quietly. */
  runJob: (args: SyncJobArgs) => Promise<void>;
  /** IANA zone for cron expressions (default "Asia/Shanghai"). */
  timezone?: string | undefined;
  /** How often to poll for due jobs (ms or "5 seconds"; default 5000). */
  processEvery?: string | number | undefined;
  /**
   * Lock lifetime in ms (default 10 000). A running job's lock is renewed every quarter of it, so
   * long syncs are fine; a crashed worker's job is picked up again after this long. Agenda keeps an
   * internal (non-unref'd) timer of max(lockLifetime, processEvery) / 2 after each run, so the
   * process may linger that long after `stop()` if a sync finished just before.
   */
  lockLifetimeMs?: number | undefined;
  /** Max parallel sync runs in this process (default 5). */
  concurrency?: number | undefined;
  /**
   * How long `stop()` waits for running syncs after aborting their signal (default 20 000 ms, inside
   * a 30 s container stop); then it disconnects anyway and their Agenda locks expire.
   */
  stopTimeoutMs?: number | undefined;
  /** Start-up connection timeout (default 2000 ms). */
  connectTimeoutMs?: number | undefined;
  logger?: SchedulerLogger | undefined;
}

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

export interface SyncScheduler {
  readonly backendName: SchedulerBackendName;
  /** Connects (rejects with SchedulerStartError if the store is unreachable) and starts processing. */
  start(): Promise<void>;
  /**
   * Stops taking jobs, tells running syncs to stop (their signal), waits (up to stopTimeoutMs) for
   * them to commit and return, then disconnects.
   * Safe to call twice or without start().
   */
  stop(): Promise<void>;
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

type Trigger = "schedule" | "manual";
interface SyncJobData {
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

interface Running {
  abort: AbortController;
  done: Promise<void>;
  resolve: () => void;
}

interface Connection {
  backend: SchedulerBackend;
  agenda: Agenda;
  running: Map<string, Running>;
}

/**
 * The sync scheduler: one Agenda job "sync" per tenant × job name (data `{ tenantId, jobName }`),
 * stored in MongoDB when `mongoUrl` is set, else in PostgreSQL. See {@link SyncScheduler}.
 */
export function createSyncScheduler(options: SyncSchedulerOptions): SyncScheduler {
  const logger = options.logger ?? consoleSchedulerLogger;
  const timezone = options.timezone ?? DEFAULT_SCHEDULER_TIMEZONE;
  assertTimezone(timezone);
  const lockLifetimeMs = options.lockLifetimeMs ?? 10_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 20_000;
  const backendName = schedulerBackendName(options);

  let connecting: Promise<Connection> | undefined;
  let started = false;
  let stopping: Promise<void> | undefined;

  async function connect(): Promise<Connection> {
    const backend = await createSchedulerBackend({
      databaseUrl: options.databaseUrl,
      mongoUrl: options.mongoUrl,
      connectTimeoutMs: options.connectTimeoutMs,
      logger,
    });
    try {
      const agenda = new Agenda({
        backend: backend.agendaBackend,
        name: `erpbridge-sync@${hostname()}:${process.pid}`,
        processEvery: options.processEvery ?? 5_000,
        defaultLockLifetime: lockLifetimeMs,
        defaultConcurrency: options.concurrency ?? 5,
      });
      const running = new Map<string, Running>();
      agenda.on("error", (error: Error) => logger.warn("Scheduler: agenda error", { error: describeError(error) }));
      // Job.run() emits 'complete' after it has saved the job's final state.
      // Remote notifications (other processes, via LISTEN/NOTIFY) carry no attrs and are ignored.
      agenda.on("complete", (job: JobWithId) => {
        const id = (job as Partial<JobWithId>).attrs?._id?.toString();
        const entry = id ? running.get(id) : undefined;
        if (id && entry) {
          running.delete(id);
          entry.resolve();
        }
      });
      agenda.define<SyncJobData>(
        SYNC_AGENDA_JOB,
        async (job: Job<SyncJobData>) => {
          const { tenantId, jobName, trigger } = job.attrs.data;
          const id = job.attrs._id?.toString() ?? `${tenantId}/${jobName}/${Date.now()}`;
          let resolve!: () => void;
          const done = new Promise<void>((r) => (resolve = r));
          const entry: Running = { abort: new AbortController(), done, resolve };
          running.set(id, entry);

          // Renew the lock while the sync runs so Agenda neither kills it nor hands it to another worker.
          let touching: Promise<void> = Promise.resolve();
          const heartbeat = setInterval(() => {
            touching = touching.then(() =>
              job.touch().catch((error: unknown) =>
                logger.warn("Scheduler: could not renew job lock", { tenantId, jobName, error: describeError(error) }),
              ),
            );
          }, Math.max(250, Math.floor(lockLifetimeMs / 4)));
          heartbeat.unref();

          const startedAt = Date.now();
          try {
            logger.info("Scheduler: sync started", { tenantId, jobName, trigger });
            await options.runJob({ tenantId, jobName, trigger, signal: entry.abort.signal });
            logger.info("Scheduler: sync finished", { tenantId, jobName, trigger, ms: Date.now() - startedAt });
          } catch (error) {
            if (isAlreadyRunning(error)) {
              logger.info("Scheduler: sync already running, skipped", { tenantId, jobName, trigger });
              return;
            }
            logger.error("Scheduler: sync failed", { tenantId, jobName, trigger, error: describeError(error) });
            throw error instanceof Error ? error : new Error(describeError(error));
          } finally {
            clearInterval(heartbeat);
            await touching;
          }
        },
        { lockLifetime: lockLifetimeMs },
      );
      return { backend, agenda, running };
    } catch (error) {
      await backend.close().catch(() => undefined);
      throw error;
    }
  }

  async function connection(): Promise<Connection> {
    if (stopping) await stopping;
    if (!connecting) {
      connecting = connect();
      connecting.catch(() => (connecting = undefined));
    }
    return connecting;
  }

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
    backendName,

    async start() {
      const conn = await connection();
      if (started) return;
      try {
        await conn.agenda.start();
      } catch (error) {
        logger.error("Scheduler: could not start processing", { error: describeError(error) });
        connecting = undefined;
        await stopConnection(conn);
        throw error;
      }
      started = true;
      logger.info("Scheduler: started", { backend: backendName, target: conn.backend.target, timezone });
    },

    async stop() {
      if (stopping) return stopping;
      const pending = connecting;
      if (!pending) return;
      stopping = (async () => {
        let conn: Connection;
        try {
          conn = await pending;
        } catch {
          return; // never connected
        }
        await stopConnection(conn);
      })().finally(() => {
        connecting = undefined;
        started = false;
        stopping = undefined;
      });
      return stopping;
    },

    async scheduleTenant(tenantId, jobs) {
      const id = idSchema.parse(tenantId);
      const list = schedulesSchema.parse(jobs);
      const { agenda } = await connection();
      for (const s of list) await scheduleOne(agenda, id, s);
    },

    async unscheduleTenant(tenantId) {
      const id = idSchema.parse(tenantId);
      const { agenda } = await connection();
      const removed = await agenda.cancel({ name: SYNC_AGENDA_JOB, data: { tenantId: id } });
      if (removed > 0) logger.info("Scheduler: tenant unscheduled", { tenantId: id, removed });
      return removed;
    },

    async runNow(tenantId, jobName) {
      const data: SyncJobData = { tenantId: idSchema.parse(tenantId), jobName: idSchema.parse(jobName), trigger: "manual" };
      const { agenda } = await connection();
      // One queued manual run per tenant × job: a second request before it ran just re-queues it.
      await agenda.create<SyncJobData>(SYNC_AGENDA_JOB, data).schedule(new Date()).unique(uniqueKey(data)).save();
      logger.info("Scheduler: manual run queued", { tenantId: data.tenantId, jobName: data.jobName });
    },

    async jobs(tenantId) {
      const { agenda } = await connection();
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

  async function stopConnection(conn: Connection): Promise<void> {
    const { agenda, running, backend } = conn;
    try {
      // Stops polling, drops notification subscriptions and unlocks jobs this process locked but
      // has not started; running jobs keep their lock. The connection stays open for them.
      await agenda.stop(false);
    } catch (error) {
      logger.warn("Scheduler: error while stopping job processing", { error: describeError(error) });
    }
    if (running.size > 0) {
      // Told first, waited for second: a sync stops after its page in flight, well inside the timeout.
      for (const r of running.values()) r.abort.abort(new Error("scheduler stopped"));
      logger.info("Scheduler: stopping running syncs", { running: running.size, timeoutMs: stopTimeoutMs });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.all([...running.values()].map((r) => r.done)).then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), stopTimeoutMs);
        }),
      ]);
      if (timer) clearTimeout(timer);
      if (timedOut) logger.warn("Scheduler: syncs still running at shutdown, disconnecting anyway", { running: running.size });
    }
    await backend.close().catch((error: unknown) =>
      logger.warn("Scheduler: error while disconnecting", { error: describeError(error) }),
    );
    logger.info("Scheduler: stopped", { backend: backendName });
  }
}
