import type { Sequelize } from "sequelize";
import { type JobRunTrigger, recordJobRun } from "../jobs/run-history.js";
import type { JobRuntime } from "../jobs/runtime.js";
import { consoleLogger, type DomainLogger } from "../logger.js";
import { describeError } from "../jobs/url.js";
import type { NotifyRunResult } from "./delivery-notices.js";

/** Job kind: one notification pass, queued by `kick()` (after a sync) — removed when done. */
export const NOTIFY_AGENDA_JOB = "wechat-notify";
/** Job kind: the same pass on a fixed interval (retries that came due, missed kicks). */
export const NOTIFY_SWEEP_AGENDA_JOB = "wechat-notify-sweep";
/** Run history: kind and job of a notification pass. */
export const NOTIFY_RUN_KIND = "notifications";
export const NOTIFY_RUN_JOB = "delivery_notices";

export interface NotificationJobsOptions {
  sequelize: Sequelize;
  /** One pass (e.g. `DeliveryNotifier.runOnce`). Must be safe to run concurrently on several instances. */
  run: () => Promise<NotifyRunResult>;
  /** Sweep interval (Agenda interval; default "30 seconds"). */
  sweepEvery?: string | number | undefined;
  logger?: DomainLogger | undefined;
}

export interface NotificationJobs {
  /** Queues a pass now (processed by whichever process runs jobs). */
  kick(): Promise<void>;
  /** One pass in this process, now, recorded in the run history (admin "send now", tests). */
  runNow(trigger?: JobRunTrigger): Promise<NotifyRunResult>;
}

/**
 * The notification job kinds on the process's job runtime. Each pass that did something, or
 * failed, is recorded in the run history (kind "notifications"); idle sweeps are not.
 */
export function registerNotificationJobs(runtime: JobRuntime, options: NotificationJobsOptions): NotificationJobs {
  const logger = options.logger ?? consoleLogger;
  // A pass sends at most a few batches; the lock is renewed while it runs anyway.
  const lockLifetimeMs = 10 * 60_000;

  async function pass(trigger: JobRunTrigger): Promise<NotifyRunResult> {
    const startedAt = new Date();
    let result: NotifyRunResult;
    try {
      result = await options.run();
    } catch (error) {
      logger.error("Notifications: pass failed", { error: describeError(error) });
      await record(trigger, startedAt, undefined, describeError(error));
      throw error;
    }
    const busy = Object.values(result).some((n) => n > 0);
    if (busy || trigger === "manual") await record(trigger, startedAt, result, null);
    return result;
  }

  async function record(trigger: JobRunTrigger, startedAt: Date, result: NotifyRunResult | undefined, error: string | null): Promise<void> {
    const { failed = 0, ...counts } = result ?? {};
    await recordJobRun(options.sequelize, {
      kind: NOTIFY_RUN_KIND, jobName: NOTIFY_RUN_JOB, trigger, startedAt, counts, failed, error,
    }).catch((e: unknown) => logger.warn("Notifications: could not record the run", { error: describeError(e) }));
  }

  // Kicks are queued by the system after a sync: a scheduled pass, like the sweep.
  runtime.register({ name: NOTIFY_AGENDA_JOB, run: () => pass("schedule").then(() => undefined), concurrency: 1, lockLifetimeMs, removeOnComplete: true });
  runtime.register({ name: NOTIFY_SWEEP_AGENDA_JOB, run: () => pass("schedule").then(() => undefined), concurrency: 1, lockLifetimeMs, every: options.sweepEvery ?? "30 seconds" });

  return {
    async kick() {
      const agenda = await runtime.agenda();
      await agenda.now(NOTIFY_AGENDA_JOB, { queuedAt: new Date().toISOString() });
    },
    runNow: (trigger = "manual") => pass(trigger),
  };
}
