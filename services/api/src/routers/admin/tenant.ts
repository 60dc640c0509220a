import { idInput } from "@erpbridge/domain/inputs";
import { getTenant, listTenants, tenantInputSchema, upsertTenant } from "@erpbridge/domain/tenants";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { adminProcedure, createTRPCRouter } from "../../trpc.js";

export const adminTenantRouter = createTRPCRouter({
  /** Creates or updates by (clientId, appKey), writing the tenant's Kingdee connection; a secret left out stays unchanged. */
  upsert: adminProcedure.input(tenantInputSchema).mutation(async ({ ctx, input }) => {
    const result = await upsertTenant(ctx.services.keyring, input);
    await ctx.services.tenantChanged(result.tenant.id);
    return result;
  }),

  /** Secrets are never returned: only whether each is set. */
  list: adminProcedure.query(() => listTenants()),

  /** Pulls the authorization from Kingdee again (new app_secret / domain) and stores it in the connection. */
  pullAuthorization: adminProcedure.input(z.object({ tenantId: idInput })).mutation(async ({ ctx, input }) => {
    const tenant = await getTenant(input.tenantId);
    if (!tenant.outerInstanceId) {
      throw new TRPCError({ code: "PRECONDITION_FAILED", message: "tenant has no outerInstanceId to pull authorization with" });
    }
    const kingdee = await ctx.services.kingdee.get(tenant.id);
    // The SDK picks this appKey's authorization and reports it; the Kingdee clients store it encrypted.
    await kingdee.refreshAuthorization();
    await ctx.services.tenantChanged(tenant.id);
    return getTenant(tenant.id);
  }),
});
