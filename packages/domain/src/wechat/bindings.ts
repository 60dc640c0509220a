import { randomBytes } from "node:crypto";
import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { type CustomerIdentity, hashToken, type IssuedToken } from "../customers/customer-access.js";
import { DomainError } from "../errors.js";

/**
 * WeChat identities of customers.
 *
 * - Binding: an admin creates a single-use invite for a customer; its `scene` (≤ 32 characters from
 *   WeChat's allowed set) is put in an unlimited mini-program code. The customer scans it, the page
 *   calls `wx.login()` and sends code + scene; the openid is then bound to the customer. Only the
 *   SHA-256 of the scene is stored (looked up by hash).
 * - One openid belongs to at most one customer (per app); a customer may have several openids
 *   (staff members each scan their own invite).
 * - Rebind rule: an openid already bound to customer A that scans customer B's invite is refused
 *   ({@link WechatAlreadyBoundError}; the invite stays unused) unless the admin created the invite
 *   with `allowRebind`: then the binding moves to B and A's WeChat sessions of that openid end.
 * - Sessions are the same `customer_session` rows as token login; `wechat_session` records which
 *   openid opened one, for procedures that act for that WeChat user (consent, phone).
 */

/** Invites' scenes start with this, so the page can tell them from other codes' scenes. */
export const INVITE_SCENE_PREFIX = "i=";

export type InviteProblem = "unknown" | "expired" | "used";

/** The invite's scene is unknown, expired or already used. Nothing was changed. */
export class WechatInviteError extends DomainError {
  readonly kind = "unauthorized";
  readonly code = "WECHAT_INVITE_INVALID";
  constructor(readonly reason: InviteProblem) {
    super(
      reason === "expired"
        ? "this invite has expired: ask for a new QR code"
        : reason === "used"
          ? "this invite has already been used: ask for a new QR code"
          : "unknown invite: scan the QR code again or ask for a new one",
    );
  }
}

/** The openid is bound to another customer and the invite does not allow moving it. Nothing was changed. */
export class WechatAlreadyBoundError extends DomainError {
  readonly kind = "conflict";
  readonly code = "WECHAT_ALREADY_BOUND";
  constructor() {
    super("this WeChat account is already bound to another customer");
  }
}

export interface CustomerInvite {
  inviteId: string;
  customerId: string;
  /** What the mini-program code carries; shown once, only its hash is stored. */
  scene: string;
  expiresAt: Date;
  allowRebind: boolean;
}

export interface WechatUser {
  appId: string;
  openid: string;
  unionid?: string | undefined;
}

export interface WechatSession extends IssuedToken, CustomerIdentity {
  openid: string;
}

export interface BindResult extends WechatSession {
  /** The openid was bound to another customer before (allowRebind). */
  rebound: boolean;
  /** The openid was already bound to this customer (the invite is used up all the same). */
  alreadyBound: boolean;
}

/** `i=` + 24 base64url characters: 26 characters, all within getUnlimited's scene alphabet. */
export const newInviteScene = () => `${INVITE_SCENE_PREFIX}${randomBytes(18).toString("base64url")}`;

export async function createCustomerInvite(
  sequelize: Sequelize,
  input: { customerId: string; ttlMs: number; allowRebind?: boolean },
): Promise<CustomerInvite> {
  const scene = newInviteScene();
  const expiresAt = new Date(Date.now() + input.ttlMs);
  const [row] = await sequelize.query<{ id: string }>(
    `INSERT INTO customer_invite (customer_id, scene_hash, expires_at, allow_rebind) VALUES ($1, $2, $3, $4) RETURNING id`,
    { bind: [input.customerId, hashToken(scene), expiresAt, input.allowRebind === true], type: QueryTypes.SELECT },
  );
  return { inviteId: row!.id, customerId: input.customerId, scene, expiresAt, allowRebind: input.allowRebind === true };
}

/** Removes an invite whose mini-program code could not be made, so an unusable invite never lingers. */
export async function discardCustomerInvite(sequelize: Sequelize, inviteId: string): Promise<void> {
  await sequelize.query(`DELETE FROM customer_invite WHERE id = $1`, { bind: [inviteId] });
}

interface InviteRow {
  id: string;
  customerId: string;
  tenantId: string;
  expired: boolean;
  used: boolean;
  allowRebind: boolean;
}

async function findInvite(sequelize: Sequelize, scene: string, transaction?: Transaction): Promise<InviteRow> {
  const [row] = await sequelize.query<InviteRow>(
    `SELECT i.id, i.customer_id AS "customerId", c.tenant_id AS "tenantId", i.expires_at <= now() AS expired,
            i.used_at IS NOT NULL AS used, i.allow_rebind AS "allowRebind"
       FROM customer_invite i JOIN customer c ON c.id = i.customer_id
      WHERE i.scene_hash = $1${transaction ? " FOR UPDATE OF i" : ""}`,
    { bind: [hashToken(scene)], type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) },
  );
  if (!row) throw new WechatInviteError("unknown");
  if (row.used) throw new WechatInviteError("used");
  if (row.expired) throw new WechatInviteError("expired");
  return row;
}

/** Throws {@link WechatInviteError} unless the scene is a usable invite (checked before spending a login code). */
export async function checkInvite(sequelize: Sequelize, scene: string): Promise<{ customerId: string; tenantId: string; allowRebind: boolean }> {
  const row = await findInvite(sequelize, scene);
  return { customerId: row.customerId, tenantId: row.tenantId, allowRebind: row.allowRebind };
}

/** A `customer_session` for the customer (same tokens as token login), optionally tied to an openid. */
export async function issueCustomerSession(
  sequelize: Sequelize,
  customerId: string,
  ttlMs: number,
  options: { wechat?: { appId: string; openid: string }; transaction?: Transaction } = {},
): Promise<IssuedToken> {
  const token = randomBytes(32).toString("base64url");
  const tokenHash = hashToken(token);
  const expiresAt = new Date(Date.now() + ttlMs);
  const tx = options.transaction ? { transaction: options.transaction } : {};
  await sequelize.query(
    `INSERT INTO customer_session (id, customer_id, token_hash, expires_at, created_at) VALUES (gen_random_uuid(), $1, $2, $3, now())`,
    { bind: [customerId, tokenHash, expiresAt], ...tx },
  );
  if (options.wechat) {
    await sequelize.query(`INSERT INTO wechat_session (token_hash, app_id, openid) VALUES ($1, $2, $3)`, {
      bind: [tokenHash, options.wechat.appId, options.wechat.openid],
      ...tx,
    });
  }
  return { token, expiresAt };
}

/** Ends the WeChat sessions an openid opened for a customer (after the binding moved or was removed). */
async function endSessions(sequelize: Sequelize, appId: string, openid: string, customerId: string, transaction: Transaction) {
  await sequelize.query(
    `DELETE FROM customer_session s USING wechat_session w
      WHERE w.token_hash = s.token_hash AND w.app_id = $1 AND w.openid = $2 AND s.customer_id = $3`,
    { bind: [appId, openid, customerId], transaction },
  );
}

/**
 * Binds the openid to the invite's customer and opens a session, in one transaction: the invite is
 * locked, checked and marked used; the rebind rule applies (see the module comment).
 * Throws {@link WechatInviteError} or {@link WechatAlreadyBoundError}, changing nothing.
 */
export async function bindWithInvite(
  sequelize: Sequelize,
  input: WechatUser & { scene: string; sessionTtlMs: number },
): Promise<BindResult> {
  return sequelize.transaction(async (transaction) => {
    const invite = await findInvite(sequelize, input.scene, transaction);
    const inserted = await sequelize.query<{ id: string }>(
      `INSERT INTO wechat_binding (app_id, openid, unionid, customer_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (app_id, openid) DO NOTHING RETURNING id`,
      { bind: [input.appId, input.openid, input.unionid ?? null, invite.customerId], type: QueryTypes.SELECT, transaction },
    );
    let rebound = false;
    let alreadyBound = false;
    if (inserted.length === 0) {
      // Bound already (possibly by a transaction that just committed): lock it and apply the rule.
      const [existing] = await sequelize.query<{ id: string; customerId: string }>(
        `SELECT id, customer_id AS "customerId" FROM wechat_binding WHERE app_id = $1 AND openid = $2 FOR UPDATE`,
        { bind: [input.appId, input.openid], type: QueryTypes.SELECT, transaction },
      );
      if (!existing) throw new Error("wechat binding vanished during bind");
      if (existing.customerId === invite.customerId) {
        alreadyBound = true;
      } else if (!invite.allowRebind) {
        throw new WechatAlreadyBoundError();
      } else {
        rebound = true;
        await endSessions(sequelize, input.appId, input.openid, existing.customerId, transaction);
      }
      await sequelize.query(
        `UPDATE wechat_binding SET customer_id = $2, unionid = COALESCE($3, unionid), updated_at = now()${rebound ? ", bound_at = now()" : ""}
          WHERE id = $1`,
        { bind: [existing.id, invite.customerId, input.unionid ?? null], transaction },
      );
    }
    await sequelize.query(`UPDATE customer_invite SET used_at = now(), used_by_openid = $2 WHERE id = $1`, {
      bind: [invite.id, input.openid],
      transaction,
    });
    await sequelize.query(`UPDATE wechat_binding SET last_login_at = now() WHERE app_id = $1 AND openid = $2`, {
      bind: [input.appId, input.openid],
      transaction,
    });
    const session = await issueCustomerSession(sequelize, invite.customerId, input.sessionTtlMs, {
      wechat: { appId: input.appId, openid: input.openid },
      transaction,
    });
    return { ...session, customerId: invite.customerId, tenantId: invite.tenantId, openid: input.openid, rebound, alreadyBound };
  });
}

/** A session for the customer the openid is bound to; null when it is not bound. */
export async function loginWithOpenid(
  sequelize: Sequelize,
  input: WechatUser & { sessionTtlMs: number },
): Promise<WechatSession | null> {
  return sequelize.transaction(async (transaction) => {
    const [row] = await sequelize.query<CustomerIdentity>(
      `UPDATE wechat_binding b SET last_login_at = now(), unionid = COALESCE($3, b.unionid)
         FROM customer c
        WHERE b.app_id = $1 AND b.openid = $2 AND c.id = b.customer_id
        RETURNING c.id AS "customerId", c.tenant_id AS "tenantId"`,
      { bind: [input.appId, input.openid, input.unionid ?? null], type: QueryTypes.SELECT, transaction },
    );
    if (!row) return null;
    const session = await issueCustomerSession(sequelize, row.customerId, input.sessionTtlMs, {
      wechat: { appId: input.appId, openid: input.openid },
      transaction,
    });
    return { ...session, ...row, openid: input.openid };
  });
}

export interface ResolvedSession extends CustomerIdentity {
  /** The WeChat user who opened the session (still bound to this customer); null for token-login sessions. */
  openid: string | null;
  appId: string | null;
}

/** The customer (and WeChat user, if any) behind a session token; null when unknown or expired. */
export async function resolveWechatSession(sequelize: Sequelize, sessionToken: string): Promise<ResolvedSession | null> {
  const [row] = await sequelize.query<ResolvedSession>(
    `SELECT c.id AS "customerId", c.tenant_id AS "tenantId", b.openid, b.app_id AS "appId"
       FROM customer_session s
       JOIN customer c ON c.id = s.customer_id
       LEFT JOIN wechat_session w ON w.token_hash = s.token_hash
       LEFT JOIN wechat_binding b ON b.app_id = w.app_id AND b.openid = w.openid AND b.customer_id = s.customer_id
      WHERE s.token_hash = $1 AND s.expires_at > now()`,
    { bind: [hashToken(sessionToken)], type: QueryTypes.SELECT },
  );
  return row ?? null;
}

/** Stores the phone number from getUserPhoneNumber on the binding (never on the ERP customer). */
export async function setBindingPhone(
  sequelize: Sequelize,
  input: { appId: string; openid: string; customerId: string; phoneNumber: string; countryCode: string },
): Promise<boolean> {
  const rows = await sequelize.query(
    `UPDATE wechat_binding SET phone = $4, phone_country_code = $5, phone_bound_at = now(), updated_at = now()
      WHERE app_id = $1 AND openid = $2 AND customer_id = $3 RETURNING id`,
    { bind: [input.appId, input.openid, input.customerId, input.phoneNumber, input.countryCode || null], type: QueryTypes.SELECT },
  );
  return rows.length > 0;
}

export interface WechatBindingRecord {
  id: string;
  appId: string;
  openid: string;
  unionid: string | null;
  phone: string | null;
  boundAt: Date;
  lastLoginAt: Date | null;
}

export async function listCustomerBindings(sequelize: Sequelize, customerId: string): Promise<WechatBindingRecord[]> {
  return sequelize.query<WechatBindingRecord>(
    `SELECT id, app_id AS "appId", openid, unionid, phone, bound_at AS "boundAt", last_login_at AS "lastLoginAt"
       FROM wechat_binding WHERE customer_id = $1 ORDER BY bound_at, id`,
    { bind: [customerId], type: QueryTypes.SELECT },
  );
}

/** Removes a binding and ends the sessions it opened. False when there is no such binding of this customer. */
export async function removeBinding(sequelize: Sequelize, input: { customerId: string; bindingId: string }): Promise<boolean> {
  return sequelize.transaction(async (transaction) => {
    const [row] = await sequelize.query<{ appId: string; openid: string }>(
      `DELETE FROM wechat_binding WHERE id = $1 AND customer_id = $2 RETURNING app_id AS "appId", openid`,
      { bind: [input.bindingId, input.customerId], type: QueryTypes.SELECT, transaction },
    );
    if (!row) return false;
    await endSessions(sequelize, row.appId, row.openid, input.customerId, transaction);
    return true;
  });
}

/** Adds one consent credit per template (after `wx.requestSubscribeMessage` accepted them). */
export async function addSubscribeCredits(
  sequelize: Sequelize,
  openid: string,
  templateIds: readonly string[],
): Promise<Array<{ templateId: string; credits: number }>> {
  const unique = [...new Set(templateIds)];
  if (unique.length === 0) return [];
  return sequelize.query<{ templateId: string; credits: number }>(
    `INSERT INTO subscribe_credit (openid, template_id, credits)
     SELECT $1, t, 1 FROM unnest($2::text[]) AS t
     ON CONFLICT (openid, template_id) DO UPDATE SET credits = subscribe_credit.credits + 1, updated_at = now()
     RETURNING template_id AS "templateId", credits`,
    { bind: [openid, unique], type: QueryTypes.SELECT },
  );
}

export async function subscribeCredits(sequelize: Sequelize, openid: string): Promise<Record<string, number>> {
  const rows = await sequelize.query<{ templateId: string; credits: number }>(
    `SELECT template_id AS "templateId", credits FROM subscribe_credit WHERE openid = $1`,
    { bind: [openid], type: QueryTypes.SELECT },
  );
  return Object.fromEntries(rows.map((r) => [r.templateId, r.credits]));
}
