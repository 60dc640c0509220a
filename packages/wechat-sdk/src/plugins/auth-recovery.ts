import { authRecovery as kitAuthRecovery } from "@erpbridge/integration-kit";
import type { AccessTokenManager } from "../access-token.js";
import { WechatError } from "../errors.js";
import type { Plugin, WechatRequest } from "../transport.js";

/**
 * The kit's auth-recovery step for the access token. A token the API rejects (40001/40014/42001) is
 * refreshed — single-flight, shared by every caller rejected with the same token — and the call is
 * sent again exactly once. A second rejection surfaces as a `WechatError`: never a loop. Safe for
 * writes and single-use codes because the token is checked before the call runs (see protocol.ts).
 */
export function authRecovery({ tokens }: { tokens: AccessTokenManager }): Plugin {
  return kitAuthRecovery<WechatRequest>({
    tokens,
    usesToken: (request) => (request.auth ?? "access_token") === "access_token",
    withToken: (request, accessToken) => ({ ...request, accessToken }),
    isTokenRejected: (error) => error instanceof WechatError && error.isTokenRejected,
  });
}
