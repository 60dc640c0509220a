import { z } from "zod";
import { Connection } from "../connections/connection.js";
import { applyConnectionChanges } from "../connections/connections.js";
import { TenantNotFoundError } from "../connections/errors.js";
import { kingdeeJdySettingsSchema } from "../connections/kinds/kingdee-jdy.js";
import { externalIdInput, requiredText, secretInput, urlInput } from "../inputs/schemas.js";
import { Tenant, TENANT_STATUSES, type TenantStatus } from "../models/tenant.js";
import type { Keyring } from "../secrets/keyring.js";

/**
 * A tenant as an admin (or Kingdee's authorization push) writes it: the tenant and its Kingdee
 * connection in one. A secret left out stays as it is; `null` clears it.
 */
export const tenantInputSchema = z.object({
  name: requiredText(200).optional(),
  clientId: requiredText(64),
  appKey: requiredText(64),
  clientSecret: secretInput.nullable().optional(),
  appSecret: secretInput.nullable().optional(),
  domain: urlInput.nullable().optional(),
  outerInstanceId: externalIdInput.nullable().optional(),
  baseUrl: urlInput.nullable().optional(),
  status: z.enum(TENANT_STATUSES).optional(),
});

export type TenantInput = z.input<typeof tenantInputSchema>;

/**
 * A tenant with its Kingdee connection, as admins see it: no secret, encrypted or not. The Kingdee
 * fields are null for a tenant without a Kingdee connection.
 */
export interface PublicTenant {
  id: string;
  name: string;
  clientId: string | null;
  appKey: string | null;
  domain: string | null;
  outerInstanceId: string | null;
  status: TenantStatus;
  baseUrl: string | null;
  hasClientSecret: boolean;
  hasAppSecret: boolean;
  secretKeyId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

function tenantView(tenant: Tenant, kingdee: Connection | null | undefined): PublicTenant {
  const settings = kingdeeJdySettingsSchema.partial().safeParse(kingdee?.settings ?? {});
  const s = settings.success ? settings.data : {};
  const credentials = kingdee?.credentials ?? {};
  return {
    id: tenant.id,
    name: tenant.name,
    clientId: s.clientId ?? null,
    appKey: s.appKey ?? null,
    domain: s.domain ?? null,
    outerInstanceId: s.outerInstanceId ?? null,
    status: tenant.status,
    baseUrl: s.baseUrl ?? null,
    hasClientSecret: Boolean(credentials.clientSecret),
    hasAppSecret: Boolean(credentials.appSecret),
    secretKeyId: kingdee?.secretKeyId ?? null,
    createdAt: tenant.createdAt,
    updatedAt: tenant.updatedAt,
  };
}

const kingdeeOf = (tenantId: string) => Connection.findOne({ where: { tenantId, kind: "kingdee_jdy", name: "default" } });

/** Every tenant, oldest first, with its Kingdee connection. */
export async function listTenants(): Promise<PublicTenant[]> {
  const tenants = await Tenant.findAll({ order: [["createdAt", "ASC"]] });
  const connections = await Connection.findAll({ where: { kind: "kingdee_jdy", name: "default" } });
  const byTenant = new Map(connections.map((c) => [c.tenantId, c]));
  return tenants.map((t) => tenantView(t, byTenant.get(t.id)));
}

export async function getTenant(tenantId: string): Promise<PublicTenant> {
  const tenant = await Tenant.findByPk(tenantId);
  if (!tenant) throw new TenantNotFoundError(tenantId);
  return tenantView(tenant, await kingdeeOf(tenantId));
}

/**
 * Creates or updates the tenant whose Kingdee connection is keyed by (clientId, appKey), and that
 * connection, in one transaction. Idempotent.
 */
export async function upsertTenant(keyring: Keyring, input: TenantInput): Promise<{ tenant: PublicTenant; created: boolean }> {
  const data = tenantInputSchema.parse(input);
  return Tenant.sequelize!.transaction(async (transaction) => {
    const existing = await Connection.findOne({
      where: { kind: "kingdee_jdy", settings: { clientId: data.clientId, appKey: data.appKey } },
      transaction,
      lock: transaction.LOCK.UPDATE,
    });
    const tenant = (existing && (await Tenant.findByPk(existing.tenantId, { transaction })))
      ?? Tenant.build({ name: data.name ?? data.appKey });
    if (data.name !== undefined) tenant.name = data.name;
    if (data.status !== undefined) tenant.status = data.status;
    await tenant.save({ transaction });

    const connection = existing ?? Connection.build({ tenantId: tenant.id, kind: "kingdee_jdy", name: "default" });
    const settings = { clientId: data.clientId, appKey: data.appKey, domain: data.domain, outerInstanceId: data.outerInstanceId, baseUrl: data.baseUrl };
    applyConnectionChanges(connection, keyring, {
      settings: Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)),
      secrets: { clientSecret: data.clientSecret, appSecret: data.appSecret },
    });
    await connection.save({ transaction });
    return { tenant: tenantView(tenant, connection), created: !existing };
  });
}
