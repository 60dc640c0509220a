import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { startWechatSandbox } from "../src/index.js";
import { ERRMSG_WITH_RID, PATHS, business, call, stableToken, token } from "./helpers.js";

const sandbox = await startWechatSandbox();
afterAll(() => sandbox.stop());
beforeEach(() => sandbox.faults.clear());

const probeOn = (s: typeof sandbox, accessToken: string) => business(s, PATHS.getUnlimited, accessToken, { scene: "a=1" });
const probe = (accessToken: string) => probeOn(sandbox, accessToken);

describe("stable_token", () => {
  it("normal mode returns the same token while valid, expires_in counting down", async () => {
    const fresh = await startWechatSandbox();
    try {
      const a = await stableToken(fresh);
      expect(a.status).toBe(200);
      expect(a.contentType).toContain("application/json");
      expect(a.json).toEqual({ access_token: expect.stringMatching(/^\d+_[A-Za-z0-9_-]{100,}$/), expires_in: 7200 });
      fresh.clock.advance(1000 * 1000);
      const b = await stableToken(fresh);
      expect(b.json.access_token).toBe(a.json.access_token);
      expect(b.json.expires_in).toBeGreaterThanOrEqual(6199); // wall-clock ms pass between the calls
      expect(b.json.expires_in).toBeLessThanOrEqual(6200);
      expect(fresh.tokens.stats()).toEqual({ stableIssued: 1, forced: 0, classicIssued: 0 });
    } finally {
      await fresh.stop();
    }
  });

  it("rotates in the last 300 s; the old token keeps working until its own expiry", async () => {
    const fresh = await startWechatSandbox();
    try {
      const old = (await stableToken(fresh)).json.access_token;
      fresh.clock.advance((7200 - 299) * 1000);
      const rotated = await stableToken(fresh);
      expect(rotated.json.access_token).not.toBe(old);
      expect(rotated.json.expires_in).toBe(7200);
      expect((await business(fresh, PATHS.getUnlimited, old, { scene: "a" })).status).toBe(200);
      expect((await business(fresh, PATHS.getUnlimited, old, { scene: "a" })).contentType).toBe("image/png");
      fresh.clock.advance(300 * 1000);
      expect((await business(fresh, PATHS.getUnlimited, old, { scene: "a" })).json.errcode).toBe(42001);
      expect((await business(fresh, PATHS.getUnlimited, rotated.json.access_token, { scene: "a" })).contentType).toBe("image/png");
    } finally {
      await fresh.stop();
    }
  });

  it("any expires_in returned while valid is at least 300", async () => {
    const fresh = await startWechatSandbox();
    try {
      for (let i = 0; i < 30; i++) {
        const res = await stableToken(fresh);
        expect(res.json.expires_in).toBeGreaterThanOrEqual(300);
        fresh.clock.advance(290_000);
      }
    } finally {
      await fresh.stop();
    }
  });

  it("force_refresh revokes the current token at once; again within 30 s means no refresh", async () => {
    const fresh = await startWechatSandbox();
    try {
      const first = (await stableToken(fresh)).json.access_token;
      const forced = (await stableToken(fresh, { force_refresh: true })).json.access_token;
      expect(forced).not.toBe(first);
      const stale = await probeOn(fresh, first);
      expect(stale.json).toEqual({ errcode: 40001, errmsg: expect.stringMatching(/^invalid credential, access_token is invalid or not latest rid: /) });
      fresh.clock.advance(29_000);
      expect((await stableToken(fresh, { force_refresh: true })).json.access_token).toBe(forced);
      fresh.clock.advance(1_000);
      expect((await stableToken(fresh, { force_refresh: true })).json.access_token).not.toBe(forced);
      expect(fresh.tokens.stats().forced).toBe(2);
    } finally {
      await fresh.stop();
    }
  });

  it("at most 20 forced refreshes per day", async () => {
    const fresh = await startWechatSandbox();
    try {
      // Start right after Beijing midnight so 21 forces 30 s apart stay on one natural day.
      const now = fresh.clock.now();
      const nextMidnight = Math.ceil((now + 8 * 3_600_000) / 86_400_000) * 86_400_000 - 8 * 3_600_000;
      fresh.clock.advance(nextMidnight - now + 1000);
      const seen = new Set<string>();
      for (let i = 0; i < 21; i++) {
        seen.add((await stableToken(fresh, { force_refresh: true })).json.access_token);
        fresh.clock.advance(31_000);
      }
      expect(seen.size).toBe(20);
      expect(fresh.tokens.stats().forced).toBe(20);
    } finally {
      await fresh.stop();
    }
  });

  it("credential and body errors", async () => {
    const app = sandbox.demoApp;
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ grant_type: "authorization_code", appid: app.appId, secret: app.appSecret }, 40002],
      [{ grant_type: "client_credential", secret: app.appSecret }, 41002],
      [{ grant_type: "client_credential", appid: app.appId }, 41004],
      [{ grant_type: "client_credential", appid: "wx0000000000000000", secret: app.appSecret }, 40013],
      [{ grant_type: "client_credential", appid: app.appId, secret: "wrong" }, 40001],
      [{ grant_type: "client_credential", appid: app.appId, secret: app.appSecret, force_refresh: "yes" }, 40097],
    ];
    for (const [body, errcode] of cases) {
      const res = await call(sandbox, PATHS.stableToken, { body });
      expect(res.status).toBe(200);
      expect(res.json.errcode, JSON.stringify(body)).toBe(errcode);
      expect(res.json.errmsg).toMatch(ERRMSG_WITH_RID);
    }
    const form = await call(sandbox, PATHS.stableToken, { rawBody: `grant_type=client_credential&appid=${app.appId}` });
    expect(form.json.errcode).toBe(47001);
    expect((await call(sandbox, PATHS.stableToken, { method: "GET" })).json.errcode).toBe(43002);
  });
});

describe("classic /cgi-bin/token", () => {
  it("mints a new token per call; the previous one works 300 s more; independent of the stable token", async () => {
    const fresh = await startWechatSandbox();
    try {
      const q = { grant_type: "client_credential", appid: fresh.demoApp.appId, secret: fresh.demoApp.appSecret };
      const stable = await token(fresh);
      const a = (await call(fresh, PATHS.classicToken, { query: q })).json;
      const b = (await call(fresh, PATHS.classicToken, { query: q })).json;
      expect(a).toEqual({ access_token: expect.any(String), expires_in: 7200 });
      expect(b.access_token).not.toBe(a.access_token);
      expect((await probeOn(fresh, a.access_token)).status).toBe(200);
      expect((await probeOn(fresh, a.access_token)).contentType).toBe("image/png");
      fresh.clock.advance(300_000);
      expect((await probeOn(fresh, a.access_token)).json.errcode).toBe(40001);
      expect((await probeOn(fresh, b.access_token)).contentType).toBe("image/png");
      expect((await probeOn(fresh, stable)).contentType).toBe("image/png");
      expect(fresh.tokens.stats()).toMatchObject({ stableIssued: 1, classicIssued: 2 });
      expect((await call(fresh, PATHS.classicToken, { query: { ...q, secret: "nope" } })).json.errcode).toBe(40001);
    } finally {
      await fresh.stop();
    }
  });
});

describe("access_token checks on business calls", () => {
  it("missing 41001, malformed 40014, unknown 40001, expired 42001; never read from the body", async () => {
    const valid = await token(sandbox);
    expect((await call(sandbox, PATHS.getUnlimited, { body: { scene: "a", access_token: valid } })).json.errcode).toBe(41001);
    expect((await probe("abc")).json.errcode).toBe(40014);
    expect((await probe(`88_${"A".repeat(120)}`)).json.errcode).toBe(40001);
    expect((await probe(valid)).contentType).toBe("image/png");
    sandbox.faults.expireTokens();
    expect((await probe(valid)).json.errcode).toBe(42001);
    // normal mode mints a new one once the current is expired
    const next = await token(sandbox);
    expect(next).not.toBe(valid);
    expect((await probe(next)).contentType).toBe("image/png");
  });

  it("a token of one app works for that app only (app derived from the token)", async () => {
    const other = sandbox.addApp();
    const otherToken = (await stableToken(sandbox, {}, other)).json.access_token;
    const { openid } = sandbox.users.add();
    sandbox.consent.grant(openid, sandbox.demoTemplate!.templateId);
    const res = await business(sandbox, PATHS.subscribeSend, otherToken, { touser: openid, template_id: sandbox.demoTemplate!.templateId, data: {} });
    expect(res.json.errcode).toBe(40003);
  });

  it("short token lifetimes rotate at half the lifetime", async () => {
    const short = await startWechatSandbox({ tokenLifetimeSeconds: 2 });
    try {
      const a = await stableToken(short);
      expect(a.json.expires_in).toBe(2);
      short.clock.advance(1001);
      expect((await stableToken(short)).json.access_token).not.toBe(a.json.access_token);
    } finally {
      await short.stop();
    }
  });
});
