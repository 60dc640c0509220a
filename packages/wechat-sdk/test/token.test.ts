import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { MemoryTokenStore, type StoredToken, type TokenStore, WechatError } from "../src/index.js";
import { PATHS, callRecorder, deliveryData, sandboxWithClient, subscriber } from "./helpers.js";

const { sandbox, client } = await sandboxWithClient();
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.faults.clear();
  sandbox.calls.reset();
});

const KEY = () => `wechat:${sandbox.demoApp.appId}`;
/** 50 requests queue in one sandbox process: a generous per-attempt timeout keeps a loaded machine from adding retries. */
const patient = { timeoutMs: 30_000 };
const png = (wechat = client()) => wechat.wxacode.getUnlimited({ scene: "a=1" });
const send = (wechat = client(), openid = subscriber(sandbox)) =>
  wechat.subscribeMessage.send({ touser: openid, templateId: sandbox.demoTemplate!.templateId, data: deliveryData });

describe("stable access token lifecycle", () => {
  it("50 concurrent first calls make one stable_token request; the token is cached", async () => {
    const wechat = client(patient);
    const codes = await Promise.all(Array.from({ length: 50 }, () => png(wechat)));
    expect(codes).toHaveLength(50);
    expect(sandbox.calls.count(PATHS.stableToken)).toBe(1);
    expect(sandbox.calls.count(PATHS.getUnlimited)).toBe(50);
    await png(wechat);
    expect(sandbox.calls.count(PATHS.stableToken)).toBe(1);
    expect(await wechat.token.get()).toBe(sandbox.tokens.current());
  });

  it("an expired cached token is refreshed exactly once under 50 concurrent calls", async () => {
    const store = new MemoryTokenStore();
    const wechat = client({ tokenStore: store, ...patient });
    await wechat.token.get();
    const stored = (await store.get(KEY()))!;
    await store.set(KEY(), { ...stored, expiresAt: Date.now() - 1 });
    sandbox.calls.reset();
    await Promise.all(Array.from({ length: 50 }, () => png(wechat)));
    expect(sandbox.calls.count(PATHS.stableToken)).toBe(1);
    expect(sandbox.calls.count(PATHS.getUnlimited)).toBe(50);
  });

  it("refreshes inside the window (default 300 s before expiry)", async () => {
    const store = new MemoryTokenStore();
    const wechat = client({ tokenStore: store });
    await wechat.token.get();
    const stored = (await store.get(KEY()))!;
    await store.set(KEY(), { ...stored, refreshedAt: Date.now() - 7000_000, expiresAt: Date.now() + 200_000 });
    sandbox.calls.reset();
    await png(wechat);
    expect(sandbox.calls.count(PATHS.stableToken)).toBe(1);
  });

  it("two clients sharing a store share one token", async () => {
    const store = new MemoryTokenStore();
    await png(client({ tokenStore: store }));
    await png(client({ tokenStore: store }));
    expect(sandbox.calls.count(PATHS.stableToken)).toBe(1);
  });

  it("a store with withLock makes refresh single-flight across clients (as across replicas)", async () => {
    const inner = new MemoryTokenStore();
    let chain: Promise<unknown> = Promise.resolve();
    let locked = 0;
    const store: TokenStore = {
      get: (k) => inner.get(k),
      set: (k, t: StoredToken) => inner.set(k, t),
      delete: (k) => inner.delete(k),
      // A mutex, like a Redis lock: one holder at a time.
      withLock: <T>(_key: string, fn: () => Promise<T>) => {
        locked++;
        const run = chain.then(fn);
        chain = run.catch(() => undefined);
        return run;
      },
    };
    // Ten separate clients: no in-process single-flight between them, only the store's lock.
    await Promise.all(Array.from({ length: 10 }, () => png(client({ tokenStore: store }))));
    expect(locked).toBe(10);
    expect(sandbox.calls.count(PATHS.stableToken)).toBe(1);
  });

  it("token.refresh and status never expose the token; a forced refresh invalidates the old token", async () => {
    const wechat = client();
    const old = await wechat.token.get();
    const refreshed = await wechat.token.refresh({ force: true });
    expect(refreshed).not.toHaveProperty("token");
    expect(await wechat.token.status()).toEqual(refreshed);
    expect(await wechat.token.get()).not.toBe(old);
    expect(sandbox.tokens.stats().forced).toBeGreaterThanOrEqual(1);
    const stale = await fetch(`${sandbox.url}${PATHS.getUnlimited}?access_token=${old}`, { method: "POST", body: '{"scene":"a"}' });
    expect(((await stale.json()) as { errcode: number }).errcode).toBe(40001);
  });

  it("getStableAccessToken calls the endpoint now and reports expires_in", async () => {
    const token = await client().getStableAccessToken();
    expect(token.accessToken).toBe(sandbox.tokens.current());
    expect(token.expiresIn).toBeGreaterThanOrEqual(300);
    expect(token.expiresIn).toBeLessThanOrEqual(7200);
    expect(sandbox.calls.count(PATHS.stableToken)).toBe(1);
  });
});

describe("rejected tokens: refresh once, retry once, never loop", () => {
  it("tokens expired at the platform (42001): one normal-mode refresh, the call retried once", async () => {
    const wechat = client();
    await wechat.token.get();
    sandbox.faults.expireTokens();
    sandbox.calls.reset();
    const before = sandbox.tokens.stats();
    await send(wechat);
    expect(sandbox.calls.count(PATHS.stableToken)).toBe(1);
    expect(sandbox.calls.count(PATHS.subscribeSend)).toBe(2);
    expect(sandbox.tokens.stats().forced).toBe(before.forced);
  });

  it("50 callers rejected with the same token cause one refresh", async () => {
    const wechat = client(patient);
    await wechat.token.get();
    sandbox.faults.expireTokens();
    sandbox.calls.reset();
    await Promise.all(Array.from({ length: 50 }, () => png(wechat)));
    expect(sandbox.calls.count(PATHS.stableToken)).toBe(1);
    expect(sandbox.calls.count(PATHS.getUnlimited)).toBe(100);
  });

  it.each([40001, 40014, 42001])("errcode %i on a call: the token is replaced once and the call retried once", async (errcode) => {
    const forcedSpacing = await sandboxWithClient();
    try {
      const wechat = forcedSpacing.client();
      const first = await wechat.token.get();
      forcedSpacing.sandbox.faults.inject({ kind: "errcode", errcode, times: 1, path: PATHS.getUnlimited });
      forcedSpacing.sandbox.calls.reset();
      await png(wechat);
      // The platform still considered the token current, so normal mode handed it back: one forced refresh replaced it.
      expect(forcedSpacing.sandbox.calls.count(PATHS.stableToken)).toBe(2);
      expect(forcedSpacing.sandbox.tokens.stats().forced).toBe(1);
      expect(forcedSpacing.sandbox.calls.count(PATHS.getUnlimited)).toBe(2);
      expect(await wechat.token.get()).not.toBe(first);
    } finally {
      await forcedSpacing.sandbox.stop();
    }
  });

  it("forced refreshes after rejections are capped to one per interval, and logged", async () => {
    const own = await sandboxWithClient();
    try {
      const lines: Array<{ level: string; details: Record<string, unknown>; message: string }> = [];
      const logger = {
        info: (details: Record<string, unknown>, message: string) => void lines.push({ level: "info", details, message }),
        warn: (details: Record<string, unknown>, message: string) => void lines.push({ level: "warn", details, message }),
      };
      const wechat = own.client({ logger });
      await wechat.token.get();
      // The platform keeps saying 40001 about a token it still hands out (e.g. a misbehaving proxy).
      own.sandbox.faults.inject({ kind: "errcode", errcode: 40001, times: 100, path: PATHS.getUnlimited });
      own.sandbox.clock.advance(60_000); // past the platform's own 30 s spacing, so only our cap can stop a second force
      for (let i = 0; i < 3; i++) {
        await png(wechat).catch(() => undefined);
        own.sandbox.clock.advance(60_000);
      }
      expect(own.sandbox.tokens.stats().forced).toBe(1);
      expect(lines.filter((l) => l.level === "info")).toHaveLength(1);
      const refused = lines.filter((l) => l.level === "warn");
      expect(refused).toHaveLength(2);
      expect(refused[0]!.message).toMatch(/not forcing/);
      expect(refused[0]!.details).toHaveProperty("nextAllowedAt");
      expect(JSON.stringify(lines)).not.toContain(await wechat.token.get());
    } finally {
      await own.sandbox.stop();
    }
  });

  it("forceRefreshIntervalSeconds: 0 lets every rejection force (the cap is an option)", async () => {
    const own = await sandboxWithClient();
    try {
      const wechat = own.client({ forceRefreshIntervalSeconds: 0 });
      await wechat.token.get();
      own.sandbox.faults.inject({ kind: "errcode", errcode: 40001, times: 100, path: PATHS.getUnlimited });
      for (let i = 0; i < 2; i++) {
        own.sandbox.clock.advance(60_000);
        await png(wechat).catch(() => undefined);
      }
      expect(own.sandbox.tokens.stats().forced).toBe(2);
    } finally {
      await own.sandbox.stop();
    }
  });

  it("a second 40001 surfaces as a typed error: two attempts, no loop", async () => {
    const wechat = client();
    await wechat.token.get();
    sandbox.faults.inject({ kind: "errcode", errcode: 40001, times: 5, path: PATHS.getUnlimited });
    sandbox.calls.reset();
    const error = await png(wechat).catch((e) => e);
    expect(error).toBeInstanceOf(WechatError);
    expect(error).toMatchObject({ errcode: 40001, category: "authentication", retryable: false, endpoint: PATHS.getUnlimited });
    expect(sandbox.calls.count(PATHS.getUnlimited)).toBe(2);
    expect(sandbox.calls.count(PATHS.stableToken)).toBeLessThanOrEqual(2);
  });

  it("a write (subscribe send) rejected for its token is sent again once and delivered once", async () => {
    const openid = subscriber(sandbox);
    const wechat = client();
    await wechat.token.get();
    sandbox.faults.expireTokens();
    await send(wechat, openid);
    expect(sandbox.messages.sent({ touser: openid })).toHaveLength(1);
  });

  it("a wrong AppSecret (40001 from stable_token itself) is not retried", async () => {
    const secret = "ffffffffffffffffffffffffffffffff";
    const { calls, onCall } = callRecorder();
    const error = await png(client({ appSecret: secret, onCall })).catch((e) => e);
    expect(error).toMatchObject({ errcode: 40001, category: "authentication", endpoint: PATHS.stableToken, retryable: false });
    expect(error.isTokenRejected).toBe(false);
    expect(sandbox.calls.count(PATHS.stableToken)).toBe(1);
    expect(sandbox.calls.count(PATHS.getUnlimited)).toBe(0);
    expect(`${error.message} ${JSON.stringify(error)} ${error.stack} ${JSON.stringify(calls)}`).not.toContain(secret);
  });

  it("an unknown appId is 40013", async () => {
    await expect(png(client({ appId: "wx0000000000000000" }))).rejects.toMatchObject({ errcode: 40013, category: "authentication" });
  });
});
