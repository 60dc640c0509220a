export { SchedulerStartError } from "./errors.js";
export type { SchedulerBackendName } from "./types.js";
export {
  createSchedulerBackend, schedulerBackendName,
  SCHEDULER_PG_TABLE, SCHEDULER_MONGO_COLLECTION, SCHEDULER_CONNECT_TIMEOUT_MS,
  type SchedulerBackend, type SchedulerBackendOptions,
} from "./backend.js";
export { createJobRuntime, type JobContext, type JobKind, type JobRuntime, type JobRuntimeOptions } from "./runtime.js";
export {
  JOB_RUN_STATUSES, JOB_RUN_TRIGGERS, jobRunsQuerySchema, jobRunStatus, listJobRuns, recordJobRun,
  type FinishedJobRun, type JobRunRecord, type JobRunsQuery, type JobRunStatus, type JobRunTrigger,
} from "./run-history.js";
export { maskUrl } from "./url.js";
