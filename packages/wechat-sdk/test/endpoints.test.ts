import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { WechatError } from "../src/index.js";
import { PATHS, PNG_SIGNATURE, deliveryData, sandboxWithClient, sleep, subscriber } from "./helpers.js";

const { sandbox, client } = await sandboxWithClient();
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.faults.clear();
  sandbox.calls.reset();
  sandbox.messages.clear();
});

describe("code2Session", () => {
  it("exchanges a wx.login code for openid and session_key; unionid only when linked", async () => {
    const user = sandbox.users.add();
    const session = await client().code2Session(sandbox.codes.issue(user.openid));
    expect(session.openid).toBe(user.openid);
    expect(session.sessionKey).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(session).not.toHaveProperty("unionid");

    const unionid = sandbox.users.link(user.openid);
    const linked = await client().code2Session(sandbox.codes.issue(user.openid));
    expect(linked.unionid).toBe(unionid);
  });

  it("masks session_key when the result is serialised or inspected", async () => {
    const { openid } = sandbox.users.add();
    const session = await client().code2Session(sandbox.codes.issue(openid));
    expect(JSON.stringify(session)).not.toContain(session.sessionKey);
    expect(JSON.parse(JSON.stringify(session))).toEqual({ openid, sessionKey: "[redacted]" });
    expect(inspect(session)).not.toContain(session.sessionKey);
    expect({ ...session }.sessionKey).toBe(session.sessionKey);
  });

  it("a code used twice answers 40163 as an invalid_code error, sent once", async () => {
    const { openid } = sandbox.users.add();
    const code = sandbox.codes.issue(openid);
    await client().code2Session(code);
    sandbox.calls.reset();
    const error = await client().code2Session(code).catch((e) => e);
    expect(error).toBeInstanceOf(WechatError);
    expect(error).toMatchObject({ errcode: 40163, category: "invalid_code", retryable: false, endpoint: PATHS.code2Session, status: 200 });
    expect(error.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
    expect(sandbox.calls.count(PATHS.code2Session)).toBe(1);
  });

  it("an unknown code answers 40029", async () => {
    const error = await client().code2Session("081ZQ5Ga1Q4gKA0L8bIa1VZxGa1ZQ5GM").catch((e) => e);
    expect(error).toMatchObject({ errcode: 40029, category: "invalid_code" });
  });

  it("an expired code answers 40029", async () => {
    const short = await sandboxWithClient({ codeLifetimeMs: 30 });
    try {
      const { openid } = short.sandbox.users.add();
      const code = short.sandbox.codes.issue(openid);
      await sleep(60);
      const error = await short.client().code2Session(code).catch((e) => e);
      expect(error).toMatchObject({ errcode: 40029, category: "invalid_code", retryable: false });
    } finally {
      await short.sandbox.stop();
    }
  });

  it("a code past its 5 minutes (sandbox clock) answers 40029", async () => {
    const clocked = await sandboxWithClient();
    try {
      const { openid } = clocked.sandbox.users.add();
      const code = clocked.sandbox.codes.issue(openid);
      clocked.sandbox.clock.advance(300_001);
      await expect(clocked.client().code2Session(code)).rejects.toMatchObject({ errcode: 40029 });
    } finally {
      await clocked.sandbox.stop();
    }
  });

  it("a wrong secret is an authentication error naming no secret", async () => {
    const secret = "0000000000000000000000000000dead";
    const error = await client({ appSecret: secret }).code2Session(sandbox.codes.issue(sandbox.users.add().openid)).catch((e) => e);
    expect(error).toMatchObject({ errcode: 40125, category: "authentication" });
    expect(`${error.message} ${JSON.stringify(error)} ${error.stack}`).not.toContain(secret);
  });

  it("rejects an empty code before any request", async () => {
    await expect(client().code2Session("")).rejects.toThrow(/jsCode is required/);
    expect(sandbox.calls.count()).toBe(0);
  });
});

describe("subscribeMessage.send", () => {
  const templateId = () => sandbox.demoTemplate!.templateId;

  it("delivers with consent, consuming one credit, and the sandbox records it", async () => {
    const openid = subscriber(sandbox, 2);
    await client().subscribeMessage.send({ touser: openid, templateId: templateId(), page: "pages/index/index?id=7", data: deliveryData });
    expect(sandbox.consent.remaining(openid, templateId())).toBe(1);
    const [sent] = sandbox.messages.sent({ touser: openid });
    expect(sent).toMatchObject({
      touser: openid,
      templateId: templateId(),
      page: "pages/index/index?id=7",
      miniprogramState: "formal",
      lang: "zh_CN",
      data: deliveryData,
    });
  });

  it("accepts bare values as shorthand for { value }", async () => {
    const openid = subscriber(sandbox);
    await client().subscribeMessage.send({
      touser: openid,
      templateId: templateId(),
      data: { character_string1: "SO-1", thing2: "货物已送达", time3: "15:30", phrase4: "已签收" },
      miniprogramState: "developer",
      lang: "en_US",
    });
    expect(sandbox.messages.sent({ touser: openid })[0]!.data.thing2).toEqual({ value: "货物已送达" });
  });

  it("no consent credit is 43101: a typed consent error, not retried", async () => {
    const openid = subscriber(sandbox, 1);
    const wechat = client();
    await wechat.subscribeMessage.send({ touser: openid, templateId: templateId(), data: deliveryData });
    sandbox.calls.reset();
    const error = await wechat.subscribeMessage.send({ touser: openid, templateId: templateId(), data: deliveryData }).catch((e) => e);
    expect(error).toBeInstanceOf(WechatError);
    expect(error).toMatchObject({ errcode: 43101, category: "consent", retryable: false, endpoint: PATHS.subscribeSend });
    expect(sandbox.calls.count(PATHS.subscribeSend)).toBe(1);
    expect(sandbox.messages.sent({ touser: openid })).toHaveLength(1);
  });

  it("invalid data is 47003 naming the key; an unknown template is 40037; an unknown user 40003", async () => {
    const openid = subscriber(sandbox);
    const bad = await client()
      .subscribeMessage.send({ touser: openid, templateId: templateId(), data: { ...deliveryData, thing2: { value: "x".repeat(21) } } })
      .catch((e) => e);
    expect(bad).toMatchObject({ errcode: 47003, category: "validation" });
    expect(bad.errmsg).toContain("data.thing2");
    const unknownTemplate = await client().subscribeMessage.send({ touser: openid, templateId: "nope", data: deliveryData }).catch((e) => e);
    expect(unknownTemplate).toMatchObject({ errcode: 40037, category: "validation" });
    const unknownUser = await client()
      .subscribeMessage.send({ touser: "oUnknownUser000000000000000", templateId: templateId(), data: deliveryData })
      .catch((e) => e);
    expect(unknownUser).toMatchObject({ errcode: 40003 });
    expect(sandbox.consent.remaining(openid, templateId())).toBe(1);
  });
});

describe("wxacode.getUnlimited", () => {
  it("returns PNG bytes", async () => {
    const png = await client().wxacode.getUnlimited({ scene: "d=SO-2025-0001&t=1", page: "pages/index/index", width: 300 });
    expect(Buffer.isBuffer(png)).toBe(true);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(sandbox.wxacodes.generated().at(-1)).toMatchObject({ scene: "d=SO-2025-0001&t=1", page: "pages/index/index", width: 300 });
  });

  it("a JSON error answer is a typed error (bad scene characters, too long, missing page)", async () => {
    const pct = await client().wxacode.getUnlimited({ scene: "a%20b" }).catch((e) => e);
    expect(pct).toBeInstanceOf(WechatError);
    expect(pct).toMatchObject({ errcode: 40129, category: "validation", endpoint: PATHS.getUnlimited });
    await expect(client().wxacode.getUnlimited({ scene: "x".repeat(33) })).rejects.toMatchObject({ errcode: 40169 });
    await expect(client().wxacode.getUnlimited({ scene: "a=1", page: "pages/missing/index" })).rejects.toMatchObject({ errcode: 41030 });
    const unreleased = await client().wxacode.getUnlimited({ scene: "a=1", page: "pages/missing/index", checkPath: false, envVersion: "develop" });
    expect(unreleased.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  });
});

describe("getUserPhoneNumber", () => {
  it("returns phone info with a string countryCode; the code works once", async () => {
    const { openid } = sandbox.users.add();
    const code = sandbox.users.phoneCode(openid, "13800138000");
    const phone = await client().getUserPhoneNumber(code);
    expect(phone).toMatchObject({ phoneNumber: "13800138000", purePhoneNumber: "13800138000", countryCode: "86" });
    expect(phone.watermark.appid).toBe(sandbox.demoApp.appId);
    expect(phone.watermark.timestamp).toBeGreaterThan(1_600_000_000);
    await expect(client().getUserPhoneNumber(code)).rejects.toMatchObject({ errcode: 40029, category: "invalid_code" });
  });

  it("non-CN numbers carry the country code in phoneNumber", async () => {
    const { openid } = sandbox.users.add();
    const phone = await client().getUserPhoneNumber(sandbox.users.phoneCode(openid, "+1 2025550123"));
    expect(phone).toMatchObject({ phoneNumber: "+12025550123", purePhoneNumber: "2025550123", countryCode: "1" });
  });
});

describe("generic request", () => {
  it("reaches any endpoint with the token in the query", async () => {
    const answer = await client().request<{ errcode: number }>({
      method: "POST",
      path: PATHS.subscribeSend,
      body: { touser: subscriber(sandbox), template_id: sandbox.demoTemplate!.templateId, data: deliveryData },
    });
    expect(answer.errcode).toBe(0);
  });
});
