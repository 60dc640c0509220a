import { Tenant } from "@erpbridge/domain/models";
import { TRPCError } from "@trpc/server";

/** An unknown tenant is NOT_FOUND in every admin procedure that names one. */
export async function requireTenant(tenantId: string): Promise<Tenant> {
  const tenant = await Tenant.findByPk(tenantId);
  if (!tenant) throw new TRPCError({ code: "NOT_FOUND", message: "tenant not found" });
  return tenant;
}
