import { SandboxServer } from "./sandbox.js";
import type { KingdeeSandbox, KingdeeSandboxOptions } from "./types.js";

export type {
  CallFilter,
  DataOptions,
  FaultMatch,
  FaultSpec,
  KingdeeSandbox,
  KingdeeSandboxOptions,
  RateLimitSpec,
  RowsOptions,
  SandboxCalls,
  SandboxClock,
  SandboxCredentials,
  SandboxData,
  SandboxFaults,
  SandboxResource,
  SandboxTenantSpec,
} from "./types.js";
export { DEFAULT_PROTOCOL, GATEWAY_ERRORS, BUSINESS_ERRORS, IDC_DOMAINS, SIGNAL_VARIANTS, type SandboxProtocol, type SignalName } from "./protocol.js";
export { RESOURCES, DEFAULT_COUNTS, type ResourceInfo } from "./resources.js";
export {
  canonicalQuery,
  canonicalString,
  expectedAppSignature,
  expectedSignature,
  gwEncode,
  hmacHexBase64,
  javaUrlEncode,
  type CanonicalInput,
} from "./signing.js";

/** Starts a local Kingdee JDY gateway stand-in on 127.0.0.1 (random port by default). */
export async function startKingdeeSandbox(options: KingdeeSandboxOptions = {}): Promise<KingdeeSandbox> {
  const sandbox = new SandboxServer(options);
  await sandbox.listen();
  return sandbox;
}
