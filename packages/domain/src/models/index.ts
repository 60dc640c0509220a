// The Sequelize models production code reads and writes through; one file each. Deliveries, statements,
// raw documents and the failure ledger are read and written in SQL by their modules (set-based hot
// paths), so they have no model. `modelClasses` is what createDatabase registers.
import { Connection } from "../connections/connection.js";
import { Customer } from "./customer.js";
import { SyncJob } from "./sync-job.js";
import { SyncRun } from "./sync-run.js";
import { Tenant } from "./tenant.js";

export { Customer } from "./customer.js";
export { SyncJob, SYNC_JOB_STATUSES, type SyncCursor, type SyncJobStatus } from "./sync-job.js";
export { SyncRun, SYNC_RUN_STATUSES, SYNC_RUN_TRIGGERS, type SyncRunStatus, type SyncRunTrigger } from "./sync-run.js";
export { Tenant, TENANT_STATUSES, type TenantStatus } from "./tenant.js";

export const models = { Tenant, Connection, SyncJob, SyncRun, Customer } as const;

export type Models = typeof models;

export const modelClasses = Object.values(models);
