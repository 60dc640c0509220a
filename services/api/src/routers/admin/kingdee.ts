import { idInput, requiredText, textInput } from "@erpbridge/domain/inputs";
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


/** Enough for any list or detail filter; more would only make an over-long URL for Kingdee to refuse. */
const MAX_PROXY_QUERY_KEYS = 20;

const tenantInput = z.object({ tenantId: idInput });

export type TokenStatusView =
  | { cached: true; expiresAt: Date; refreshedAt: Date; expiresInSeconds: number }
  | { cached: false };

/** The app-token's times as Dates (epoch ms in the SDK); the token itself never leaves. */
const tokenStatusView = (token: { expiresAt: number; refreshedAt: number }): TokenStatusView => ({
  cached: true,
  expiresAt: new Date(token.expiresAt),
  refreshedAt: new Date(token.refreshedAt),
  expiresInSeconds: Math.round((token.expiresAt - Date.now()) / 1000),
});

export const adminKingdeeRouter = createTRPCRouter({
  /** Fetches a new app-token now. Returns its expiry like `tokenStatus`, never the token. */
  refreshToken: adminProcedure.input(tenantInput).mutation(async ({ ctx, input }): Promise<TokenStatusView> => {
    const kingdee = await ctx.services.kingdee.get(input.tenantId);
    return tokenStatusView(await kingdee.token.refresh());
  }),

  tokenStatus: adminProcedure.input(tenantInput).query(async ({ ctx, input }): Promise<TokenStatusView> => {
    const kingdee = await ctx.services.kingdee.get(input.tenantId);
    const status = await kingdee.token.status();
    return status ? tokenStatusView(status) : { cached: false };
  }),

  /** Signed pass-through for allow-listed read-only paths (GET only). Returns Kingdee's `data`. */
  proxy: adminProcedure
    .input(
      tenantInput.extend({
        path: proxyPath,
        query: z
          .record(requiredText(64), z.union([textInput(500), z.number(), z.boolean()]))
          .refine((q) => Object.keys(q).length <= MAX_PROXY_QUERY_KEYS, { error: `must have at most ${MAX_PROXY_QUERY_KEYS} parameters` })
          .default({}),
      }),
    )
    .query(async ({ ctx, input }) => {
      const kingdee = await ctx.services.kingdee.get(input.tenantId);
      return kingdee.request({ method: "GET", path: input.path, query: input.query });
    }),
});
