import type { AccessTokenManager } from "../access-token.js";
import { WechatError } from "../errors.js";
import type { Plugin } from "../transport.js";

/**
 * Attaches the access token to business calls. A token the API rejects (40001/40014/42001) is
 * refreshed — single-flight, shared by every caller rejected with the same token — and the call is
 * sent again exactly once. A second rejection surfaces as a `WechatError`: never a loop. Safe for
 * writes and single-use codes because the token is checked before the call runs (see protocol.ts).
 */
export function authRecovery({ tokens }: { tokens: AccessTokenManager }): Plugin {
  return (next) =>
    async (request) => {
      if ((request.auth ?? "access_token") !== "access_token") return next(request);
      const accessToken = await tokens.get();
      try {
        return await next({ ...request, accessToken });
      } catch (error) {
        if (!(error instanceof WechatError) || !error.isTokenRejected) throw error;
        await tokens.refreshAfterRejection(accessToken);
        return next({ ...request, accessToken: await tokens.get() });
      }
    };
}
