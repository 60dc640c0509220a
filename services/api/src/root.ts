import { adminConnectionsRouter } from "./routers/admin/connections.js";
import { adminCustomersRouter } from "./routers/admin/customers.js";
import { adminErpRouter } from "./routers/admin/erp.js";
import { adminJobsRouter } from "./routers/admin/jobs.js";
import { adminKingdeeRouter } from "./routers/admin/kingdee.js";
import { adminSyncRouter } from "./routers/admin/sync.js";
import { adminTenantRouter } from "./routers/admin/tenant.js";
import { adminWechatRouter } from "./routers/admin/wechat.js";
import { healthRouter } from "./routers/health.js";
import { miniAuthRouter } from "./routers/mini/auth.js";
import { miniDeliveriesRouter } from "./routers/mini/deliveries.js";
import { miniNotificationsRouter } from "./routers/mini/notifications.js";
import { miniOrdersRouter } from "./routers/mini/orders.js";
import { meProcedure } from "./routers/mini/me.js";
import { miniStatementsRouter } from "./routers/mini/statements.js";
import { createTRPCRouter } from "./trpc.js";

/** The whole API: one router per area. Clients import only `type AppRouter`. */
export const appRouter = createTRPCRouter({
  health: healthRouter,
  admin: createTRPCRouter({
    erp: adminErpRouter,
    tenant: adminTenantRouter,
    connections: adminConnectionsRouter,
    kingdee: adminKingdeeRouter,
    sync: adminSyncRouter,
    jobs: adminJobsRouter,
    customers: adminCustomersRouter,
    wechat: adminWechatRouter,
  }),
  mini: createTRPCRouter({
    auth: miniAuthRouter,
    me: meProcedure,
    deliveries: miniDeliveriesRouter,
    statements: miniStatementsRouter,
    orders: miniOrdersRouter,
    notifications: miniNotificationsRouter,
  }),
});

export type AppRouter = typeof appRouter;
