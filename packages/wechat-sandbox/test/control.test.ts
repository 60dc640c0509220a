import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startWechatSandbox } from "../src/index.js";
import { ERRMSG_WITH_RID, PATHS, business, call, control, stableToken, token } from "./helpers.js";

const sandbox = await startWechatSandbox();
afterAll(() => sandbox.stop());
afterEach(() => {
  sandbox.faults.clear();
  sandbox.calls.reset();
});
let accessToken = "";
beforeAll(async () => {
  accessToken = await token(sandbox);
});
const qr = () => business(sandbox, PATHS.getUnlimited, accessToken, { scene: "a=1" });

describe("faults", () => {
  it("http_error N times on a path (an HTML error page), then OK", async () => {
    sandbox.faults.inject({ kind: "http_error", status: 503, times: 2, path: PATHS.getUnlimited });
    const first = await qr();
    expect(first.status).toBe(503);
    expect(first.contentType).toContain("text/html");
    expect((await stableToken(sandbox)).status).toBe(200); // other paths untouched
    expect((await qr()).status).toBe(503);
    expect((await qr()).contentType).toBe("image/png");
    sandbox.faults.inject({ kind: "http_error", times: 1 });
    expect((await stableToken(sandbox)).status).toBe(500);
  });

  it("errcode answers 200 { errcode, errmsg } in place of the call: nothing consumed", async () => {
    const { openid } = sandbox.users.add();
    const code = sandbox.codes.issue(openid);
    sandbox.faults.inject({ kind: "errcode", errcode: 45011, times: 1, path: PATHS.code2Session });
    const q = { query: { appid: sandbox.demoApp.appId, secret: sandbox.demoApp.appSecret, js_code: code, grant_type: "authorization_code" } };
    const limited = await call(sandbox, PATHS.code2Session, q);
    expect(limited.status).toBe(200);
    expect(limited.json.errcode).toBe(45011);
    expect(limited.json.errmsg).toMatch(ERRMSG_WITH_RID);
    expect((await call(sandbox, PATHS.code2Session, q)).json.openid).toBe(openid);
    sandbox.faults.inject({ kind: "errcode", errcode: 40001, errmsg: "custom text", times: 1, path: PATHS.getUnlimited });
    expect((await qr()).json).toEqual({ errcode: 40001, errmsg: expect.stringMatching(/^custom text rid: /) });
  });

  it("malformed_json answers 200 with a body that does not parse", async () => {
    sandbox.faults.inject({ kind: "malformed_json", times: 1, path: PATHS.stableToken });
    const bad = await stableToken(sandbox);
    expect(bad.status).toBe(200);
    expect(bad.json).toBeUndefined();
    expect((await stableToken(sandbox)).json.access_token).toBeDefined();
  });

  it("latency delays matching calls (forever until cleared when times is omitted)", async () => {
    sandbox.faults.inject({ kind: "latency", ms: 150, times: 1, path: PATHS.getUnlimited });
    const t = Date.now();
    expect((await qr()).contentType).toBe("image/png");
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
    expect(sandbox.faults.list()).toEqual([]); // consumed: the next call is not delayed
    sandbox.faults.inject({ kind: "latency", ms: 100 });
    expect(sandbox.faults.list()).toEqual([{ kind: "latency", ms: 100, remaining: Number.POSITIVE_INFINITY }]);
  });

  it("expireTokens makes every issued token answer 42001", async () => {
    const mine = await token(sandbox);
    sandbox.faults.expireTokens();
    expect((await business(sandbox, PATHS.getUnlimited, mine, { scene: "a" })).json.errcode).toBe(42001);
    accessToken = await token(sandbox);
    expect(accessToken).not.toBe(mine);
  });

  it("rejects nonsense faults", () => {
    expect(() => sandbox.faults.inject({ kind: "boom" } as never)).toThrow(/unknown fault kind/);
    expect(() => sandbox.faults.inject({ kind: "errcode", times: 1 } as never)).toThrow(/errcode/);
    expect(() => sandbox.faults.inject({ kind: "http_error", status: 404, times: 1 } as never)).toThrow(/status/);
  });
});

describe("calls", () => {
  it("counts every API request on arrival, faults included, control routes excluded", async () => {
    sandbox.faults.inject({ kind: "http_error", times: 1, path: PATHS.getUnlimited });
    await qr();
    await qr();
    await stableToken(sandbox);
    await control(sandbox, "GET", "/__sandbox/health");
    expect(sandbox.calls.count()).toBe(3);
    expect(sandbox.calls.count(PATHS.getUnlimited)).toBe(2);
    expect(sandbox.calls.byPath()).toEqual({ [PATHS.getUnlimited]: 2, [PATHS.stableToken]: 1 });
    expect(sandbox.calls.times(PATHS.getUnlimited)).toHaveLength(2);
    sandbox.calls.reset();
    expect(sandbox.calls.count()).toBe(0);
  });

  it("counts per app (its appid or its token's app); a per-minute rate limit per app answers 45011 without running the call", async () => {
    const appId = sandbox.demoApp.appId;
    const other = sandbox.addApp();
    sandbox.faults.rateLimit({ perMinute: 2, account: appId });
    expect((await qr()).contentType).toBe("image/png");
    expect((await qr()).contentType).toBe("image/png");
    const limited = await qr();
    expect(limited.json.errcode).toBe(45011);
    expect(limited.json.errmsg).toMatch(ERRMSG_WITH_RID);
    const classic = { query: { grant_type: "client_credential", appid: other.appId, secret: other.appSecret } };
    for (let i = 0; i < 3; i++) expect((await call(sandbox, PATHS.classicToken, classic)).json.access_token).toBeDefined();
    expect(sandbox.calls.byAccount()).toEqual({ [appId]: 3, [other.appId]: 3 });
    expect(sandbox.calls.maxInWindow({ account: appId })).toBe(3);
    expect((await control(sandbox, "GET", "/__sandbox/faults")).rateLimits).toEqual([{ perMinute: 2, account: appId }]);
    sandbox.clock.advance(60_001);
    expect((await qr()).contentType).toBe("image/png");
  });

  it("unknown paths are 404; wrong methods 43001/43002", async () => {
    expect((await call(sandbox, "/cgi-bin/nope")).status).toBe(404);
    expect((await call(sandbox, PATHS.getUnlimited, { method: "GET", query: { access_token: accessToken } })).json.errcode).toBe(43002);
  });
});

describe("control routes", () => {
  it("drive a whole login + consent + send + assert flow from another process", async () => {
    expect(await control(sandbox, "GET", "/__sandbox/health")).toMatchObject({ status: 200, ok: true, url: sandbox.url, demoApp: sandbox.demoApp });
    const user = await control(sandbox, "POST", "/__sandbox/users", {});
    expect(user.openid).toMatch(/^o[A-Za-z0-9_-]{27}$/);
    const { unionid } = await control(sandbox, "POST", "/__sandbox/users/link", { openid: user.openid });
    const { code } = await control(sandbox, "POST", "/__sandbox/codes", { openid: user.openid });
    const login = await call(sandbox, PATHS.code2Session, {
      query: { appid: sandbox.demoApp.appId, secret: sandbox.demoApp.appSecret, js_code: code, grant_type: "authorization_code" },
    });
    expect(login.json).toMatchObject({ openid: user.openid, unionid });

    const template = await control(sandbox, "POST", "/__sandbox/templates", { templateId: "Ctl-Tmpl", fieldKeys: ["thing1"] });
    expect(template).toMatchObject({ templateId: "Ctl-Tmpl", appId: sandbox.demoApp.appId });
    expect((await control(sandbox, "POST", "/__sandbox/consent", { openid: user.openid, templateId: "Ctl-Tmpl", n: 2 })).remaining).toBe(2);
    const sent = await business(sandbox, PATHS.subscribeSend, accessToken, { touser: user.openid, template_id: "Ctl-Tmpl", data: { thing1: { value: "到货" } } });
    expect(sent.json.errcode).toBe(0);
    expect((await control(sandbox, "GET", `/__sandbox/consent?openid=${user.openid}&templateId=Ctl-Tmpl`)).remaining).toBe(1);
    const { messages } = await control(sandbox, "GET", `/__sandbox/messages?touser=${user.openid}`);
    expect(messages).toEqual([expect.objectContaining({ touser: user.openid, templateId: "Ctl-Tmpl", data: { thing1: { value: "到货" } } })]);
    await control(sandbox, "POST", "/__sandbox/consent/revoke", { openid: user.openid, templateId: "Ctl-Tmpl" });
    expect((await control(sandbox, "GET", `/__sandbox/consent?openid=${user.openid}&templateId=Ctl-Tmpl`)).remaining).toBe(0);
    await control(sandbox, "POST", "/__sandbox/messages/clear");
    expect((await control(sandbox, "GET", "/__sandbox/messages")).messages).toEqual([]);

    const phone = await control(sandbox, "POST", "/__sandbox/phone-codes", { openid: user.openid, phone: "+1 2025550123" });
    const info = await business(sandbox, PATHS.getPhoneNumber, accessToken, { code: phone.code });
    expect(info.json.phone_info).toMatchObject({ purePhoneNumber: "2025550123", countryCode: 1 });
  });

  it("faults, calls, pages, tokens, apps and the clock over HTTP", async () => {
    expect((await control(sandbox, "POST", "/__sandbox/faults", { kind: "http_error", times: 1, path: PATHS.getUnlimited })).faults).toHaveLength(1);
    expect((await control(sandbox, "GET", "/__sandbox/faults")).faults).toEqual([{ kind: "http_error", times: 1, path: PATHS.getUnlimited, remaining: 1 }]);
    expect((await qr()).status).toBe(500);
    expect(await control(sandbox, "GET", `/__sandbox/calls?path=${PATHS.getUnlimited}`)).toMatchObject({ count: 1, path: PATHS.getUnlimited });
    await control(sandbox, "POST", "/__sandbox/calls/reset");
    expect((await control(sandbox, "GET", "/__sandbox/calls")).count).toBe(0);
    await control(sandbox, "POST", "/__sandbox/faults", { kind: "errcode", errcode: 45009, times: 5 });
    await control(sandbox, "POST", "/__sandbox/faults", { clear: true });
    expect(sandbox.faults.list()).toEqual([]);
    await control(sandbox, "POST", "/__sandbox/faults", { expireTokens: true });
    expect((await qr()).json.errcode).toBe(42001);
    accessToken = await token(sandbox);

    expect((await control(sandbox, "POST", "/__sandbox/pages", { page: "pages/new/index" })).pages).toContain("pages/new/index");
    expect((await control(sandbox, "POST", "/__sandbox/pages", { page: "/bad" })).status).toBe(400);
    expect((await control(sandbox, "GET", "/__sandbox/tokens")).stableIssued).toBeGreaterThanOrEqual(2);
    const app = await control(sandbox, "POST", "/__sandbox/apps", { appId: "wxcontrol000000001" });
    expect(app).toMatchObject({ appId: "wxcontrol000000001", appSecret: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect((await control(sandbox, "GET", "/__sandbox/apps")).apps.map((a: { appId: string }) => a.appId)).toContain("wxcontrol000000001");
    const before = sandbox.clock.now();
    const { now } = await control(sandbox, "POST", "/__sandbox/clock/advance", { ms: 60_000 });
    expect(now - before).toBeGreaterThanOrEqual(60_000);
    expect((await control(sandbox, "GET", "/__sandbox/wxacodes")).generated.length).toBeGreaterThanOrEqual(0);
  });

  it("bad input answers 400 { error }", async () => {
    expect(await control(sandbox, "POST", "/__sandbox/faults", { kind: "nope" })).toMatchObject({ status: 400, error: expect.stringContaining("unknown fault kind") });
    expect(await control(sandbox, "POST", "/__sandbox/consent", { openid: "o1", templateId: "missing" })).toMatchObject({ status: 400 });
    expect(await control(sandbox, "POST", "/__sandbox/codes", {})).toMatchObject({ status: 400, error: "openid is required" });
    expect((await control(sandbox, "GET", "/__sandbox/nope")).status).toBe(404);
    const raw = await fetch(`${sandbox.url}/__sandbox/faults`, { method: "POST", body: "{" });
    expect(raw.status).toBe(400);
  });

  it("the demo app and template are ready; apps can be configured", async () => {
    expect(sandbox.demoApp.appId).toMatch(/^wx[0-9a-f]{16}$/);
    expect(sandbox.demoTemplate?.fieldKeys).toEqual(["character_string1", "thing2", "time3", "phrase4"]);
    const custom = await startWechatSandbox({ apps: [{ appId: "wxcustom", appSecret: "secret-1" }], templates: [{ templateId: "T1", fieldKeys: ["thing1"] }] });
    try {
      expect(custom.demoApp).toEqual({ appId: "wxcustom", appSecret: "secret-1" });
      expect(custom.demoTemplate).toBeUndefined();
      expect(custom.templates.list()).toEqual([{ templateId: "T1", appId: "wxcustom", fieldKeys: ["thing1"] }]);
      expect((await stableToken(custom)).json.access_token).toBeDefined();
    } finally {
      await custom.stop();
    }
  });

  it("logs paths only, never the query (tokens and secrets)", async () => {
    const lines: string[] = [];
    const logged = await startWechatSandbox({ logger: (line) => lines.push(line) });
    try {
      const t = await token(logged);
      await business(logged, PATHS.getUnlimited, t, { scene: "a" });
      const text = lines.join("\n");
      expect(text).toContain(PATHS.getUnlimited);
      expect(text).not.toContain(t);
      expect(text).not.toContain(logged.demoApp.appSecret);
    } finally {
      await logged.stop();
    }
  });
});
