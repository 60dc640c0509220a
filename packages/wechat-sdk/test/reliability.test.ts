import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { WechatError, WechatMiniProgramClient, classifyFailure } from "../src/index.js";
import { PATHS, PNG_SIGNATURE, callRecorder, clientFor, deliveryData, sandboxWithClient, subscriber } from "./helpers.js";

const { sandbox, client } = await sandboxWithClient();
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.faults.clear();
  sandbox.calls.reset();
  sandbox.messages.clear();
});

const png = (wechat = client()) => wechat.wxacode.getUnlimited({ scene: "id=42" });
const send = (wechat = client(), openid = subscriber(sandbox)) =>
  wechat.subscribeMessage.send({ touser: openid, templateId: sandbox.demoTemplate!.templateId, data: deliveryData });

describe("idempotent calls (getUnlimited, stable_token normal mode) are retried with backoff", () => {
  it("5xx is retried until it succeeds", async () => {
    sandbox.faults.inject({ kind: "http_error", status: 502, times: 2, path: PATHS.getUnlimited });
    const bytes = await png();
    expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(sandbox.calls.count(PATHS.getUnlimited)).toBe(3);
  });

  it("gives up after 3 retries with a retryable network error", async () => {
    sandbox.faults.inject({ kind: "http_error", status: 500, times: 10, path: PATHS.getUnlimited });
    const error = await png().catch((e) => e);
    expect(error).toBeInstanceOf(WechatError);
    expect(error).toMatchObject({ category: "network", status: 500, retryable: true, endpoint: PATHS.getUnlimited });
    expect(sandbox.calls.count(PATHS.getUnlimited)).toBe(4);
  });

  it("-1 system busy, malformed JSON and timeouts are retried", async () => {
    sandbox.faults.inject({ kind: "errcode", errcode: -1, times: 1, path: PATHS.getUnlimited });
    sandbox.faults.inject({ kind: "malformed_json", times: 1, path: PATHS.getUnlimited });
    await png();
    expect(sandbox.calls.count(PATHS.getUnlimited)).toBe(3);
    sandbox.calls.reset();
    const wechat = client({ timeoutMs: 500 });
    await wechat.token.get();
    sandbox.faults.inject({ kind: "latency", ms: 1_500, times: 1, path: PATHS.getUnlimited });
    await png(wechat);
    expect(sandbox.calls.count(PATHS.getUnlimited)).toBe(2);
  });

  it("the token endpoint itself is retried on 5xx (normal mode is idempotent)", async () => {
    sandbox.faults.inject({ kind: "http_error", status: 503, times: 1, path: PATHS.stableToken });
    await png();
    expect(sandbox.calls.count(PATHS.stableToken)).toBe(2);
  });

  it("the per-minute rate limit (45011) backs off and retries", async () => {
    sandbox.faults.inject({ kind: "errcode", errcode: 45011, times: 2, path: PATHS.getUnlimited });
    const { calls, onCall } = callRecorder();
    const started = performance.now();
    await png(client({ onCall }));
    expect(sandbox.calls.count(PATHS.getUnlimited)).toBe(3);
    expect(calls.filter((c) => c.endpoint === PATHS.getUnlimited).map((c) => c.errcode)).toEqual([45011, 45011, undefined]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(10); // at least one base step per rate-limit retry
  });

  it("the daily quota (45009) is not retried: one call, a rate_limit error that says why", async () => {
    sandbox.faults.inject({ kind: "errcode", errcode: 45009, times: 5, path: PATHS.getUnlimited });
    const error = await png().catch((e) => e);
    expect(error).toMatchObject({ category: "rate_limit", errcode: 45009, retryable: false });
    expect(error.message).toContain("daily quota");
    expect(sandbox.calls.count(PATHS.getUnlimited)).toBe(1);
  });

  it("errors name the cause of a known errcode (41030: the page is not released)", async () => {
    const error = await client().wxacode.getUnlimited({ scene: "id=1", page: "pages/not/released" }).catch((e) => e);
    expect(error).toMatchObject({ errcode: 41030, category: "validation", explanation: expect.stringContaining("page does not exist in the released mini-program") });
    expect(error.message).toContain("page does not exist in the released mini-program");
  });
});

describe("writes (subscribe send) are never resent blindly", () => {
  it("a 5xx fails at once, marked not retryable, with an unknown outcome", async () => {
    sandbox.faults.inject({ kind: "http_error", status: 502, times: 1, path: PATHS.subscribeSend });
    const error = await send().catch((e) => e);
    expect(error).toMatchObject({ category: "network", status: 502, retryable: false, method: "POST" });
    expect(error.message).toContain("outcome unknown");
    expect(sandbox.calls.count(PATHS.subscribeSend)).toBe(1);
  });

  it("a timeout is not resent", async () => {
    const wechat = client({ timeoutMs: 500 });
    await wechat.token.get();
    sandbox.faults.inject({ kind: "latency", ms: 1_500, times: 1, path: PATHS.subscribeSend });
    const error = await send(wechat).catch((e) => e);
    expect(error).toMatchObject({ category: "timeout", retryable: false });
    expect(sandbox.calls.count(PATHS.subscribeSend)).toBe(1);
  });

  it("-1 system busy is not resent", async () => {
    sandbox.faults.inject({ kind: "errcode", errcode: -1, times: 1, path: PATHS.subscribeSend });
    await expect(send()).rejects.toMatchObject({ errcode: -1, category: "network", retryable: false });
    expect(sandbox.calls.count(PATHS.subscribeSend)).toBe(1);
  });

  it("a rate-limit refusal is retried and the message delivered once", async () => {
    const openid = subscriber(sandbox);
    sandbox.faults.inject({ kind: "errcode", errcode: 45011, times: 1, path: PATHS.subscribeSend });
    await send(client(), openid);
    expect(sandbox.calls.count(PATHS.subscribeSend)).toBe(2);
    expect(sandbox.messages.sent({ touser: openid })).toHaveLength(1);
  });
});

describe("single-use codes (code2Session, phone) are never resent once they may have arrived", () => {
  const session = (wechat = client()) => wechat.code2Session(sandbox.codes.issue(sandbox.users.add().openid));

  it.each([
    ["5xx", { kind: "http_error", status: 500, times: 1 }],
    ["-1 busy", { kind: "errcode", errcode: -1, times: 1 }],
    ["45011 minute quota", { kind: "errcode", errcode: 45011, times: 1 }],
    ["malformed JSON", { kind: "malformed_json", times: 1 }],
  ] as const)("code2Session after %s: one attempt, a typed error", async (_name, fault) => {
    sandbox.faults.inject({ ...fault, path: PATHS.code2Session });
    const error = await session().catch((e) => e);
    expect(error).toBeInstanceOf(WechatError);
    expect(error.retryable).toBe(false);
    expect(sandbox.calls.count(PATHS.code2Session)).toBe(1);
  });

  it("code2Session timeout: not resent, the message says the code may be consumed", async () => {
    sandbox.faults.inject({ kind: "latency", ms: 1_500, times: 1, path: PATHS.code2Session });
    const error = await session(client({ timeoutMs: 500 })).catch((e) => e);
    expect(error).toMatchObject({ category: "timeout", retryable: false });
    expect(error.message).toContain("new one");
    expect(sandbox.calls.count(PATHS.code2Session)).toBe(1);
  });

  it("a connection that never opened is retried even for code2Session", async () => {
    const { openid } = sandbox.users.add();
    const code = sandbox.codes.issue(openid);
    let refused = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (refused++ === 0) throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
      return fetch(input, init);
    };
    const result = await client({ fetch: flaky }).code2Session(code);
    expect(result.openid).toBe(openid);
    expect(sandbox.calls.count(PATHS.code2Session)).toBe(1);
  });

  it("getUserPhoneNumber 5xx is not resent; a rejected token is (checked before the code is used)", async () => {
    const { openid } = sandbox.users.add();
    sandbox.faults.inject({ kind: "http_error", status: 503, times: 1, path: PATHS.getPhoneNumber });
    await expect(client().getUserPhoneNumber(sandbox.users.phoneCode(openid, "13900139000"))).rejects.toMatchObject({ retryable: false });
    expect(sandbox.calls.count(PATHS.getPhoneNumber)).toBe(1);

    const wechat = client();
    await wechat.token.get();
    sandbox.faults.expireTokens();
    const phone = await wechat.getUserPhoneNumber(sandbox.users.phoneCode(openid, "13900139000"));
    expect(phone.purePhoneNumber).toBe("13900139000");
  });
});

describe("errors and call records carry no secrets", () => {
  it("no access_token, AppSecret or session_key in errors or onCall records", async () => {
    const { calls, onCall } = callRecorder();
    const wechat = client({ onCall });
    const { openid } = sandbox.users.add();
    const session = await wechat.code2Session(sandbox.codes.issue(openid));
    const tokens = [await wechat.token.get()];
    const errors: unknown[] = [];
    // Every failure shape: errcode, consent, HTTP error, malformed body, token rejection, image JSON error.
    sandbox.faults.inject({ kind: "errcode", errcode: 40001, errmsg: `invalid credential, access_token ${tokens[0]} is invalid`, times: 2, path: PATHS.getUnlimited });
    errors.push(await png(wechat).catch((e) => e));
    tokens.push(await wechat.token.get());
    errors.push(await send(wechat, sandbox.users.add().openid).catch((e) => e));
    sandbox.faults.inject({ kind: "http_error", times: 1, path: PATHS.subscribeSend });
    errors.push(await send(wechat).catch((e) => e));
    sandbox.faults.inject({ kind: "malformed_json", times: 1, path: PATHS.getPhoneNumber });
    errors.push(await wechat.getUserPhoneNumber("x".repeat(64)).catch((e) => e));
    errors.push(await wechat.wxacode.getUnlimited({ scene: "%" }).catch((e) => e));
    errors.push(await wechat.code2Session(sandbox.codes.issue(openid)).then(() => undefined));
    errors.push(await new WechatMiniProgramClient({ ...wechat.config, appSecret: sandbox.demoApp.appSecret, onCall }).code2Session("bad").catch((e) => e));

    expect(errors.filter((e) => e instanceof WechatError).length).toBeGreaterThanOrEqual(6);
    expect(calls.length).toBeGreaterThan(8);
    const text = [
      ...errors.map((e) => (e instanceof Error ? `${e.message} ${JSON.stringify(e)} ${e.stack}` : "")),
      JSON.stringify(calls),
      JSON.stringify(wechat.config),
    ].join("\n");
    for (const secret of [...tokens, sandbox.demoApp.appSecret, session.sessionKey]) expect(text).not.toContain(secret);
    expect(text).not.toContain("access_token=");
    expect(calls.every((c) => c.endpoint.startsWith("/") && !c.endpoint.includes("?"))).toBe(true);
    expect((errors[0] as WechatError).errmsg).toContain("[redacted]");
  });
});

describe("configuration", () => {
  it("construction with missing config names each missing field", () => {
    expect(() => new WechatMiniProgramClient({} as never)).toThrow(/appId is required/);
    try {
      new WechatMiniProgramClient({ appId: "wx1" } as never);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      expect(String(error)).toMatch(/appSecret is required/);
    }
    expect(() => clientFor(sandbox, { baseUrl: "not a url" })).toThrow(/baseUrl/);
    expect(() => clientFor(sandbox, { timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(() => clientFor(sandbox, { tokenRefreshWindowSeconds: "5" as never })).toThrow(/tokenRefreshWindowSeconds/);
    expect(() => clientFor(sandbox, { fetch: "nope" as never })).toThrow(/fetch must be a function/);
    expect(() => clientFor(sandbox, { tokenStore: {} as never })).toThrow(/tokenStore/);
  });

  it("config errors never echo the secret; config exposes no secret", () => {
    const secret = "s3cr3t-value-that-must-not-leak";
    try {
      new WechatMiniProgramClient({ appId: "", appSecret: secret });
    } catch (error) {
      expect(String(error)).toMatch(/appId is required/);
      expect(String(error)).not.toContain(secret);
    }
    const wechat = new WechatMiniProgramClient({ appId: "wx1", appSecret: secret });
    expect(JSON.stringify(wechat.config)).not.toContain(secret);
    expect(wechat.config).toMatchObject({ baseUrl: "https://api.weixin.qq.com", tokenRefreshWindowSeconds: 300 });
  });

  it("classifies codes in one place", () => {
    const f = { method: "POST", endpoint: PATHS.subscribeSend, status: 200 };
    expect(classifyFailure({ ...f, errcode: 43101 }, "write")).toEqual({ category: "consent", retryable: false });
    expect(classifyFailure({ ...f, errcode: 45011 }, "write")).toEqual({ category: "rate_limit", retryable: true });
    expect(classifyFailure({ ...f, errcode: 45009 }, "idempotent")).toEqual({ category: "rate_limit", retryable: false });
    expect(classifyFailure({ ...f, errcode: 45011 }, "single_use")).toEqual({ category: "rate_limit", retryable: false });
    expect(classifyFailure({ ...f, errcode: -1 }, "idempotent")).toEqual({ category: "network", retryable: true });
    expect(classifyFailure({ ...f, errcode: -1 }, "write")).toEqual({ category: "network", retryable: false });
    expect(classifyFailure({ ...f, errcode: 40163 }, "single_use")).toEqual({ category: "invalid_code", retryable: false });
  });
});
