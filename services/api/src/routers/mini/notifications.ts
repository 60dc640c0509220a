import { createTRPCRouter } from "../../trpc.js";

export const miniNotificationsRouter = createTRPCRouter({});
