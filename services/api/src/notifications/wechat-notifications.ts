import { createNotificationQueue, DeliveryNotifier, type NotificationQueue, type NotifyRunResult } from "@erpbridge/domain";
import type { WechatMiniProgramClient } from "@erpbridge/wechat-sdk";
import type { Logger } from "pino";
import type { Sequelize } from "sequelize";
import type { AppConfig } from "../config.js";
import { domainLogger } from "../logger.js";

export interface WechatNotifications {
  readonly notifier: DeliveryNotifier;
  readonly queue: NotificationQueue;
  /** Starts the Agenda jobs (kick + 30 s sweep). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Queues a pass now (after a sync); never throws, failures are logged (the sweep catches up). */
  kick(): void;
  /** One pass in this process, now (admin "send now", tests). */
  runNow(): Promise<NotifyRunResult>;
}

/**
 * Delivery notices over the mini-program's subscribe messages: the domain's notifier sending with
 * the WeChat client, driven by its own Agenda jobs (see `createNotificationQueue`).
 */
export function createWechatNotifications(input: {
  config: AppConfig;
  sequelize: Sequelize;
  wechat: WechatMiniProgramClient;
  logger: Logger;
}): WechatNotifications {
  const { config, wechat } = input;
  const logger = input.logger.child({ component: "wechat-notifications" });
  const log = domainLogger(logger);
  const notifier = new DeliveryNotifier({
    sequelize: input.sequelize,
    appId: wechat.config.appId,
    send: (message) => wechat.subscribeMessage.send(message),
    logger: log,
  });
  const queue = createNotificationQueue({
    databaseUrl: config.DATABASE_URL,
    mongoUrl: config.MONGODB_URL,
    run: () => notifier.runOnce(),
    logger: log,
  });
  return {
    notifier,
    queue,
    start: () => queue.start(),
    stop: () => queue.stop(),
    kick: () => void queue.kick().catch((error: unknown) => log.warn("could not queue a notification pass", { err: String(error) })),
    runNow: () => notifier.runOnce(),
  };
}
