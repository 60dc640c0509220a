import { KingdeeClient, type KingdeeClientConfig, MemoryTokenStore } from "@erpbridge/kingdee-sdk";
import { z } from "zod";
import { externalIdInput, requiredText, secretInput, urlInput } from "../../inputs/schemas.js";

/**
 * Kingdee 精斗云 (JDY) through the open platform: our ISV app (clientId/clientSecret) acting on
 * one customer's authorization (appKey/appSecret, at `domain`). `clientId` + `appKey` identify the
 * authorization and are unique across connections.
 */
export const kingdeeJdySettingsSchema = z.strictObject({
  clientId: requiredText(64),
  appKey: requiredText(64),
  /** The account set's IDC, pushed or pulled with the authorization; unset until then. */
  domain: urlInput.nullable().optional(),
  /** Lets the SDK pull the authorization again (rotated app secret, moved domain). */
  outerInstanceId: externalIdInput.nullable().optional(),
  /** unset: the Kingdee default gateway. */
  baseUrl: urlInput.nullable().optional(),
});

export type KingdeeJdySettings = z.output<typeof kingdeeJdySettingsSchema>;

export const KINGDEE_JDY_SECRETS = ["clientSecret", "appSecret"] as const;
export type KingdeeJdySecrets = Partial<Record<(typeof KINGDEE_JDY_SECRETS)[number], string>>;

/** Secrets as written: a secret left out stays unchanged, `null` clears it. */
export const kingdeeJdySecretsSchema = z.strictObject({
  clientSecret: secretInput.nullable().optional(),
  appSecret: secretInput.nullable().optional(),
});

/** SDK settings shared by every connection's client (timeouts, rate limit, retry, fetch). */
export type KingdeeClientDefaults = Partial<Pick<KingdeeClientConfig, "timeoutMs" | "rateLimit" | "retry" | "tokenRefreshWindowSeconds" | "fetch">>;

/** What the connection still lacks before a client can be built; empty when ready. */
export function kingdeeJdyMissing(settings: KingdeeJdySettings, secrets: KingdeeJdySecrets): string[] {
  return [
    ...KINGDEE_JDY_SECRETS.filter((name) => !secrets[name]),
    ...(settings.domain ? [] : ["domain"]),
  ];
}

/** The client config of a ready connection (see kingdeeJdyMissing). */
export function kingdeeJdyClientConfig(settings: KingdeeJdySettings, secrets: KingdeeJdySecrets): KingdeeClientConfig {
  return {
    clientId: settings.clientId,
    clientSecret: secrets.clientSecret ?? "",
    appKey: settings.appKey,
    appSecret: secrets.appSecret ?? "",
    domain: settings.domain ?? "",
    ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
    ...(settings.outerInstanceId ? { outerInstanceId: settings.outerInstanceId } : {}),
  };
}

/**
 * The test call: fetches an app token with the stored secrets, as they are. A private token store,
 * so the test neither reuses a token that would hide bad secrets nor replaces the one in use.
 */
export async function kingdeeJdyTestCall(settings: KingdeeJdySettings, secrets: KingdeeJdySecrets, defaults: KingdeeClientDefaults): Promise<void> {
  // Without outerInstanceId: the SDK would pull a fresh authorization on a rejected secret and
  // answer ok, while the stored secret stays wrong.
  const { outerInstanceId: _pullsAgain, ...stored } = settings;
  const client = new KingdeeClient({
    ...defaults,
    ...kingdeeJdyClientConfig(stored, secrets),
    retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 },
    tokenStore: new MemoryTokenStore(),
  });
  await client.token.refresh();
}
