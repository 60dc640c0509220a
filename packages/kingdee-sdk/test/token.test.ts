import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { KingdeeError, MemoryTokenStore } from "../src/index.js";
import { CUSTOMER_PATH, TOKEN_PATH, sandboxWithClient } from "./helpers.js";

const { sandbox, client } = await sandboxWithClient();
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.faults.clear();
  sandbox.calls.reset();
});

describe("app-token lifecycle", () => {
  it("fetches one token for 50 concurrent first calls and caches it", async () => {
    const kingdee = client();
    const pages = await Promise.all(Array.from({ length: 50 }, () => kingdee.resource("customer").list({ pageSize: 5 })));
    expect(pages.every((p) => p.rows.length === 5)).toBe(true);
    expect(sandbox.calls.count(TOKEN_PATH)).toBe(1);
    await kingdee.resource("customer").list();
    expect(sandbox.calls.count(TOKEN_PATH)).toBe(1);
  });

  it("refreshes an expired cached token exactly once under 50 concurrent calls", async () => {
    const store = new MemoryTokenStore();
    const kingdee = client({ tokenStore: store });
    await kingdee.token.get();
    const key = [sandbox.demoTenant.clientId, sandbox.demoTenant.appKey, ""].join(":");
    const stored = (await store.get(key))!;
    await store.set(key, { ...stored, expiresAt: Date.now() - 1 });
    sandbox.calls.reset();

    await Promise.all(Array.from({ length: 50 }, () => kingdee.resource("customer").list({ pageSize: 1 })));
    expect(sandbox.calls.count(TOKEN_PATH)).toBe(1);
    expect(sandbox.calls.count(CUSTOMER_PATH)).toBe(50);
  });

  it("refreshes before expiry, inside the configured window", async () => {
    const store = new MemoryTokenStore();
    const kingdee = client({ tokenStore: store, tokenRefreshWindowSeconds: 600 });
    await kingdee.token.get();
    const key = [sandbox.demoTenant.clientId, sandbox.demoTenant.appKey, ""].join(":");
    const stored = (await store.get(key))!;
    // A 2-hour token with 5 minutes left: still valid, but inside the 10-minute window, so refreshed.
    await store.set(key, { ...stored, refreshedAt: Date.now() - 115 * 60_000, expiresAt: Date.now() + 5 * 60_000 });
    sandbox.calls.reset();
    await kingdee.resource("customer").list({ pageSize: 1 });
    expect(sandbox.calls.count(TOKEN_PATH)).toBe(1);
  });

  it("a token the gateway rejects is refreshed once, shared by 50 rejected callers", async () => {
    const kingdee = client();
    await kingdee.token.get();
    sandbox.faults.expireTokens();
    sandbox.calls.reset();
    await Promise.all(Array.from({ length: 50 }, () => kingdee.resource("customer").list({ pageSize: 1 })));
    expect(sandbox.calls.count(TOKEN_PATH)).toBe(1);
    expect(sandbox.calls.count(CUSTOMER_PATH)).toBe(100);
  });

  it("token status and forced refresh never expose the token", async () => {
    const kingdee = client();
    const refreshed = await kingdee.token.refresh();
    expect(refreshed.expiresAt).toBeGreaterThan(Date.now());
    expect(refreshed).not.toHaveProperty("token");
    const status = await kingdee.token.status();
    expect(status?.refreshedAt).toBe(refreshed.refreshedAt);
    expect(status).not.toHaveProperty("token");
  });
});

describe("authorization", () => {
  it("a stale app_secret is cured by pulling authorization again, once", async () => {
    const rotated = await sandboxWithClient();
    try {
      const changes: Array<{ appSecret: string }> = [];
      const kingdee = rotated.client({
        // Constructed before the rotation: it holds the secret that is about to go stale.
        outerInstanceId: rotated.sandbox.demoTenant.outerInstanceId,
        onAuthorizationChange: (info) => {
          changes.push(info);
        },
      });
      const newSecret = rotated.sandbox.rotateAppSecret();
      const page = await kingdee.resource("customer").list({ pageSize: 2 });
      expect(page.rows).toHaveLength(2);
      expect(changes).toHaveLength(1);
      expect(changes[0]!.appSecret).toBe(newSecret);
      expect(rotated.sandbox.calls.count(TOKEN_PATH)).toBe(2);
    } finally {
      await rotated.sandbox.stop();
    }
  });

  it("without an outerInstanceId the stale secret is a typed authentication error", async () => {
    const rotated = await sandboxWithClient();
    try {
      const kingdee = rotated.client();
      rotated.sandbox.rotateAppSecret();
      const error = await kingdee.resource("customer").list().catch((e) => e);
      expect(error).toBeInstanceOf(KingdeeError);
      expect(error.category).toBe("authentication");
      expect(error.errcode).toBe(1030002006);
      expect(error.endpoint).toBe(TOKEN_PATH);
    } finally {
      await rotated.sandbox.stop();
    }
  });

  it("pullAuthorization returns the account sets of the instance", async () => {
    const rows = await client().pullAuthorization(sandbox.demoTenant.outerInstanceId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ appKey: sandbox.demoTenant.appKey, domain: sandbox.demoTenant.domain, status: 1 });
  });
});
