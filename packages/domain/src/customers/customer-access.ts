import { createHash, randomBytes } from "node:crypto";
import { QueryTypes, type Sequelize } from "sequelize";

/**
 * Customer access for the mini-program: an admin issues a login token (shown as a QR code), the
 * customer exchanges it for a session. Tokens are random 32 bytes; only their SHA-256 is stored.
 */
export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export interface CustomerIdentity {
  customerId: string;
  tenantId: string;
}

const newToken = () => randomBytes(32).toString("base64url");
export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

async function insertToken(sequelize: Sequelize, table: "customer_login_token" | "customer_session", customerId: string, ttlMs: number) {
  const token = newToken();
  const expiresAt = new Date(Date.now() + ttlMs);
  await sequelize.query(
    `INSERT INTO ${table} (id, customer_id, token_hash, expires_at, created_at) VALUES (gen_random_uuid(), $1, $2, $3, now())`,
    { bind: [customerId, hashToken(token), expiresAt] },
  );
  return { token, expiresAt };
}

export function issueLoginToken(sequelize: Sequelize, customerId: string, ttlMs: number): Promise<IssuedToken> {
  return insertToken(sequelize, "customer_login_token", customerId, ttlMs);
}

/** Exchanges a valid login token for a new session; null when the token is unknown or expired. */
export async function loginWithToken(
  sequelize: Sequelize,
  loginToken: string,
  sessionTtlMs: number,
): Promise<(IssuedToken & CustomerIdentity) | null> {
  const [row] = await sequelize.query<{ customerId: string; tenantId: string }>(
    `UPDATE customer_login_token t SET last_used_at = now()
       FROM customer c
      WHERE t.token_hash = $1 AND t.expires_at > now() AND c.id = t.customer_id
      RETURNING c.id AS "customerId", c.tenant_id AS "tenantId"`,
    { bind: [hashToken(loginToken)], type: QueryTypes.SELECT },
  );
  if (!row) return null;
  return { ...(await insertToken(sequelize, "customer_session", row.customerId, sessionTtlMs)), ...row };
}

/** The customer behind a session token, with the session's expiry; null when unknown or expired. */
export async function resolveCustomerSession(
  sequelize: Sequelize,
  sessionToken: string,
): Promise<(CustomerIdentity & { expiresAt: Date }) | null> {
  const [row] = await sequelize.query<CustomerIdentity & { expiresAt: Date }>(
    `SELECT c.id AS "customerId", c.tenant_id AS "tenantId", s.expires_at AS "expiresAt"
       FROM customer_session s JOIN customer c ON c.id = s.customer_id
      WHERE s.token_hash = $1 AND s.expires_at > now()`,
    { bind: [hashToken(sessionToken)], type: QueryTypes.SELECT },
  );
  return row ?? null;
}
