import { createTRPCRouter } from "../../trpc.js";

export const miniOrdersRouter = createTRPCRouter({});
