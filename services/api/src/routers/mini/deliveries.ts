import { createTRPCRouter } from "../../trpc.js";

export const miniDeliveriesRouter = createTRPCRouter({});
