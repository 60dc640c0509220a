import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startWechatSandbox } from "../src/index.js";
import { PATHS, business, token } from "./helpers.js";

const sandbox = await startWechatSandbox({ pages: ["pages/index/index", "pages/delivery/detail"] });
afterAll(() => sandbox.stop());
let accessToken = "";
beforeAll(async () => {
  accessToken = await token(sandbox);
});
beforeEach(() => sandbox.messages.clear());

const TEMPLATE = "OrderShipped-Tmpl-01";
sandbox.templates.add(TEMPLATE, ["character_string1", "thing2", "amount3", "date4"], { title: "发货通知" });
const goodData = {
  character_string1: { value: "SO-2025-0001" },
  thing2: { value: "两箱矿泉水" },
  amount3: { value: "¥128.50" },
  date4: { value: "2025-01-02 ~ 2025-01-03" },
};
const send = (body: Record<string, unknown>) => business(sandbox, PATHS.subscribeSend, accessToken, { template_id: TEMPLATE, data: goodData, ...body });

describe("subscribeMessage.send", () => {
  it("one consent credit per send; no credit is 43101; sent messages are recorded", async () => {
    const { openid } = sandbox.users.add();
    expect((await send({ touser: openid })).json.errcode).toBe(43101);
    expect(sandbox.consent.grant(openid, TEMPLATE, 2)).toBe(2);
    expect((await send({ touser: openid, page: "pages/delivery/detail?id=1" })).json).toEqual({ errcode: 0, errmsg: "ok" });
    expect((await send({ touser: openid, miniprogram_state: "trial", lang: "en_US" })).json.errcode).toBe(0);
    expect(sandbox.consent.remaining(openid, TEMPLATE)).toBe(0);
    expect((await send({ touser: openid })).json.errcode).toBe(43101);
    const sent = sandbox.messages.sent({ touser: openid });
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({ touser: openid, templateId: TEMPLATE, page: "pages/delivery/detail?id=1", miniprogramState: "formal", lang: "zh_CN" });
    expect(sent[0]!.data).toEqual(goodData);
    expect(sent[1]).toMatchObject({ miniprogramState: "trial", lang: "en_US" });
    expect(sent[1]).not.toHaveProperty("page");
  });

  it("revoke (user unsubscribed) drops the credits", async () => {
    const { openid } = sandbox.users.add();
    sandbox.consent.grant(openid, TEMPLATE, 3);
    sandbox.consent.revoke(openid, TEMPLATE);
    expect((await send({ touser: openid })).json.errcode).toBe(43101);
  });

  it("40003 bad touser, 40037 bad template, 40097 bad state/lang — none consumes a credit", async () => {
    const { openid } = sandbox.users.add();
    sandbox.consent.grant(openid, TEMPLATE, 1);
    expect((await send({ touser: "" })).json.errcode).toBe(40003);
    expect((await send({ touser: "oNobody" })).json.errcode).toBe(40003);
    expect((await send({ touser: openid, template_id: "missing" })).json.errcode).toBe(40037);
    expect((await send({ touser: openid, miniprogram_state: "beta" })).json.errcode).toBe(40097);
    expect((await send({ touser: openid, lang: "fr_FR" })).json.errcode).toBe(40097);
    expect(sandbox.consent.remaining(openid, TEMPLATE)).toBe(1);
  });

  it("page must be released when formal (41030); developer/trial skip the check", async () => {
    const { openid } = sandbox.users.add();
    sandbox.consent.grant(openid, TEMPLATE, 2);
    expect((await send({ touser: openid, page: "pages/nope/index" })).json.errcode).toBe(41030);
    expect((await send({ touser: openid, page: "pages/nope/index", miniprogram_state: "developer" })).json.errcode).toBe(0);
    sandbox.pages.add("pages/nope/index");
    expect((await send({ touser: openid, page: "pages/nope/index?x=1" })).json.errcode).toBe(0);
  });

  it("data shape and value rules → 47003 naming the key", async () => {
    const { openid } = sandbox.users.add();
    sandbox.consent.grant(openid, TEMPLATE, 1);
    const bad: Array<[unknown, string]> = [
      [[], "data"],
      [{ ...goodData, thing2: "plain string" }, "data.thing2"],
      [{ ...goodData, thing2: { value: "" } }, "data.thing2"],
      [{ ...goodData, thing2: { value: "一二三四五六七八九十一二三四五六七八九十一" } }, "data.thing2"],
      [{ ...goodData, character_string1: { value: "has space" } }, "data.character_string1"],
      [{ ...goodData, amount3: { value: "¥12345678901" } }, "data.amount3"],
      [{ ...goodData, date4: { value: "tomorrow" } }, "data.date4"],
      [{ ...goodData, thing9: { value: "extra" } }, "data.thing9"],
      [{ character_string1: goodData.character_string1 }, "data.thing2"],
    ];
    for (const [data, key] of bad) {
      const res = await send({ touser: openid, data });
      expect(res.json.errcode, JSON.stringify(data)).toBe(47003);
      expect(res.json.errmsg).toContain(key);
    }
    expect(sandbox.consent.remaining(openid, TEMPLATE)).toBe(1);
    expect((await send({ touser: openid, data: { ...goodData, thing2: { value: "x".repeat(20) } } })).json.errcode).toBe(0);
  });

  it("value rules per key prefix", async () => {
    const rules = (await import("../src/index.js")).SUBSCRIBE_VALUE_RULES;
    const cases: Record<string, [string[], string[]]> = {
      number: [["42", "3.14", "-7"], ["4x", "1".repeat(33)]],
      letter: [["abcXYZ"], ["abc1", ""]],
      symbol: [["!@#", "¥"], ["abc", "!!!!!!"]],
      time: [["15:01", "2019-10-01 15:01:02", "15:01 ~ 16:00", "2019年10月1日"], ["soon", "25-1"]],
      phone_number: [["+86-138 0013 8000"], ["138a", "1".repeat(18)]],
      car_number: [["粤A8Z888", "粤A8Z88挂"], ["粤A8Z888888", "A-1"]],
      name: [["张三", "Li Lei"], ["张三3", "a".repeat(21)]],
      phrase: [["已签收"], ["已经签收完成啦", "ok"]],
    };
    for (const [prefix, [good, badValues]] of Object.entries(cases)) {
      for (const v of good) expect(rules[prefix]!.test(v), `${prefix} ${v}`).toBe(true);
      for (const v of badValues) expect(rules[prefix]!.test(v), `${prefix} ${v}`).toBe(false);
    }
  });

  it("templates belong to an app; consent needs a known template", async () => {
    const other = sandbox.addApp();
    sandbox.templates.add("OtherApp-Tmpl", ["thing1"], { appId: other.appId });
    const { openid } = sandbox.users.add();
    expect(() => sandbox.consent.grant(openid, "OtherApp-Tmpl")).toThrow(/belongs to app/);
    expect(() => sandbox.consent.grant(openid, "nope")).toThrow(/unknown templateId/);
    expect(() => sandbox.templates.add("Bad", ["value"])).toThrow(/invalid field key/);
    expect((await send({ touser: openid, template_id: "OtherApp-Tmpl", data: { thing1: { value: "x" } } })).json.errcode).toBe(40037);
    expect(sandbox.templates.list(other.appId).map((t) => t.templateId)).toEqual(["OtherApp-Tmpl"]);
  });
});
