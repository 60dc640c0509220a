import { createTRPCRouter } from "../../trpc.js";

export const adminCustomersRouter = createTRPCRouter({});
