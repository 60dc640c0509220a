import { z } from "zod";
import { externalIdInput, requiredText, textInput, urlInput } from "../inputs/schemas.js";
import { Tenant, TENANT_STATUSES, type PublicTenant } from "../models/tenant.js";
import type { Keyring } from "../secrets/keyring.js";
import { setTenantSecrets } from "../secrets/tenant-credentials.js";

/**
 * A tenant as an admin (or Kingdee's authorization push) writes it. A secret left out stays as
 * it is; `null` clears it.
 */
export const tenantInputSchema = z.object({
  name: requiredText(200).optional(),
  clientId: requiredText(64),
  appKey: requiredText(64),
  clientSecret: textInput(256).min(1, { error: "must not be empty" }).nullable().optional(),
  appSecret: textInput(256).min(1, { error: "must not be empty" }).nullable().optional(),
  domain: urlInput.nullable().optional(),
  outerInstanceId: externalIdInput.nullable().optional(),
  baseUrl: urlInput.nullable().optional(),
  status: z.enum(TENANT_STATUSES).optional(),
});

export type TenantInput = z.input<typeof tenantInputSchema>;

/** Creates or updates the tenant keyed by (clientId, appKey). Idempotent. */
export async function upsertTenant(keyring: Keyring, input: TenantInput): Promise<{ tenant: PublicTenant; created: boolean }> {
  const data = tenantInputSchema.parse(input);
  const existing = await Tenant.findOne({ where: { clientId: data.clientId, appKey: data.appKey } });
  const tenant = existing ?? Tenant.build({ name: data.name ?? data.appKey, clientId: data.clientId, appKey: data.appKey });
  if (data.name !== undefined) tenant.name = data.name;
  if (data.domain !== undefined) tenant.domain = data.domain;
  if (data.outerInstanceId !== undefined) tenant.outerInstanceId = data.outerInstanceId;
  if (data.baseUrl !== undefined) tenant.baseUrl = data.baseUrl;
  if (data.status !== undefined) tenant.status = data.status;
  setTenantSecrets(tenant, keyring, { clientSecret: data.clientSecret, appSecret: data.appSecret });
  await tenant.save();
  return { tenant: tenant.toPublic(), created: !existing };
}
