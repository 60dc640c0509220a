import type { Keyring } from "@erpbridge/domain/secrets";
import { upsertTenant, type PublicTenant } from "@erpbridge/domain/tenants";
import { type AuthorizationInfo, KingdeeClient, KingdeeError } from "@erpbridge/kingdee-sdk";
import { QueryTypes, type Sequelize } from "sequelize";
import { sameSecret } from "../auth.js";
import type { AppConfig } from "../config.js";

/** What a push claims about one authorization; only a hint until the pull confirms it. */
export interface PushedAuthorization {
  outerInstanceId: string;
  appKey: string;
  appSecret: string;
  domain: string;
}

export type PushOutcome =
  | { confirmed: true; tenant: PublicTenant; created: boolean }
  | { confirmed: false; reason: string };

/** The pull could not be made now (network, timeout, gateway fault): Kingdee should push again later. */
export class PullUnavailableError extends Error {}

const sameDomain = (a: string, b: string) => a.trim().replace(/\/+$/, "").toLowerCase() === b.trim().replace(/\/+$/, "").toLowerCase();

/**
 * Checks a pushed authorization against Kingdee itself: pulls the authorization for the pushed
 * outerInstanceId with our own ISV client credentials (the SDK's `refreshAuthorization`) and, only
 * if the pull holds the pushed appKey with the same appSecret and domain, stores what the pull
 * returned. Anything else changes nothing.
 */
export async function confirmPushedAuthorization(
  pushed: PushedAuthorization,
  deps: { config: AppConfig; keyring: Keyring },
): Promise<PushOutcome> {
  const { KINGDEE_CLIENT_ID: clientId, KINGDEE_CLIENT_SECRET: clientSecret, KINGDEE_BASE_URL: baseUrl } = deps.config;
  if (!clientId || !clientSecret) return { confirmed: false, reason: "no KINGDEE_CLIENT_ID/KINGDEE_CLIENT_SECRET configured to pull with" };
  const client = new KingdeeClient({
    clientId,
    clientSecret,
    appKey: pushed.appKey,
    // The pull is signed with the client credentials only; appSecret and domain are what it
    // fetches, so the client starts with placeholders that are never sent.
    appSecret: "unconfirmed",
    domain: "unconfirmed",
    outerInstanceId: pushed.outerInstanceId,
    ...(baseUrl ? { baseUrl } : {}),
    timeoutMs: 10_000,
    retry: { retries: 2, baseDelayMs: 200, maxDelayMs: 2_000 },
  });
  let info: AuthorizationInfo;
  try {
    info = await client.refreshAuthorization();
  } catch (error) {
    if (!(error instanceof KingdeeError)) throw error;
    const transient = error.retryable || ["network", "timeout", "rate_limit"].includes(error.category) || (error.status ?? 0) >= 500;
    if (transient) throw new PullUnavailableError(`pulling the authorization failed: ${error.message}`, { cause: error });
    return { confirmed: false, reason: `the pull does not hold it: ${error.message}` };
  }
  if (String(info.outerInstanceId) !== pushed.outerInstanceId) return { confirmed: false, reason: "the pull answered another outerInstanceId" };
  if (!sameSecret(pushed.appSecret, String(info.appSecret))) return { confirmed: false, reason: "the pushed appSecret differs from the pulled one" };
  if (!sameDomain(pushed.domain, String(info.domain))) return { confirmed: false, reason: "the pushed domain differs from the pulled one" };

  const accountName = typeof info.accountName === "string" && info.accountName.trim() ? info.accountName.trim().slice(0, 200) : undefined;
  const { tenant, created } = await upsertTenant(deps.keyring, {
    clientId,
    clientSecret,
    appKey: info.appKey,
    appSecret: info.appSecret,
    domain: info.domain,
    outerInstanceId: String(info.outerInstanceId),
    ...(accountName ? { name: accountName } : {}),
    status: Number(info.status) === 1 ? "active" : "disabled",
    ...(baseUrl ? { baseUrl } : {}),
  });
  return { confirmed: true, tenant, created };
}

/**
 * Digests of the pushes seen within the freshness window (`webhook_push_digest`), so a replayed
 * body is refused; older rows are pruned as new pushes arrive.
 */
export class PushDigests {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly windowSeconds: number,
  ) {}

  /** Records the digest; false if the same one was already seen within the window. */
  async remember(digest: string): Promise<boolean> {
    const rows = await this.sequelize.query(
      `INSERT INTO webhook_push_digest (digest, received_at) VALUES ($1, now())
       ON CONFLICT (digest) DO UPDATE SET received_at = now()
         WHERE webhook_push_digest.received_at < now() - make_interval(secs => $2)
       RETURNING digest`,
      { bind: [digest, this.windowSeconds], type: QueryTypes.SELECT },
    );
    await this.sequelize.query(`DELETE FROM webhook_push_digest WHERE received_at < now() - make_interval(secs => $1)`, {
      bind: [this.windowSeconds],
    });
    return rows.length === 1;
  }

  /** Forgets a digest, so that Kingdee's retry of a push we could not handle now is accepted. */
  async forget(digest: string): Promise<void> {
    await this.sequelize.query(`DELETE FROM webhook_push_digest WHERE digest = $1`, { bind: [digest] });
  }
}
