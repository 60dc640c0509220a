import { type WechatSandbox, type WechatSandboxOptions, startWechatSandbox } from "@erpbridge/wechat-sandbox";
import { type CallRecord, WECHAT_PROTOCOL, WechatMiniProgramClient, type WechatClientConfig } from "../src/index.js";

export const PATHS = WECHAT_PROTOCOL.paths;
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export async function sandboxWithClient(options: WechatSandboxOptions = {}) {
  const sandbox = await startWechatSandbox(options);
  const client = (overrides: Partial<WechatClientConfig> = {}) => clientFor(sandbox, overrides);
  return { sandbox, client };
}

/** A client for the sandbox's demo app with fast retries, so retry paths run in milliseconds. */
export function clientFor(sandbox: WechatSandbox, overrides: Partial<WechatClientConfig> = {}) {
  return new WechatMiniProgramClient({
    appId: sandbox.demoApp.appId,
    appSecret: sandbox.demoApp.appSecret,
    baseUrl: sandbox.url,
    timeoutMs: 5_000,
    retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 50 },
    ...overrides,
  });
}

/** A user with `n` consent credits for the demo template; returns its openid. */
export function subscriber(sandbox: WechatSandbox, n = 1): string {
  const { openid } = sandbox.users.add();
  if (n > 0) sandbox.consent.grant(openid, sandbox.demoTemplate!.templateId, n);
  return openid;
}

/** Valid data for the demo template (character_string1, thing2, time3, phrase4). */
export const deliveryData = {
  character_string1: { value: "SO-2025-0001" },
  thing2: { value: "上海仓 → 浦东门店" },
  time3: { value: "2025-01-02 15:30" },
  phrase4: { value: "已签收" },
};

/** Records every onCall record, for assertions. */
export function callRecorder() {
  const calls: CallRecord[] = [];
  return { calls, onCall: (call: CallRecord) => void calls.push(call) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
