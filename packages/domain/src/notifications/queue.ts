import { hostname } from "node:os";
import { Agenda } from "agenda";
import { createSchedulerBackend, type SchedulerBackend } from "../scheduler/backend.js";
import { consoleSchedulerLogger, type SchedulerLogger } from "../scheduler/types.js";
import { describeError } from "../scheduler/url.js";

/** Agenda job: one notification pass, queued by `kick()` (after a sync) — removed when done. */
export const NOTIFY_AGENDA_JOB = "wechat-notify";
/** Agenda job: the same pass on a fixed interval (retries that came due, missed kicks). */
export const NOTIFY_SWEEP_AGENDA_JOB = "wechat-notify-sweep";

export interface NotificationQueueOptions {
  /** PostgreSQL URL; jobs live in the scheduler's `agenda_jobs` table (own job names) unless mongoUrl is set. */
  databaseUrl: string;
  mongoUrl?: string | undefined;
  /** One pass (e.g. `DeliveryNotifier.runOnce`). Must be safe to run concurrently on several instances. */
  run: () => Promise<unknown>;
  /** Sweep interval (Agenda interval; default "30 seconds"). */
  sweepEvery?: string | number | undefined;
  /** Poll interval for due jobs (default 5000 ms; kicks arrive at once through LISTEN/NOTIFY). */
  processEvery?: string | number | undefined;
  connectTimeoutMs?: number | undefined;
  /** How long `stop()` waits for a running pass (default 15 000 ms). */
  stopTimeoutMs?: number | undefined;
  logger?: SchedulerLogger | undefined;
}

export interface NotificationQueue {
  /** Connects, defines the jobs, schedules the sweep and starts processing. */
  start(): Promise<void>;
  /** Queues a pass now (processed by whichever instance is started). Connects if needed. */
  kick(): Promise<void>;
  /** Waits (bounded) for a running pass, then disconnects. Safe without start(). */
  stop(): Promise<void>;
}

interface Connection {
  backend: SchedulerBackend;
  agenda: Agenda;
}

/**
 * Agenda jobs for WeChat notifications, on their own Agenda instance (the sync scheduler's is
 * started only when the sync scheduler is enabled, and knows only its "sync" job). Same store as
 * the sync scheduler; the job names differ, so neither instance touches the other's jobs.
 */
export function createNotificationQueue(options: NotificationQueueOptions): NotificationQueue {
  const logger = options.logger ?? consoleSchedulerLogger;
  const lockLifetime = 10 * 60_000;
  let connecting: Promise<Connection> | undefined;
  let started = false;

  async function connect(): Promise<Connection> {
    const backend = await createSchedulerBackend({
      databaseUrl: options.databaseUrl,
      mongoUrl: options.mongoUrl,
      connectTimeoutMs: options.connectTimeoutMs,
      logger,
    });
    const agenda = new Agenda({
      backend: backend.agendaBackend,
      name: `erpbridge-notify@${hostname()}:${process.pid}`,
      processEvery: options.processEvery ?? 5_000,
      defaultLockLifetime: lockLifetime,
    });
    agenda.on("error", (error: Error) => logger.warn("Notifications: agenda error", { error: describeError(error) }));
    const pass = async () => {
      try {
        await options.run();
      } catch (error) {
        logger.error("Notifications: pass failed", { error: describeError(error) });
        throw error instanceof Error ? error : new Error(describeError(error));
      }
    };
    agenda.define(NOTIFY_AGENDA_JOB, pass, { concurrency: 1, lockLifetime, removeOnComplete: true });
    agenda.define(NOTIFY_SWEEP_AGENDA_JOB, pass, { concurrency: 1, lockLifetime });
    return { backend, agenda };
  }

  function connection(): Promise<Connection> {
    if (!connecting) {
      connecting = connect();
      connecting.catch(() => (connecting = undefined));
    }
    return connecting;
  }

  return {
    async start() {
      const { agenda } = await connection();
      if (started) return;
      await agenda.start();
      await agenda.every(options.sweepEvery ?? "30 seconds", NOTIFY_SWEEP_AGENDA_JOB, undefined, { skipImmediate: true });
      started = true;
      logger.info("Notifications: queue started");
    },

    async kick() {
      const { agenda } = await connection();
      await agenda.now(NOTIFY_AGENDA_JOB, { queuedAt: new Date().toISOString() });
    },

    async stop() {
      const pending = connecting;
      connecting = undefined;
      if (!pending) return;
      let conn: Connection;
      try {
        conn = await pending;
      } catch {
        return;
      }
      try {
        if (started) await conn.agenda.drain({ timeout: options.stopTimeoutMs ?? 15_000, closeConnection: false });
        else await conn.agenda.stop(false);
      } catch (error) {
        logger.warn("Notifications: error while stopping", { error: describeError(error) });
      }
      started = false;
      await conn.backend.close().catch(() => undefined);
    },
  };
}
