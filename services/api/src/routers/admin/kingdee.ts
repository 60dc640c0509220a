import { resources } from "@erpbridge/kingdee-sdk";
import { z } from "zod";
import { adminProcedure, createTRPCRouter } from "../../trpc.js";

/** Read-only paths the proxy may reach: every declared resource's list and detail endpoints. */
const PROXY_ALLOWED_PATHS = new Set(Object.values(resources).flatMap((r) => ("detailPath" in r && r.detailPath ? [r.listPath, r.detailPath] : [r.listPath])));

const tenantInput = z.object({ tenantId: z.uuid() });

export const adminKingdeeRouter = createTRPCRouter({
  /** Fetches a new app-token now. Returns its expiry, never the token. */
  refreshToken: adminProcedure.input(tenantInput).mutation(async ({ ctx, input }) => {
    const kingdee = await ctx.services.kingdee.get(input.tenantId);
    return kingdee.token.refresh();
  }),

  tokenStatus: adminProcedure.input(tenantInput).query(async ({ ctx, input }) => {
    const kingdee = await ctx.services.kingdee.get(input.tenantId);
    const status = await kingdee.token.status();
    return status
      ? { cached: true as const, expiresAt: new Date(status.expiresAt), refreshedAt: new Date(status.refreshedAt), expiresInSeconds: Math.round((status.expiresAt - Date.now()) / 1000) }
      : { cached: false as const };
  }),

  /** Signed pass-through for allow-listed read-only paths (GET only). Returns Kingdee's `data`. */
  proxy: adminProcedure
    .input(
      tenantInput.extend({
        path: z.string().refine((p) => PROXY_ALLOWED_PATHS.has(p), { message: "path is not in the proxy allow-list" }),
        query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
      }),
    )
    .query(async ({ ctx, input }) => {
      const kingdee = await ctx.services.kingdee.get(input.tenantId);
      return kingdee.request({ method: "GET", path: input.path, query: input.query });
    }),
});
