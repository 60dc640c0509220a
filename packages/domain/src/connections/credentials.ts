import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { decryptSecret, encryptSecret, secretKeyIdOf } from "../secrets/crypto.js";
import type { Keyring } from "../secrets/keyring.js";
import type { Connection } from "./connection.js";

/**
 * A connection's secrets, by name. Stored as one `v1:<kid>:<iv>:<tag>:<ciphertext>` per secret in
 * `connection.credentials`; every secret of a row shares the key `secret_key_id` names.
 */
export type StoredCredentials = Record<string, string>;

/** The one explicit way to read a connection's secrets in plaintext. Do not log or return them. */
export function decryptCredentials(connection: Pick<Connection, "credentials">, keyring: Keyring): Record<string, string> {
  return Object.fromEntries(Object.entries(connection.credentials ?? {}).map(([name, stored]) => [name, decryptSecret(keyring, stored)]));
}

/**
 * Sets encrypted secrets on a connection instance (call `save()` afterwards). A secret left out
 * (`undefined`) stays unchanged, `null` clears it. A kept secret is re-encrypted under the current
 * key too, so all of them always share `secretKeyId`.
 */
export function setConnectionSecrets(
  connection: Pick<Connection, "credentials" | "secretKeyId">,
  keyring: Keyring,
  secrets: Record<string, string | null | undefined>,
): void {
  const next: StoredCredentials = {};
  const stored = connection.credentials ?? {};
  for (const name of new Set([...Object.keys(stored), ...Object.keys(secrets)])) {
    const given = secrets[name];
    const kept = stored[name];
    if (given === null) continue;
    if (given !== undefined) next[name] = encryptSecret(keyring, given);
    else if (kept) next[name] = secretKeyIdOf(kept) === keyring.current.id ? kept : encryptSecret(keyring, decryptSecret(keyring, kept));
  }
  connection.credentials = next;
  connection.secretKeyId = Object.keys(next).length > 0 ? keyring.current.id : null;
}

export interface ReencryptResult {
  /** Connections looked at. */
  scanned: number;
  /** Connections whose secrets were rewritten under the current key. */
  reencrypted: number;
}

/**
 * Key rotation: rewrites every connection secret not encrypted under the keyring's current key
 * (old keys must still be in the keyring). One transaction; rows are locked while rewritten.
 */
export async function reencryptConnections(sequelize: Sequelize, keyring: Keyring): Promise<ReencryptResult> {
  return sequelize.transaction(async (transaction: Transaction) => {
    const rows = await sequelize.query<{ id: string; credentials: StoredCredentials; secret_key_id: string | null }>(
      `SELECT id, credentials, secret_key_id FROM connection ORDER BY id FOR UPDATE`,
      { type: QueryTypes.SELECT, transaction },
    );
    const currentId = keyring.current.id;
    let reencrypted = 0;
    for (const row of rows) {
      const entries = Object.entries(row.credentials);
      const expectedKid = entries.length > 0 ? currentId : null;
      const stale = entries.some(([, stored]) => secretKeyIdOf(stored) !== currentId);
      if (!stale && row.secret_key_id === expectedKid) continue;
      const rewritten = Object.fromEntries(
        entries.map(([name, stored]) => [name, secretKeyIdOf(stored) === currentId ? stored : encryptSecret(keyring, decryptSecret(keyring, stored))]),
      );
      await sequelize.query(
        `UPDATE connection SET credentials = $1::jsonb, secret_key_id = $2, updated_at = now() WHERE id = $3`,
        { bind: [JSON.stringify(rewritten), expectedKid, row.id], transaction },
      );
      reencrypted++;
    }
    return { scanned: rows.length, reencrypted };
  });
}
