export { SchedulerStartError, SYNC_ALREADY_RUNNING } from "./errors.js";
export type { SchedulerLogger, SchedulerBackendName } from "./types.js";
export {
  createSchedulerBackend, schedulerBackendName,
  SCHEDULER_PG_TABLE, SCHEDULER_MONGO_COLLECTION, SCHEDULER_CONNECT_TIMEOUT_MS,
  type SchedulerBackend, type SchedulerBackendOptions,
} from "./backend.js";
export {
  createSyncScheduler, SYNC_AGENDA_JOB, DEFAULT_SCHEDULER_TIMEZONE,
  type SyncScheduler, type SyncSchedulerOptions, type SyncJobArgs, type TenantJobSchedule, type ScheduledSyncJob,
} from "./scheduler.js";
export {
  syncScheduleDefaults, DEFAULT_MASTER_DATA_CRON, DEFAULT_DOCUMENTS_CRON, type SyncScheduleDefaults,
} from "./defaults.js";
export { isValidCronExpression } from "./cron.js";
export { tenantSchedules } from "./tenant-schedules.js";
export { maskUrl } from "./url.js";
