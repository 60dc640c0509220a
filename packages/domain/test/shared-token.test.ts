import { randomUUID } from "node:crypto";
import { startKingdeeSandbox } from "@erpbridge/kingdee-sandbox";
import { KingdeeClient } from "@erpbridge/kingdee-sdk";
import { requireRedis } from "@erpbridge/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClosableTokenStore, createTokenStore } from "../src/kingdee/index.js";

const url = requireRedis("app-token shared across replicas");
const TOKEN_PATH = "/jdyconnector/app_management/kingdee_auth_token";

describe.skipIf(!url)("one app-token for several replicas (Redis token store)", () => {
  let sandbox: Awaited<ReturnType<typeof startKingdeeSandbox>>;
  const prefix = `erpbridge:test:${randomUUID()}:`;
  const stores: ClosableTokenStore[] = [];
  beforeAll(async () => {
    sandbox = await startKingdeeSandbox({ counts: { customer: 5 } });
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await sandbox.stop();
  });

  // Each "replica" has its own client and its own Redis connection, as separate processes would.
  const replica = () => {
    const store = createTokenStore({ redisUrl: url!, prefix });
    stores.push(store);
    const t = sandbox.demoTenant;
    return new KingdeeClient({
      clientId: t.clientId,
      clientSecret: t.clientSecret,
      appKey: t.appKey,
      appSecret: t.appSecret,
      domain: t.domain,
      baseUrl: sandbox.url,
      tokenStore: store,
      rateLimit: { perMinute: 600_000, burst: 1000, concurrency: 16 },
    });
  };

  it("three replicas calling at once make exactly one token request, and reuse it after", async () => {
    const replicas = [replica(), replica(), replica()];
    await Promise.all(replicas.flatMap((k) => Array.from({ length: 15 }, () => k.resource("customer").list({ pageSize: 1 }))));
    expect(sandbox.calls.count(TOKEN_PATH)).toBe(1);
    await replica().resource("customer").list({ pageSize: 1 });
    expect(sandbox.calls.count(TOKEN_PATH)).toBe(1);
  });

  it("a token the gateway rejects is refreshed once across replicas", async () => {
    const replicas = [replica(), replica()];
    await replicas[0]!.token.get();
    sandbox.faults.expireTokens();
    sandbox.calls.reset();
    await Promise.all(replicas.flatMap((k) => Array.from({ length: 10 }, () => k.resource("customer").list({ pageSize: 1 }))));
    expect(sandbox.calls.count(TOKEN_PATH)).toBe(1);
  });
});
