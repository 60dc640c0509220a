import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalString, hmacHexBase64, startKingdeeSandbox, type KingdeeSandbox } from "../src/index.js";
import { TestClient, appSignature, newNonce } from "./helpers.js";

const TOKEN = "/jdyconnector/app_management/kingdee_auth_token";
const PULL = "/jdyconnector/app_management/push_app_authorize";
const CUSTOMERS = "/jdy/v2/bd/customer";

let sandbox: KingdeeSandbox;
let client: TestClient;

beforeAll(async () => {
  sandbox = await startKingdeeSandbox({ seed: 7 });
  client = new TestClient(sandbox);
  await client.login();
});
afterAll(() => sandbox.stop());

const gw = (res: { status: number; json: { errcode: number; description: string; description_cn?: string } }) => ({
  status: res.status,
  errcode: res.json.errcode,
  description: res.json.description,
});

describe("token and authorization", () => {
  it("issues a fresh app-token per call; older tokens stay valid", async () => {
    const a = await client.fetchToken();
    const b = await client.fetchToken();
    expect(a.status).toBe(200);
    expect(a.headers.get("x-api-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.json.errcode).toBe(0);
    expect(a.json.description).toBe("success");
    const data = a.json.data;
    expect(typeof data["app-token"]).toBe("string");
    expect(Number.isInteger(data.uid)).toBe(true);
    expect(data.expires).toBeGreaterThan(Date.now() + 60 * 60_000);
    expect(typeof data.access_token).toBe("string");
    expect(b.json.data["app-token"]).not.toBe(data["app-token"]);
    for (const token of [data["app-token"], b.json.data["app-token"]]) {
      const res = await client.call(CUSTOMERS, { token });
      expect(res.json.errcode).toBe(0);
    }
    const withUid = await client.fetchToken(sandbox.demoTenant, { uid: "4242" });
    expect(withUid.json.data.uid).toBe(4242);
  });

  it("unknown app_key → 1020002008; wrong app_signature → 1030002006 (HTTP 200)", async () => {
    const creds = sandbox.demoTenant;
    const unknown = await client.fetchToken({ ...creds, appKey: "nope1234" });
    expect(unknown.status).toBe(200);
    expect(unknown.json).toEqual({ errcode: 1020002008, description: "用户授权信息错误，请检查appKey" });
    const wrong = await client.fetchToken({ ...creds, appSecret: "not-the-secret" });
    expect(wrong.status).toBe(200);
    expect(wrong.json).toEqual({ errcode: 1030002006, description: "授权密钥校验失败" });
  });

  it("pull authorization returns the tenant of an outerInstanceId, or an empty array", async () => {
    const creds = sandbox.demoTenant;
    const res = await client.call(PULL, {
      method: "POST",
      query: { outerInstanceId: creds.outerInstanceId },
      body: {},
      token: null,
      router: null,
    });
    expect(res.status).toBe(200);
    expect(res.json.errcode).toBe(0);
    expect(res.json.data).toHaveLength(1);
    expect(res.json.data[0]).toMatchObject({
      appKey: creds.appKey,
      appSecret: creds.appSecret,
      clientId: creds.clientId,
      domain: creds.domain,
      outerInstanceId: creds.outerInstanceId,
      accountName: creds.accountName,
      status: 1,
    });
    for (const key of ["accountId", "agreementCompanyName", "groupName", "serviceId"]) expect(res.json.data[0]).toHaveProperty(key);
    const none = await client.call(PULL, { method: "POST", query: { outerInstanceId: "000" }, body: {}, token: null, router: null });
    expect(none.json).toMatchObject({ errcode: 0, data: [] });
    const get = await client.call(PULL, { query: { outerInstanceId: creds.outerInstanceId }, token: null, router: null });
    expect(gw(get)).toMatchObject({ status: 519, errcode: 5002 });
  });

  it("rotateAppSecret: the old secret fails with 1030002006, pull returns the new one, which works", async () => {
    const own = await startKingdeeSandbox({ seed: 3 });
    try {
      const c = new TestClient(own);
      const old = own.demoTenant;
      const fresh = own.rotateAppSecret();
      expect(fresh).not.toBe(old.appSecret);
      expect(own.demoTenant.appSecret).toBe(fresh);
      const stale = await c.fetchToken(old);
      expect(stale.json.errcode).toBe(1030002006);
      const pulled = await c.call(PULL, { method: "POST", query: { outerInstanceId: old.outerInstanceId }, body: {}, token: null, router: null });
      expect(pulled.json.data[0].appSecret).toBe(fresh);
      const ok = await c.fetchToken({ ...old, appSecret: pulled.json.data[0].appSecret });
      expect(ok.json.errcode).toBe(0);
    } finally {
      await own.stop();
    }
  });
});

describe("gateway errors (HTTP 519)", () => {
  it("missing / unknown client id → 4002 / 4003", async () => {
    const missing = await client.call(CUSTOMERS, { headers: { "X-Api-ClientID": undefined } });
    expect(gw(missing)).toMatchObject({ status: 519, errcode: 4002 });
    expect(missing.json.description).toMatch(/\[GW\]$/);
    expect(missing.json.description_cn).toMatch(/\[网关\]$/);
    const unknown = await client.call(CUSTOMERS, { headers: { "X-Api-ClientID": "999" } });
    expect(gw(unknown)).toMatchObject({ status: 519, errcode: 4003 });
  });

  it("auth version other than 2.0 → 4001", async () => {
    const res = await client.call(CUSTOMERS, { headers: { "X-Api-Auth-Version": "1.0" } });
    expect(gw(res)).toMatchObject({ status: 519, errcode: 4001 });
  });

  it("old, future or malformed timestamp → 4006 naming the value", async () => {
    const old = String(Date.now() - 301_000);
    const res = await client.call(CUSTOMERS, { timestamp: old });
    expect(gw(res)).toEqual({ status: 519, errcode: 4006, description: `X-Api-TimeStamp is invalid: ${old} [GW]` });
    const future = await client.call(CUSTOMERS, { timestamp: String(Date.now() + 301_000) });
    expect(future.json.errcode).toBe(4006);
    const seconds = await client.call(CUSTOMERS, { timestamp: String(Math.floor(Date.now() / 1000)) });
    expect(seconds.json.errcode).toBe(4006);
    const near = await client.call(CUSTOMERS, { timestamp: String(Date.now() - 200_000) });
    expect(near.json.errcode).toBe(0);
  });

  it("sign headers: missing or incomplete → 4007; either order and any case is fine", async () => {
    expect((await client.call(CUSTOMERS, { headers: { "X-Api-SignHeaders": undefined } })).json.errcode).toBe(4007);
    expect((await client.call(CUSTOMERS, { headers: { "X-Api-SignHeaders": "X-Api-TimeStamp" } })).json.errcode).toBe(4007);
    for (const v of ["X-Api-Nonce,X-Api-TimeStamp", "x-api-timestamp, x-api-nonce"]) {
      expect((await client.call(CUSTOMERS, { headers: { "X-Api-SignHeaders": v } })).json.errcode).toBe(0);
    }
  });

  it("bad signature → 4008", async () => {
    const res = await client.call(CUSTOMERS, { query: { page: 1 }, sign: () => "bm90LWEtc2lnbmF0dXJl" });
    expect(gw(res)).toEqual({ status: 519, errcode: 4008, description: "X-Api-Signature is invalid [GW]" });
    // signing different query params than sent
    const other = await client.call(CUSTOMERS, {
      query: { page: 2 },
      sign: (secret, m, p, _q, n, t) => hmacHexBase64(secret, canonicalString({ method: m, path: p, query: [["page", "1"]], headers: [["x-api-nonce", n], ["x-api-timestamp", t]] })),
    });
    expect(other.json.errcode).toBe(4008);
  });

  it("verifies with Java rules: a space/`*` in a value signed like Java passes, the JS form fails", async () => {
    const java = (secret: string, m: string, p: string, q: Array<[string, string]>, n: string, t: string) =>
      hmacHexBase64(secret, canonicalString({ method: m, path: p, query: q, headers: [["x-api-nonce", n], ["x-api-timestamp", t]] }));
    const query = { search: "华联 商贸*", page: 1 };
    expect((await client.call(CUSTOMERS, { query, sign: java })).json.errcode).toBe(0);
    expect((await client.call(CUSTOMERS, { query })).json.errcode).toBe(4008);
  });

  it("a replayed nonce → 4006 'X-Api-Nonce is repeated'; nonces are recorded only after the signature verifies", async () => {
    const nonce = newNonce();
    const bad = await client.call(CUSTOMERS, { nonce, sign: () => "eA==" });
    expect(bad.json.errcode).toBe(4008);
    const first = await client.call(CUSTOMERS, { nonce });
    expect(first.json.errcode).toBe(0);
    const replay = await client.call(CUSTOMERS, { nonce });
    expect(gw(replay)).toEqual({ status: 519, errcode: 4006, description: "X-Api-Nonce is repeated [GW]" });
  });

  it("replay check can be switched off", async () => {
    const own = await startKingdeeSandbox({ rejectReplayedNonce: false });
    try {
      const c = new TestClient(own);
      await c.login();
      const nonce = newNonce();
      expect((await c.call(CUSTOMERS, { nonce })).json.errcode).toBe(0);
      expect((await c.call(CUSTOMERS, { nonce })).json.errcode).toBe(0);
    } finally {
      await own.stop();
    }
  });

  it("app-token missing / unknown / expired → 4009 / 4010 / 4011", async () => {
    expect(gw(await client.call(CUSTOMERS, { token: null }))).toMatchObject({ status: 519, errcode: 4009 });
    expect(gw(await client.call(CUSTOMERS, { token: "deadbeef" }))).toMatchObject({ status: 519, errcode: 4010 });
    const own = await startKingdeeSandbox({ tokenLifetimeMs: 150 });
    try {
      const c = new TestClient(own);
      await c.login();
      expect((await c.call(CUSTOMERS)).json.errcode).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      const expired = await c.call(CUSTOMERS);
      expect(gw(expired)).toEqual({ status: 519, errcode: 4011, description: "app-token expired [GW]" });
    } finally {
      await own.stop();
    }
  });

  it("faults.expireTokens expires every issued token; a new one works", async () => {
    const own = await startKingdeeSandbox();
    try {
      const c = new TestClient(own);
      await c.login();
      own.faults.expireTokens();
      expect((await c.call(CUSTOMERS)).json.errcode).toBe(4011);
      await c.login();
      expect((await c.call(CUSTOMERS)).json.errcode).toBe(0);
    } finally {
      await own.stop();
    }
  });

  it("X-GW-Router-Addr missing or wrong → 5001 No Route; unknown path → 5001 API not found; wrong method → 5002", async () => {
    expect(gw(await client.call(CUSTOMERS, { router: null }))).toEqual({ status: 519, errcode: 5001, description: "No Route [GW]" });
    expect(gw(await client.call(CUSTOMERS, { router: "https://other.jdy.com" }))).toMatchObject({ errcode: 5001 });
    expect((await client.call(CUSTOMERS, { router: sandbox.demoTenant.domain + "/" })).json.errcode).toBe(0);
    expect(gw(await client.call("/jdy/v2/bd/unicorn"))).toEqual({ status: 519, errcode: 5001, description: "API not found [GW]" });
    expect(gw(await client.call("/nowhere", { token: null }))).toMatchObject({ errcode: 5001 });
    expect(gw(await client.call("/jdy/v2/bd/customer_detail", { method: "POST", body: {} }))).toMatchObject({ status: 519, errcode: 5002 });
    expect(gw(await client.call("/jdy/v2/scm/inventory", { method: "POST", body: {} }))).toMatchObject({ errcode: 5002 });
    expect(gw(await client.call(CUSTOMERS, { method: "DELETE" }))).toMatchObject({ errcode: 5002 });
  });

  it("the token call is signed too, and does not need app-token or router", async () => {
    const creds = sandbox.demoTenant;
    const res = await client.call(TOKEN, {
      query: { app_key: creds.appKey, app_signature: appSignature(creds.appKey, creds.appSecret) },
      token: null,
      router: null,
      sign: () => "eA==",
    });
    expect(res.json.errcode).toBe(4008);
  });

  it("tenants are isolated: a token only routes to its own tenant's domain and data", async () => {
    const own = await startKingdeeSandbox({ seed: 11 });
    try {
      const second = own.addTenant({ domain: "https://jdy-gray.example", counts: { customer: 5 } });
      expect(second.clientId).toBe(own.demoTenant.clientId);
      expect(second.appKey).not.toBe(own.demoTenant.appKey);
      const c2 = new TestClient(own, second);
      await c2.login();
      const list = await c2.get(CUSTOMERS);
      expect(list.data.count).toBe("5");
      expect(own.data.count("customer", { appKey: second.appKey })).toBe(5);
      expect(own.data.count("customer")).toBe(40);
      expect((await c2.call(CUSTOMERS, { router: own.demoTenant.domain })).json.errcode).toBe(5001);
      // both tenants appear when pulling without outerInstanceId (protocol choice "all")
      const pulled = await c2.call(PULL, { method: "POST", body: {}, token: null, router: null });
      expect(pulled.json.data.map((t: { appKey: string }) => t.appKey).sort()).toEqual([own.demoTenant.appKey, second.appKey].sort());
    } finally {
      await own.stop();
    }
  });
});
