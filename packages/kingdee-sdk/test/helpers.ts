import { type KingdeeSandbox, startKingdeeSandbox } from "@erpbridge/kingdee-sandbox";
import { KingdeeClient, type KingdeeClientConfig } from "../src/index.js";

export const TOKEN_PATH = "/jdyconnector/app_management/kingdee_auth_token";
export const OUT_BOUND_PATH = "/jdy/v2/scm/sal_out_bound";
export const CUSTOMER_PATH = "/jdy/v2/bd/customer";

export async function sandboxWithClient(options: Parameters<typeof startKingdeeSandbox>[0] = {}) {
  const sandbox = await startKingdeeSandbox(options);
  const client = (overrides: Partial<KingdeeClientConfig> = {}) => clientFor(sandbox, overrides);
  return { sandbox, client };
}

/** A client for the sandbox's demo tenant with fast retries, so retry paths run in milliseconds. */
export function clientFor(sandbox: KingdeeSandbox, overrides: Partial<KingdeeClientConfig> = {}) {
  const tenant = sandbox.demoTenant;
  return new KingdeeClient({
    clientId: tenant.clientId,
    clientSecret: tenant.clientSecret,
    appKey: tenant.appKey,
    appSecret: tenant.appSecret,
    domain: tenant.domain,
    baseUrl: sandbox.url,
    timeoutMs: 5_000,
    retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 50 },
    rateLimit: { perMinute: 60_000, burst: 100, concurrency: 16 },
    ...overrides,
  });
}

/** Largest number of timestamps that fall inside any window of `windowMs`. */
export function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
