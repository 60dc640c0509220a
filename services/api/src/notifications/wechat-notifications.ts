import type { JobRuntime } from "@erpbridge/domain/jobs";
import { DeliveryNotifier, type NotificationJobs, type NotifyRunResult, registerNotificationJobs } from "@erpbridge/domain/notifications";
import type { WechatMiniProgramClient } from "@erpbridge/wechat-sdk";
import type { Logger } from "pino";
import type { Sequelize } from "sequelize";
import { domainLogger } from "../logger.js";

export interface WechatNotifications {
  readonly notifier: DeliveryNotifier;
  readonly jobs: NotificationJobs;
  /** Queues a pass now (after a sync); never throws, failures are logged (the sweep catches up). */
  kick(): void;
  /** One pass in this process, now, recorded as a manual run (admin "send now", tests). */
  runNow(): Promise<NotifyRunResult>;
}

/**
 * Delivery notices over the mini-program's subscribe messages: the domain's notifier sending with
 * the WeChat client, driven by its job kinds on the process's job runtime (kick + 30 s sweep).
 */
export function createWechatNotifications(input: {
  jobs: JobRuntime;
  sequelize: Sequelize;
  wechat: WechatMiniProgramClient;
  logger: Logger;
}): WechatNotifications {
  const { wechat } = input;
  const logger = input.logger.child({ component: "wechat-notifications" });
  const log = domainLogger(logger);
  const notifier = new DeliveryNotifier({
    sequelize: input.sequelize,
    appId: wechat.config.appId,
    send: (message) => wechat.subscribeMessage.send(message),
    logger: log,
  });
  const jobs = registerNotificationJobs(input.jobs, { sequelize: input.sequelize, run: () => notifier.runOnce(), logger: log });
  return {
    notifier,
    jobs,
    kick: () => void jobs.kick().catch((error: unknown) => log.warn("could not queue a notification pass", { err: String(error) })),
    runNow: () => jobs.runNow("manual"),
  };
}
