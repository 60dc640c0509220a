// @erpbridge/domain public API.
export { createDatabase, type Database, type DatabaseOptions } from "./db/database.js";
export {
  createMigrator, migrate, migrationName, migrationStatus, MIGRATION_TABLE,
  type Migration, type MigrateOptions, type MigrateResult,
} from "./db/migrator.js";
export { DomainError, type DomainErrorKind } from "./errors.js";
export { consoleLogger, silentLogger, type DomainLogger } from "./logger.js";
export * from "./models/index.js";
export * from "./secrets/index.js";
export * from "./kingdee/index.js";
export { ApiCallLog, listCallsInput, type CallList, type CallLogEntry, type ListCallsInput } from "./call-log/call-log.js";
export * from "./connections/index.js";
export { canonicalJson, contentHash } from "./sync/canonical.js";
export { decimalString, kingdeeTime } from "./connectors/jdy/values.js";
export { jdySource } from "./connectors/jdy/source.js";
export { jdyConnector, jdyJobNames, jdyJobs, jdyStreams, type JdyJobName, type JdyStreamName } from "./connectors/jdy/streams.js";
export { SourceFatalError, StreamSync, SyncStoppedError, type PageCounts, type StreamCursor, type SyncWindow } from "./sync/engine.js";
export {
  markSeen, upsertRecordVersions, type RecordScope, type RecordVersionInput, type RecordVersionOutcome, type RecordVersionResult,
} from "./sync/record-store.js";
export type {
  ClassifiedFailure, Connector, FailureKind, JobDeclaration, ListRequest, Source, SourcePage, SourceRow, SourceWindow, StreamDeclaration,
} from "./sync/source.js";
export {
  defaultSyncSettings, SyncAlreadyRunningError, SyncService, syncRequestSchema,
  type StartedRun, type SyncRequest, type SyncServiceOptions, type SyncSettings,
} from "./sync/sync-service.js";
export { refreshStatements, type Projection, type ProjectionContext } from "./projections/index.js";
export { confirmStatement, StatementSupersededError, type StatementConfirmationRecord } from "./statements/confirm.js";
export * from "./jobs/index.js";
export * from "./scheduler/index.js";
export * from "./outbox/index.js";
export {
  hashToken, issueLoginToken, listLoginTokens, loginWithToken, resolveCustomerSession, revokeLoginToken, type CustomerIdentity,
  type IssuedLoginToken, type IssuedToken, type LoginTokenRecord,
} from "./customers/customer-access.js";
export { CustomerSessionCache, type SessionCacheOptions } from "./customers/session-cache.js";
export {
  createCustomer, createCustomerInput, customerExists, listCustomers, listCustomersInput,
  type CreateCustomerInput, type CreatedCustomer, type CustomerList, type CustomerRecord, type ListCustomersInput,
} from "./customers/directory.js";
export { getTenant, listTenants, tenantInputSchema, upsertTenant, type PublicTenant, type TenantInput } from "./tenants/upsert-tenant.js";
export {
  DELIVERY_STATUSES, findSignoffFile, getDelivery, listDeliveries, signDelivery,
  type DeliveryStatus, type SignoffGps, type SignoffSnapshot,
  type CustomerScope, type DeliveryDetailRecord, type DeliveryItemRecord, type DeliveryRecord, type DeliverySignoffRecord,
  type ListDeliveriesInput, type Page, type SignDeliveryInput, type SignDeliveryResult, type SignoffFileOwner,
} from "./deliveries/deliveries.js";
export {
  confirmCustomerStatement, getStatement, listStatements, STATEMENT_STATUSES,
  type StatementStatus,
  type ListStatementsInput, type StatementDetailRecord, type StatementLineRecord, type StatementRecord, type StatementRevisionRef,
} from "./statements/statements.js";
export {
  findOrderRef, getOrder, getOrderProgress, ORDER_AUDIT_STATUSES, ORDER_BIZ_TYPE, ORDER_PROGRESS_STATUSES, ORDER_STATUSES,
  OrderDocumentError, searchOrders, storeOrderVersion,
  type OrderAuditStatus, type OrderDetailRecord, type OrderLineRecord, type OrderMaterialProgressRecord, type OrderProgressRecord,
  type OrderProgressStatus, type OrderRecord, type OrderStatusFilter, type SearchOrdersInput, type StoredOrderRef,
  type StoreOrderOutcome, type StoreOrderResult,
} from "./orders/orders.js";
export { LiveOrders, type LiveOrderRecord, type LiveOrdersOptions, type OrderSource } from "./orders/live-order.js";
export {
  createOrderFreshCache, DEFAULT_ORDER_FRESH_TTL_MS, type OrderFreshCache, type OrderFreshCacheOptions, type OrderFreshEntry,
} from "./orders/fresh-cache.js";
export {
  addSubscribeCredits, bindWithInvite, checkInvite, createCustomerInvite, discardCustomerInvite, INVITE_SCENE_PREFIX, issueCustomerSession,
  listCustomerBindings, loginWithOpenid, newInviteScene, removeBinding, resolveWechatSession, setBindingPhone, subscribeCredits,
  WechatAlreadyBoundError, WechatInviteError,
  type BindResult, type CustomerInvite, type InviteProblem, type ResolvedSession, type WechatBindingRecord, type WechatSession, type WechatUser,
} from "./wechat/bindings.js";
export {
  formatSubscribeValue, SUBSCRIBE_KEY_PREFIXES, SUBSCRIBE_VALUE_RULES, subscribeKeyPrefix, subscribeValueValid, type SubscribeKeyPrefix,
} from "./wechat/subscribe-values.js";
export {
  DELIVERY_SOURCE_FIELDS, deliverySourceFieldNames, deliveryTemplateSchema, getDeliveryTemplate, getTemplateConfigs,
  removeDeliveryTemplate, setDeliveryTemplate, TEMPLATE_KINDS,
  type DeliverySourceField, type DeliveryTemplateConfig, type DeliveryTemplateInput, type StoredTemplateConfig,
  type TemplateFieldSource, type TemplateKind,
} from "./notifications/templates.js";
export {
  DELIVERY_NOTICE_STATUSES, DeliveryNotifier, listDeliveryNotices,
  type DeliveryNoticeFilter, type DeliveryNoticeRecord, type DeliveryNoticeStatus, type DeliveryNotifierOptions,
  type NotifyRunResult,
} from "./notifications/delivery-notices.js";
export {
  classifySendError, createWechatSubscribeChannel, itemsSummary, localTime, NO_CONSENT_CODES, WECHAT_SUBSCRIBE_CHANNEL,
  type ClassifiedSendError, type SubscribeSendRequest, type WechatSubscribeChannelOptions, type WechatSubscribePayload,
} from "./notifications/wechat-subscribe-channel.js";
export {
  NOTIFY_AGENDA_JOB, NOTIFY_RUN_JOB, NOTIFY_RUN_KIND, NOTIFY_SWEEP_AGENDA_JOB, registerNotificationJobs,
  type NotificationJobs, type NotificationJobsOptions,
} from "./notifications/queue.js";
export {
  dateInput, dayInput, describeInputError, externalIdInput, idInput, MAX_INPUT_DATE, MIN_INPUT_DATE, pageInput, pageSizeInput,
  requiredText, textInput, urlInput, withDateRange,
} from "./inputs/schemas.js";
