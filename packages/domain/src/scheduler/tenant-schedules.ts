import { SyncJob } from "../models/sync-job.js";
import { type JdyJobName, jdyConnector, jdyJobNames } from "../connectors/jdy/streams.js";
import { findTenantConnection } from "../connections/connections.js";
import type { SyncScheduleDefaults } from "./defaults.js";
import type { TenantJobSchedule } from "./scheduler.js";

/**
 * A tenant's schedule: the environment's crons, overridden per job by `sync_job.cron` / `enabled` of
 * the connection a scheduled run syncs (the tenant's default one).
 */
export async function tenantSchedules(tenantId: string, defaults: SyncScheduleDefaults): Promise<TenantJobSchedule[]> {
  const connection = await findTenantConnection(tenantId, jdyConnector.kind);
  const jobs = connection ? await SyncJob.findAll({ where: { connectionId: connection.id } }) : [];
  const overrides = new Map(jobs.map((job) => [job.jobName, job]));
  const defaultCron: Record<JdyJobName, string> = {
    master_data_full: defaults.masterDataCron,
    documents_incremental: defaults.documentsCron,
  };
  return jdyJobNames.map((jobName) => {
    const override = overrides.get(jobName);
    return { jobName, cron: override?.cron ?? defaultCron[jobName], enabled: override?.enabled ?? true };
  });
}
