import { readFileSync } from "node:fs";
import { startWechatSandbox, type WechatSandbox } from "@erpbridge/wechat-sandbox";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoWechatSandbox } from "../src/embedded/demo.js";
import { MINI_PROGRAM_PAGES } from "../src/mini-program-pages.js";
import { INVITE_PAGE } from "../src/routers/admin/customers.js";
import { type TestApi, startTestApi } from "./harness.js";

// admin.customers.invite with defaults, against the WeChat sandbox as the embedded demo starts it.

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function apiWith(wx: WechatSandbox) {
  const api = await startTestApi({ env: { WECHAT_APP_ID: wx.demoApp.appId, WECHAT_APP_SECRET: wx.demoApp.appSecret, WECHAT_BASE_URL: wx.url } });
  const tenantId = await api.createSandboxTenant();
  const { customer } = await api.admin.admin.customers.create.mutate({ tenantId, name: "邀请演示客户" });
  return { api, customerId: customer.id };
}

describe("the mini-program's pages", () => {
  it("are one list, equal to services/mini-program's app.json, and include the invite page", () => {
    const appJson = JSON.parse(readFileSync(new URL("../../mini-program/src/app.json", import.meta.url), "utf8")) as { pages: string[] };
    expect([...MINI_PROGRAM_PAGES]).toEqual(appJson.pages);
    expect(MINI_PROGRAM_PAGES).toContain(INVITE_PAGE);
  });
});

describe("admin.customers.invite with defaults", () => {
  let wx: WechatSandbox;
  let api: TestApi;
  let customerId: string;
  beforeAll(async () => {
    wx = await startDemoWechatSandbox();
    ({ api, customerId } = await apiWith(wx));
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await wx?.stop();
  });

  it("works against the demo's WeChat sandbox: a released-page code for the invite page", async () => {
    expect(wx.pages.list()).toEqual([...MINI_PROGRAM_PAGES]);
    const invite = await api.admin.admin.customers.invite.mutate({ customerId });
    expect(invite).toMatchObject({ customerId, page: INVITE_PAGE, allowRebind: false, qrMimeType: "image/png" });
    expect(Buffer.from(invite.qrImageBase64, "base64").subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(wx.wxacodes.generated().at(-1)).toMatchObject({ scene: invite.scene, page: INVITE_PAGE, envVersion: "release", checkPath: true });
  });
});

describe("a WeChat refusal names its cause", () => {
  let wx: WechatSandbox;
  let api: TestApi;
  let customerId: string;
  beforeAll(async () => {
    wx = await startWechatSandbox(); // released version without the mini-program's pages
    ({ api, customerId } = await apiWith(wx));
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await wx?.stop();
  });

  it("41030: BAD_GATEWAY saying the page does not exist in the released mini-program", async () => {
    const error = await api.admin.admin.customers.invite.mutate({ customerId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as { data: { code: string } }).data.code).toBe("BAD_GATEWAY");
    expect((error as Error).message).toBe(
      "WeChat mini-program code failed: page does not exist in the released mini-program (publish a version with it, or ask for a trial/develop code) (errcode 41030)",
    );
  });
});
