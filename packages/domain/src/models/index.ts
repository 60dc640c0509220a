// Every model, one file each. `modelClasses` is what createDatabase registers.
import { ApiCallLog } from "./api-call-log.js";
import { Customer } from "./customer.js";
import { DeliveryItem } from "./delivery-item.js";
import { DeliverySignoff } from "./delivery-signoff.js";
import { Delivery } from "./delivery.js";
import { StatementConfirmation } from "./statement-confirmation.js";
import { StatementLine } from "./statement-line.js";
import { Statement } from "./statement.js";
import { SyncFailure } from "./sync-failure.js";
import { SyncJob } from "./sync-job.js";
import { SyncRun } from "./sync-run.js";
import { Tenant } from "./tenant.js";

export { ApiCallLog } from "./api-call-log.js";
export { Customer } from "./customer.js";
export { DeliveryItem } from "./delivery-item.js";
export { DeliverySignoff, type SignoffGps, type SignoffSnapshot } from "./delivery-signoff.js";
export { Delivery, DELIVERY_STATUSES, type DeliveryStatus } from "./delivery.js";
export type { Relation } from "./relation.js";
export { StatementConfirmation } from "./statement-confirmation.js";
export { StatementLine } from "./statement-line.js";
export { Statement, STATEMENT_STATUSES, type StatementStatus } from "./statement.js";
export { SyncFailure } from "./sync-failure.js";
export { SyncJob, SYNC_JOB_STATUSES, type SyncCursor, type SyncJobStatus } from "./sync-job.js";
export { SyncRun, SYNC_RUN_STATUSES, SYNC_RUN_TRIGGERS, type SyncRunStatus, type SyncRunTrigger } from "./sync-run.js";
export { Tenant, TENANT_STATUSES, type PublicTenant, type TenantStatus } from "./tenant.js";

export const models = {
  Tenant,
  SyncJob,
  SyncRun,
  SyncFailure,
  Customer,
  Delivery,
  DeliveryItem,
  DeliverySignoff,
  Statement,
  StatementLine,
  StatementConfirmation,
  ApiCallLog,
} as const;

export type Models = typeof models;

export const modelClasses = Object.values(models);
