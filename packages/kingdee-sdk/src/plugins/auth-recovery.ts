import { authRecovery as kitAuthRecovery } from "@erpbridge/integration-kit";
import { KingdeeError } from "../errors.js";
import { JDY_PROTOCOL } from "../protocol.js";
import type { KingdeeRequest, Plugin } from "../transport.js";
import type { AppTokenManager } from "../app-token.js";

export interface AuthRecoveryOptions {
  tokens: AppTokenManager;
  /** Pulls authorization again (new app_secret/domain); undefined when no outerInstanceId is configured. */
  reauthorize?: () => Promise<unknown>;
  /** The account's current IDC domain, read before a call and after a pull to see whether it moved. */
  domain: () => string;
}

const sameDomain = (a: string, b: string) => a.trim().replace(/\/+$/, "").toLowerCase() === b.trim().replace(/\/+$/, "").toLowerCase();

/** A write answered HTTP 502 while its domain stayed put: it may have run. */
function outcomeUnknown(error: KingdeeError): KingdeeError {
  return new KingdeeError({
    ...error.toJSON(),
    category: "outcome_unknown",
    retryable: false,
    message: `Kingdee ${error.method} ${error.endpoint}: outcome unknown (HTTP ${error.status} while the account's domain is unchanged, so the write may have run); check before sending it again`,
    cause: error,
  });
}

const usesToken = (request: KingdeeRequest) => (request.auth ?? "app-token") === "app-token";

/**
 * The kit's auth-recovery step with JDY's cures, each at most once per call (rows of
 * `JDY_PROTOCOL.signals`): a rejected token (refresh, single-flight), an expired timestamp or
 * replayed nonce (the next attempt is signed anew), and a stale IDC domain (pull authorization;
 * resend only if the domain moved — a write on an unchanged domain may have run and is never
 * resent; a read is left to the retry step).
 */
export function authRecovery({ tokens, reauthorize, domain }: AuthRecoveryOptions): Plugin {
  // Another call may have pulled already; otherwise pull now and compare.
  const domainMoved = async (sentTo: string) => {
    if (sameDomain(sentTo, domain())) await reauthorize?.();
    return !sameDomain(sentTo, domain());
  };
  return kitAuthRecovery<KingdeeRequest, string>({
    tokens,
    usesToken,
    withToken: (request, appToken) => ({ ...request, appToken }),
    isTokenRejected: (error) => error instanceof KingdeeError && error.isTokenRejected,
    snapshot: domain,
    cure: async (error, { request, cured, snapshot: sentTo }) => {
      if (!(error instanceof KingdeeError)) return false;
      if (error.isReplayRejected && !cured.has("replay")) {
        cured.add("replay");
        return true;
      }
      if (!error.isStaleDomain || !usesToken(request)) return false;
      const moved = !cured.has("domain") && (await domainMoved(sentTo));
      cured.add("domain");
      // The gateway's own refusal (HTTP 519) proves nothing ran; an HTTP 502 does not.
      if (!moved) throw request.method !== "GET" && error.status !== JDY_PROTOCOL.gatewayErrorStatus ? outcomeUnknown(error) : error;
      return true;
    },
  });
}
