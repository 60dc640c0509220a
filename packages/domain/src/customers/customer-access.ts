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

export interface IssuedLoginToken extends IssuedToken {
  /** The token's id: what an admin revokes it by (the token itself is shown once, only its hash is kept). */
  tokenId: string;
  maxUses: number;
}

/** A login token as an admin sees it (never the token itself). */
export interface LoginTokenRecord {
  tokenId: string;
  customerId: string;
  maxUses: number;
  useCount: number;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/**
 * A login token for the customer: single-use unless `maxUses` allows more logins (a shop's printed
 * QR code that several staff scan).
 */
export async function issueLoginToken(sequelize: Sequelize, customerId: string, ttlMs: number, maxUses = 1): Promise<IssuedLoginToken> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + ttlMs);
  const [row] = await sequelize.query<{ id: string }>(
    `INSERT INTO customer_login_token (id, customer_id, token_hash, expires_at, max_uses, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, now()) RETURNING id`,
    { bind: [customerId, hashToken(token), expiresAt, maxUses], type: QueryTypes.SELECT },
  );
  return { token, expiresAt, tokenId: row!.id, maxUses };
}

/**
 * Exchanges a login token for a new session, counting one use; null when the token is unknown,
 * expired, revoked or used up. The count is taken atomically, so concurrent logins never exceed it.
 */
export function loginWithToken(
  sequelize: Sequelize,
  loginToken: string,
  sessionTtlMs: number,
): Promise<(IssuedToken & CustomerIdentity) | null> {
  return sequelize.transaction(async (transaction) => {
    const [row] = await sequelize.query<{ loginTokenId: string; customerId: string; tenantId: string }>(
      `UPDATE customer_login_token t SET use_count = t.use_count + 1, last_used_at = now()
         FROM customer c
        WHERE t.token_hash = $1 AND t.expires_at > now() AND t.revoked_at IS NULL AND t.use_count < t.max_uses
          AND c.id = t.customer_id
        RETURNING t.id AS "loginTokenId", c.id AS "customerId", c.tenant_id AS "tenantId"`,
      { bind: [hashToken(loginToken)], type: QueryTypes.SELECT, transaction },
    );
    if (!row) return null;
    const token = newToken();
    const expiresAt = new Date(Date.now() + sessionTtlMs);
    await sequelize.query(
      `INSERT INTO customer_session (id, customer_id, token_hash, expires_at, login_token_id, created_at)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, now())`,
      { bind: [row.customerId, hashToken(token), expiresAt, row.loginTokenId], transaction },
    );
    return { token, expiresAt, customerId: row.customerId, tenantId: row.tenantId };
  });
}

/**
 * Revokes a login token and ends every session it opened. Null when there is no such token;
 * revoking again is harmless (the first revocation time stays).
 */
export function revokeLoginToken(
  sequelize: Sequelize,
  tokenId: string,
): Promise<{ customerId: string; revokedAt: Date; sessionsEnded: number; endedSessionHashes: string[] } | null> {
  return sequelize.transaction(async (transaction) => {
    const [row] = await sequelize.query<{ customerId: string; revokedAt: Date }>(
      `UPDATE customer_login_token SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
        RETURNING customer_id AS "customerId", revoked_at AS "revokedAt"`,
      { bind: [tokenId], type: QueryTypes.SELECT, transaction },
    );
    if (!row) return null;
    const ended = await sequelize.query<{ tokenHash: string }>(`DELETE FROM customer_session WHERE login_token_id = $1 RETURNING token_hash AS "tokenHash"`, {
      bind: [tokenId],
      type: QueryTypes.SELECT,
      transaction,
    });
    return { ...row, sessionsEnded: ended.length, endedSessionHashes: ended.map((e) => e.tokenHash) };
  });
}

/** The customer's login tokens, newest first. */
export function listLoginTokens(sequelize: Sequelize, customerId: string): Promise<LoginTokenRecord[]> {
  return sequelize.query<LoginTokenRecord>(
    `SELECT id AS "tokenId", customer_id AS "customerId", max_uses AS "maxUses", use_count AS "useCount",
            created_at AS "createdAt", expires_at AS "expiresAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"
       FROM customer_login_token WHERE customer_id = $1 ORDER BY created_at DESC, id`,
    { bind: [customerId], type: QueryTypes.SELECT },
  );
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
