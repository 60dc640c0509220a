export { SandboxKit, type SandboxKitOptions } from "./kit.js";
export { CallLog, type CallFilter, type SandboxCalls } from "./calls.js";
export { Clock, type SandboxClock } from "./clock.js";
export { ControlRoutes, type ControlHandler, type ControlInput } from "./control.js";
export { FaultBox, validateFaultBase, type ActiveFault, type FaultBase, type FaultBoxOptions } from "./faults.js";
export { first, type Reply, type SandboxRequest } from "./http.js";
export { RateLimits, validateRateLimit, type RateLimitRule } from "./rate-limit.js";
