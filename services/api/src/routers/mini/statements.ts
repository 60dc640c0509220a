import { createTRPCRouter } from "../../trpc.js";

export const miniStatementsRouter = createTRPCRouter({});
