import { KingdeeError } from "../errors.js";
import type { KingdeeRequest, KingdeeResponse, Plugin } from "../transport.js";
import type { AppTokenManager } from "../app-token.js";

export interface AuthRecoveryOptions {
  tokens: AppTokenManager;
  /** Pulls authorization again (new app_secret/domain); undefined when no outerInstanceId is configured. */
  reauthorize?: () => Promise<unknown>;
}

const STALE_DOMAIN_STATUS = 502;

/**
 * Attaches the app-token to business calls and cures the rejections a fresh attempt can fix,
 * each at most once per call: a rejected token (refresh, single-flight), an expired timestamp or
 * replayed nonce (the next attempt is signed anew), and a stale IDC domain (pull authorization).
 */
export function authRecovery({ tokens, reauthorize }: AuthRecoveryOptions): Plugin {
  return (next) =>
    async <T>(request: KingdeeRequest): Promise<KingdeeResponse<T>> => {
      const usesToken = (request.auth ?? "app-token") === "app-token";
      const cured = new Set<string>();
      for (;;) {
        const appToken = usesToken ? await tokens.get() : undefined;
        try {
          return await next<T>({ ...request, appToken });
        } catch (error) {
          if (!(error instanceof KingdeeError)) throw error;
          if (appToken && error.isTokenRejected && !cured.has("token")) {
            cured.add("token");
            await tokens.refreshAfterRejection(appToken);
          } else if (error.isReplayRejected && !cured.has("replay")) {
            cured.add("replay");
          } else if (error.status === STALE_DOMAIN_STATUS && reauthorize && !cured.has("domain")) {
            cured.add("domain");
            await reauthorize();
          } else {
            throw error;
          }
        }
      }
    };
}
