import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import type { Tenant } from "../models/tenant.js";
import { decryptSecret, encryptSecret, secretKeyIdOf } from "./crypto.js";
import type { Keyring } from "./keyring.js";

/** Plaintext credentials of a tenant, for the Kingdee SDK factory only. Do not log or return. */
export interface TenantCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string | null;
  appKey: string;
  appSecret: string | null;
  domain: string | null;
  outerInstanceId: string | null;
  baseUrl: string | null;
}

type TenantSecretFields = Pick<Tenant, "id" | "clientId" | "appKey" | "domain" | "outerInstanceId" | "baseUrl" | "clientSecretEnc" | "appSecretEnc">;

/** The one explicit way to read a tenant's secrets in plaintext. */
export function decryptTenantCredentials(tenant: TenantSecretFields, keyring: Keyring): TenantCredentials {
  return {
    tenantId: tenant.id,
    clientId: tenant.clientId,
    clientSecret: tenant.clientSecretEnc ? decryptSecret(keyring, tenant.clientSecretEnc) : null,
    appKey: tenant.appKey,
    appSecret: tenant.appSecretEnc ? decryptSecret(keyring, tenant.appSecretEnc) : null,
    domain: tenant.domain ?? null,
    outerInstanceId: tenant.outerInstanceId ?? null,
    baseUrl: tenant.baseUrl ?? null,
  };
}

/**
 * Sets encrypted secrets on a tenant instance (call `save()` afterwards). `undefined` keeps a
 * secret unchanged, `null` clears it. A kept secret is re-encrypted under the current key too,
 * so both always share `secretKeyId`.
 */
export function setTenantSecrets(
  tenant: Pick<Tenant, "clientSecretEnc" | "appSecretEnc" | "secretKeyId">,
  keyring: Keyring,
  secrets: { clientSecret?: string | null; appSecret?: string | null },
): void {
  const next = (given: string | null | undefined, stored: string | null | undefined): string | null => {
    if (given === null) return null;
    if (given !== undefined) return encryptSecret(keyring, given);
    if (!stored) return null;
    return secretKeyIdOf(stored) === keyring.current.id ? stored : encryptSecret(keyring, decryptSecret(keyring, stored));
  };
  tenant.clientSecretEnc = next(secrets.clientSecret, tenant.clientSecretEnc);
  tenant.appSecretEnc = next(secrets.appSecret, tenant.appSecretEnc);
  tenant.secretKeyId = tenant.clientSecretEnc || tenant.appSecretEnc ? keyring.current.id : null;
}

export interface ReencryptResult {
  /** Tenants looked at. */
  scanned: number;
  /** Tenants whose secrets were rewritten under the current key. */
  reencrypted: number;
}

/**
 * Key rotation: rewrites every tenant secret not encrypted under the keyring's current key
 * (old keys must still be in the keyring). One transaction; rows are locked while rewritten.
 */
export async function reencryptTenants(sequelize: Sequelize, keyring: Keyring): Promise<ReencryptResult> {
  return sequelize.transaction(async (transaction: Transaction) => {
    const rows = await sequelize.query<{
      id: string;
      client_secret_enc: string | null;
      app_secret_enc: string | null;
      secret_key_id: string | null;
    }>(
      `SELECT id, client_secret_enc, app_secret_enc, secret_key_id FROM tenant ORDER BY id FOR UPDATE`,
      { type: QueryTypes.SELECT, transaction },
    );
    const currentId = keyring.current.id;
    let reencrypted = 0;
    for (const row of rows) {
      const stale = (v: string | null) => v !== null && secretKeyIdOf(v) !== currentId;
      const hasSecret = row.client_secret_enc !== null || row.app_secret_enc !== null;
      const expectedKid = hasSecret ? currentId : null;
      if (!stale(row.client_secret_enc) && !stale(row.app_secret_enc) && row.secret_key_id === expectedKid) continue;
      const rewrite = (v: string | null) => (v !== null && stale(v) ? encryptSecret(keyring, decryptSecret(keyring, v)) : v);
      await sequelize.query(
        `UPDATE tenant SET client_secret_enc = $1, app_secret_enc = $2, secret_key_id = $3, updated_at = now() WHERE id = $4`,
        { bind: [rewrite(row.client_secret_enc), rewrite(row.app_secret_enc), expectedKid, row.id], transaction },
      );
      reencrypted++;
    }
    return { scanned: rows.length, reencrypted };
  });
}
