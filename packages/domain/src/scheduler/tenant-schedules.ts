import { SyncJob } from "../models/sync-job.js";
import { type JdyJobName, jdyJobNames } from "../connectors/jdy/streams.js";
import type { SyncScheduleDefaults } from "./defaults.js";
import type { TenantJobSchedule } from "./scheduler.js";

/** A tenant's schedule: the environment's crons, overridden per job by `sync_job.cron` / `enabled`. */
export async function tenantSchedules(tenantId: string, defaults: SyncScheduleDefaults): Promise<TenantJobSchedule[]> {
  const overrides = new Map((await SyncJob.findAll({ where: { tenantId } })).map((job) => [job.jobName, job]));
  const defaultCron: Record<JdyJobName, string> = {
    master_data_full: defaults.masterDataCron,
    documents_incremental: defaults.documentsCron,
  };
  return jdyJobNames.map((jobName) => {
    const override = overrides.get(jobName);
    return { jobName, cron: override?.cron ?? defaultCron[jobName], enabled: override?.enabled ?? true };
  });
}
