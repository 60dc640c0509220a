import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@erpbridge/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoWechatSandbox, startApi, startDemoWechat, type TestApi } from "./api.js";
import { runCli } from "./run-cli.js";

// customer:invite against the real API with the embedded demo's WeChat sandbox.

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let wx: DemoWechatSandbox;
let api: TestApi;
let ADMIN_TOKEN: string;
let work: string;
let customerId: string;
const admin = (...args: string[]) => runCli(args, { ERPBRIDGE_URL: api.url, ADMIN_TOKEN, INIT_CWD: work });

beforeAll(async () => {
  wx = await startDemoWechat();
  ({ api, adminToken: ADMIN_TOKEN } = await startApi({
    env: { WECHAT_APP_ID: wx.demoApp.appId, WECHAT_APP_SECRET: wx.demoApp.appSecret, WECHAT_BASE_URL: wx.url },
  }));
  work = mkdtempSync(join(tmpdir(), "erpbridge-admin-cli-invite-"));
  const client = createClient({ url: api.url, getToken: () => ADMIN_TOKEN });
  const demo = api.sandbox.demoTenant;
  const { tenant } = await client.admin.tenant.upsert.mutate({ name: "Sandbox demo", ...demo, baseUrl: api.sandbox.url });
  ({
    customer: { id: customerId },
  } = await client.admin.customers.create.mutate({ tenantId: tenant.id, name: "邀请客户" }));
}, 60_000);
afterAll(async () => {
  await api?.close();
  await wx?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("customer:invite", () => {
  it("with defaults: prints page, expiry and rebind, writes the mini-program code (exit 0)", async () => {
    const result = await admin("customer:invite", "--customer", customerId, "--out", "invite.png");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`invite for customer ${customerId}\npage: pages/login/index\n`);
    expect(result.stdout).toMatch(/^expires: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z \(in .+\)$/m);
    expect(result.stdout).toContain("rebind: not allowed");
    const file = join(work, "invite.png");
    expect(result.stdout).toContain(`code: wrote ${file} (`);
    expect(readFileSync(file).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(wx.wxacodes.generated().at(-1)).toMatchObject({ page: "pages/login/index", envVersion: "release" });
    expect(result.stdout + result.stderr).not.toContain(ADMIN_TOKEN);
  });

  it("--allow-rebind --env-version trial, no --out", async () => {
    const result = await admin("customer:invite", "-c", customerId, "--allow-rebind", "--env-version", "trial");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("rebind: allowed");
    expect(result.stdout).toContain("code: not written (pass --out invite.png to save the mini-program code)");
    expect(wx.wxacodes.generated().at(-1)).toMatchObject({ envVersion: "trial" });
  });

  it("an unknown customer is NOT_FOUND (exit 1)", async () => {
    const result = await admin("customer:invite", "--customer", "00000000-0000-4000-8000-000000000000");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error: NOT_FOUND: customer not found\n");
  });
});
