import { checkReadiness } from "../readiness.js";
import { createTRPCRouter, publicProcedure } from "../trpc.js";

export const healthRouter = createTRPCRouter({
  live: publicProcedure.query(() => ({ status: "ok" as const, time: new Date() })),
  ready: publicProcedure.query(({ ctx }) => checkReadiness(ctx.services)),
});
