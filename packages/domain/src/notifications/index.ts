// @erpbridge/domain/notifications: delivery notices to customers over WeChat subscribe messages, their templates and jobs.
export {
  DELIVERY_SOURCE_FIELDS, deliveryTemplateSchema, getDeliveryTemplate, getTemplateConfigs,
  removeDeliveryTemplate, setDeliveryTemplate, TEMPLATE_KINDS,
  type DeliverySourceField, type DeliveryTemplateConfig, type DeliveryTemplateInput, type StoredTemplateConfig,
  type TemplateFieldSource, type TemplateKind,
} from "./templates.js";
export {
  DELIVERY_NOTICE_STATUSES, DeliveryNotifier, listDeliveryNotices,
  type DeliveryNoticeFilter, type DeliveryNoticeRecord, type DeliveryNoticeStatus, type DeliveryNotifierOptions,
  type NotifyRunResult,
} from "./delivery-notices.js";
export {
  createWechatSubscribeChannel, itemsSummary, WECHAT_SUBSCRIBE_CHANNEL,
  type SubscribeSendRequest, type WechatSubscribeChannelOptions, type WechatSubscribePayload,
} from "./wechat-subscribe-channel.js";
export {
  NOTIFY_AGENDA_JOB, NOTIFY_RUN_JOB, NOTIFY_RUN_KIND, NOTIFY_SWEEP_AGENDA_JOB, registerNotificationJobs,
  type NotificationJobs, type NotificationJobsOptions,
} from "./queue.js";
