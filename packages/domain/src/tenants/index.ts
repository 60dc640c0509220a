// @erpbridge/domain/tenants: creating, updating and listing tenants.
export { getTenant, listTenants, tenantInputSchema, upsertTenant, type PublicTenant, type TenantInput } from "./upsert-tenant.js";
