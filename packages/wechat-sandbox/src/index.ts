import { SandboxServer } from "./sandbox.js";
import type { WechatSandbox, WechatSandboxOptions } from "./types.js";

export type {
  CallFilter,
  FaultSpec,
  GeneratedCode,
  PhoneInput,
  RateLimitRule,
  SandboxApp,
  SandboxCalls,
  SandboxClock,
  SandboxConsent,
  SandboxCodes,
  SandboxFaults,
  SandboxMessages,
  SandboxPages,
  SandboxTemplate,
  SandboxTemplates,
  SandboxTokens,
  SandboxUser,
  SandboxUsers,
  SentMessage,
  WechatSandbox,
  WechatSandboxOptions,
} from "./types.js";
export { DEFAULT_PROTOCOL, ERRMSG, SCENE_PATTERN, SUBSCRIBE_VALUE_RULES, type SandboxProtocol } from "./protocol.js";

/** Starts a local WeChat mini-program API stand-in on 127.0.0.1 (random port by default). */
export async function startWechatSandbox(options: WechatSandboxOptions = {}): Promise<WechatSandbox> {
  const sandbox = new SandboxServer(options);
  await sandbox.listen();
  return sandbox;
}
