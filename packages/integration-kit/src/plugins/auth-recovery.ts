import type { KitRequest, Send } from "../transport.js";

export interface AuthRecoveryOptions<Req extends KitRequest, Snapshot = undefined> {
  tokens: { get(): Promise<string>; refreshAfterRejection(rejected: string): Promise<unknown> };
  /** Whether this request carries a token (token endpoints themselves do not). */
  usesToken: (request: Req) => boolean;
  /** The request with `token` put on it. */
  withToken: (request: Req, token: string) => Req;
  /** True when the failure says the token was rejected. */
  isTokenRejected: (error: unknown) => boolean;
  /** Taken just before each attempt and handed to `cure` (e.g. where the attempt was sent). */
  snapshot?: () => Snapshot;
  /**
   * Other rejections a fresh attempt may cure (a replayed nonce, a moved domain). Resolve true to
   * send again; `cured` is this call's memo, so each cure runs at most once. Throw to replace the error.
   */
  cure?: (error: unknown, call: { request: Req; cured: Set<string>; snapshot: Snapshot }) => Promise<boolean>;
}

/**
 * Attaches the token to calls that need one. A rejected token is refreshed — single-flight, shared by
 * every caller rejected with the same token — and the call sent again, once: a second rejection
 * surfaces as the error, never a loop.
 */
export function authRecovery<Req extends KitRequest, Snapshot = undefined>(options: AuthRecoveryOptions<Req, Snapshot>) {
  const { tokens, usesToken, withToken, isTokenRejected, snapshot, cure } = options;
  return <Res extends object>(next: Send<Req, Res>): Send<Req, Res> =>
    async <T>(request: Req) => {
      const cured = new Set<string>();
      for (;;) {
        const token = usesToken(request) ? await tokens.get() : undefined;
        const taken = snapshot?.() as Snapshot;
        try {
          return await next<T>(token === undefined ? request : withToken(request, token));
        } catch (error) {
          if (token !== undefined && isTokenRejected(error) && !cured.has("token")) {
            cured.add("token");
            await tokens.refreshAfterRejection(token);
            continue;
          }
          if (cure && (await cure(error, { request, cured, snapshot: taken }))) continue;
          throw error;
        }
      }
    };
}
