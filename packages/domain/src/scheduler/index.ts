export {
  createSyncScheduler, syncJobKind, syncScheduling, SYNC_AGENDA_JOB, SYNC_ALREADY_RUNNING, DEFAULT_SCHEDULER_TIMEZONE,
  type SyncJobData, type SyncScheduling, type SyncJobsOptions, type SyncScheduler, type SyncSchedulerOptions, type SyncJobArgs, type TenantJobSchedule,
  type ScheduledSyncJob,
} from "./scheduler.js";
export {
  syncScheduleDefaults, DEFAULT_MASTER_DATA_CRON, DEFAULT_DOCUMENTS_CRON, type SyncScheduleDefaults,
} from "./defaults.js";
export { isValidCronExpression } from "./cron.js";
export { tenantSchedules } from "./tenant-schedules.js";
