import { jobRunsQuerySchema, listJobRuns } from "@erpbridge/domain/jobs";
import { adminProcedure, createTRPCRouter } from "../../trpc.js";

/** The job runtime as operators see it: the business run history of every job kind. */
export const adminJobsRouter = createTRPCRouter({
  /** Runs of every kind (sync, notifications, probe…), newest first, a sync's with its connection; filter by kind, job, status, tenant, connection. */
  runs: adminProcedure.input(jobRunsQuerySchema.optional()).query(({ ctx, input }) => listJobRuns(ctx.services.db.sequelize, input ?? {})),
});
