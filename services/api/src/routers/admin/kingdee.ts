import { KingdeeError, parseRequestPath, resources } from "@erpbridge/kingdee-sdk";
import { z } from "zod";
import { adminProcedure, createTRPCRouter } from "../../trpc.js";

/** Read-only paths the proxy may reach: every declared resource's list and detail endpoints. */
const PROXY_ALLOWED_PATHS = new Set(Object.values(resources).flatMap((r) => ("detailPath" in r && r.detailPath ? [r.listPath, r.detailPath] : [r.listPath])));

/**
 * A proxy path: checked by the SDK's own rules (no `%`, `..` or characters that need encoding), so
 * what is signed is what is sent; a `?query` in it is allowed and its path part must be allow-listed.
 */
const proxyPath = z
  .string()
  .max(2048)
  .superRefine((raw, ctx) => {
    let path: string;
    try {
      path = parseRequestPath(raw).path;
    } catch (error) {
      if (!(error instanceof KingdeeError)) throw error;
      ctx.addIssue({ code: "custom", message: error.description ?? error.message });
      return;
    }
    if (!PROXY_ALLOWED_PATHS.has(path)) ctx.addIssue({ code: "custom", message: "path is not in the proxy allow-list" });
  });

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
        path: proxyPath,
        query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
      }),
    )
    .query(async ({ ctx, input }) => {
      const kingdee = await ctx.services.kingdee.get(input.tenantId);
      return kingdee.request({ method: "GET", path: input.path, query: input.query });
    }),
});
