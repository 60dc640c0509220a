import { afterAll, describe, expect, it } from "vitest";
import { startWechatSandbox } from "../src/index.js";
import { ERRMSG_WITH_RID, PATHS, business, call, token } from "./helpers.js";

const sandbox = await startWechatSandbox();
afterAll(() => sandbox.stop());

const session = (jsCode: string, overrides: Record<string, string> = {}) =>
  call(sandbox, PATHS.code2Session, {
    query: { appid: sandbox.demoApp.appId, secret: sandbox.demoApp.appSecret, js_code: jsCode, grant_type: "authorization_code", ...overrides },
  });

describe("code2Session", () => {
  it("answers openid and session_key without errcode; unionid once linked", async () => {
    const { openid } = sandbox.users.add();
    const code = sandbox.codes.issue(openid);
    expect(code).toMatch(/^[0-9A-Za-z]{32}$/);
    const res = await session(code);
    expect(res.json).toEqual({ openid, session_key: expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/) });
    const unionid = sandbox.users.link(openid);
    expect((await session(sandbox.codes.issue(openid))).json.unionid).toBe(unionid);
  });

  it("a code works once (40163), unknown codes are 40029, and so are expired ones", async () => {
    const { openid } = sandbox.users.add();
    const code = sandbox.codes.issue(openid);
    expect((await session(code)).json.openid).toBe(openid);
    const again = await session(code);
    expect(again.json.errcode).toBe(40163);
    expect(again.json.errmsg).toMatch(ERRMSG_WITH_RID);
    expect((await session("0".repeat(32))).json.errcode).toBe(40029);
    const late = sandbox.codes.issue(openid);
    sandbox.clock.advance(300_000);
    expect((await session(late)).json.errcode).toBe(40029);
  });

  it("codeLifetimeMs and the reuse code are configurable", async () => {
    const custom = await startWechatSandbox({ codeLifetimeMs: 1000, protocol: { codeReuseErrcode: 40029, code2SessionErrcodeOnSuccess: true } });
    try {
      const { openid } = custom.users.add();
      const q = (c: string) => ({ query: { appid: custom.demoApp.appId, secret: custom.demoApp.appSecret, js_code: c, grant_type: "authorization_code" } });
      const code = custom.codes.issue(openid);
      expect((await call(custom, PATHS.code2Session, q(code))).json).toMatchObject({ errcode: 0, errmsg: "ok", openid });
      expect((await call(custom, PATHS.code2Session, q(code))).json.errcode).toBe(40029);
      const soon = custom.codes.issue(openid);
      custom.clock.advance(1000);
      expect((await call(custom, PATHS.code2Session, q(soon))).json.errcode).toBe(40029);
    } finally {
      await custom.stop();
    }
  });

  it("parameter and credential errors", async () => {
    const code = sandbox.codes.issue(sandbox.users.add().openid);
    expect((await session(code, { appid: "" })).json.errcode).toBe(41002);
    expect((await session(code, { secret: "" })).json.errcode).toBe(41004);
    expect((await session("", {})).json.errcode).toBe(41008);
    expect((await session(code, { grant_type: "client_credential" })).json.errcode).toBe(40002);
    expect((await session(code, { appid: "wx0000000000000000" })).json.errcode).toBe(40013);
    expect((await session(code, { secret: "wrong" })).json.errcode).toBe(40125);
    // none of those consumed the code
    expect((await session(code)).json.openid).toBeDefined();
    expect((await call(sandbox, PATHS.code2Session, { body: {} })).json.errcode).toBe(43001);
  });

  it("a code of another app is 40029 for this one", async () => {
    const other = sandbox.addApp();
    const { openid } = sandbox.users.add({ appId: other.appId });
    const code = sandbox.codes.issue(openid, { appId: other.appId });
    expect((await session(code)).json.errcode).toBe(40029);
    const own = await call(sandbox, PATHS.code2Session, {
      query: { appid: other.appId, secret: other.appSecret, js_code: code, grant_type: "authorization_code" },
    });
    expect(own.json.openid).toBe(openid);
    expect(() => sandbox.codes.issue(openid)).not.toThrow(); // known user: issued for its own app
    expect(() => sandbox.codes.issue(openid, { appId: sandbox.demoApp.appId })).toThrow(/belongs to app/);
  });

  it("more than 100 logins per user per minute answer 45011 without consuming the code", async () => {
    const { openid } = sandbox.users.add();
    for (let i = 0; i < 100; i++) expect((await session(sandbox.codes.issue(openid))).json.openid).toBe(openid);
    const code = sandbox.codes.issue(openid);
    expect((await session(code)).json.errcode).toBe(45011);
    sandbox.clock.advance(60_001);
    expect((await session(code)).json.openid).toBe(openid);
  });
});

describe("getuserphonenumber", () => {
  it("answers phone_info with a watermark; the code works once", async () => {
    const accessToken = await token(sandbox);
    const { openid } = sandbox.users.add();
    const code = sandbox.users.phoneCode(openid, "13800138000");
    const res = await business(sandbox, PATHS.getPhoneNumber, accessToken, { code });
    expect(res.json).toEqual({
      errcode: 0,
      errmsg: "ok",
      phone_info: {
        phoneNumber: "13800138000",
        purePhoneNumber: "13800138000",
        countryCode: 86,
        watermark: { timestamp: expect.any(Number), appid: sandbox.demoApp.appId },
      },
    });
    expect((await business(sandbox, PATHS.getPhoneNumber, accessToken, { code })).json.errcode).toBe(40029);
  });

  it("international numbers, errors: code in the query only, unknown, expired, another app's", async () => {
    const accessToken = await token(sandbox);
    const { openid } = sandbox.users.add();
    const intl = sandbox.users.phoneCode(openid, { countryCode: "852", purePhoneNumber: "51234567" });
    expect((await business(sandbox, PATHS.getPhoneNumber, accessToken, { code: intl })).json.phone_info.phoneNumber).toBe("+85251234567");

    const code = sandbox.users.phoneCode(openid, "13800138000");
    const inQuery = await call(sandbox, PATHS.getPhoneNumber, { query: { access_token: accessToken, code }, body: {} });
    expect(inQuery.json.errcode).toBe(41008);
    expect((await business(sandbox, PATHS.getPhoneNumber, accessToken, { code: "f".repeat(64) })).json.errcode).toBe(40029);
    sandbox.clock.advance(300_000);
    expect((await business(sandbox, PATHS.getPhoneNumber, accessToken, { code })).json.errcode).toBe(40029);

    const other = sandbox.addApp();
    const foreign = sandbox.users.phoneCode(sandbox.users.add({ appId: other.appId }).openid, "13900139000");
    expect((await business(sandbox, PATHS.getPhoneNumber, await token(sandbox), { code: foreign })).json.errcode).toBe(40013);
    expect(() => sandbox.users.phoneCode(openid, "not a phone")).toThrow(/invalid phone/);
  });
});
