import { KingdeeError } from "../errors.js";
import { JDY_PROTOCOL } from "../protocol.js";
import type { KingdeeRequest, KingdeeResponse, Plugin } from "../transport.js";
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

/**
 * Attaches the app-token to business calls and cures the rejections a fresh attempt can fix,
 * each at most once per call (rows of `JDY_PROTOCOL.signals`): a rejected token (refresh,
 * single-flight), an expired timestamp or replayed nonce (the next attempt is signed anew), and a
 * stale IDC domain (pull authorization; resend only if the domain moved — a write on an unchanged
 * domain may have run and is never resent; a read is left to the retry step).
 */
export function authRecovery({ tokens, reauthorize, domain }: AuthRecoveryOptions): Plugin {
  return (next) =>
    async <T>(request: KingdeeRequest): Promise<KingdeeResponse<T>> => {
      const usesToken = (request.auth ?? "app-token") === "app-token";
      const isWrite = request.method !== "GET";
      const cured = new Set<string>();
      // Another call may have pulled already; otherwise pull now and compare.
      const domainMoved = async (sentTo: string) => {
        if (sameDomain(sentTo, domain())) await reauthorize?.();
        return !sameDomain(sentTo, domain());
      };
      for (;;) {
        const appToken = usesToken ? await tokens.get() : undefined;
        const sentTo = domain();
        try {
          return await next<T>({ ...request, appToken });
        } catch (error) {
          if (!(error instanceof KingdeeError)) throw error;
          if (appToken && error.isTokenRejected && !cured.has("token")) {
            cured.add("token");
            await tokens.refreshAfterRejection(appToken);
          } else if (error.isReplayRejected && !cured.has("replay")) {
            cured.add("replay");
          } else if (error.isStaleDomain && usesToken) {
            const moved = !cured.has("domain") && (await domainMoved(sentTo));
            cured.add("domain");
            // The gateway's own refusal (HTTP 519) proves nothing ran; an HTTP 502 does not.
            if (!moved) throw isWrite && error.status !== JDY_PROTOCOL.gatewayErrorStatus ? outcomeUnknown(error) : error;
          } else {
            throw error;
          }
        }
      }
    };
}
