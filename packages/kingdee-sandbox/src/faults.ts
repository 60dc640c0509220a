import { validateFaultBase, type Reply, type SandboxRequest } from "@erpbridge/sandbox-kit";
import { SIGNAL_VARIANTS, type SignalVariant } from "./protocol.js";
import { htmlPage, json, type Envelopes } from "./replies.js";
import type { FaultMatch, FaultSpec, RateLimitSpec } from "./types.js";

const KINDS = new Set(["http_error", "latency", "malformed_json", "timestamp_error", "business_error", "signal"]);

/** Validates a fault (also used for bodies of `POST /__sandbox/faults`). Throws on nonsense. */
export function validateFault(input: unknown): FaultSpec {
  const spec = validateFaultBase(input, KINDS);
  if (spec.match !== undefined && (typeof spec.match !== "object" || spec.match === null)) {
    throw new Error("fault.match must be an object");
  }
  if (spec.kind === "http_error" && spec.status !== undefined && ![500, 502, 503].includes(Number(spec.status))) {
    throw new Error("http_error.status must be 500, 502 or 503");
  }
  if (spec.kind === "signal") {
    const variants = (SIGNAL_VARIANTS as Record<string, Record<string, unknown>>)[String(spec.signal)];
    if (!variants) throw new Error(`unknown signal: ${String(spec.signal)} (one of ${Object.keys(SIGNAL_VARIANTS).join(", ")})`);
    if (!(String(spec.variant) in variants)) {
      throw new Error(`unknown ${String(spec.signal)} variant: ${String(spec.variant)} (one of ${Object.keys(variants).join(", ")})`);
    }
  }
  if (spec.kind === "business_error" && (typeof spec.errcode !== "number" || typeof spec.description !== "string")) {
    throw new Error("business_error needs errcode (number) and description (string)");
  }
  return spec as unknown as FaultSpec;
}

/** A fault's `match`: every listed query parameter has that value. */
export function matchesQuery(spec: FaultSpec, req: SandboxRequest): boolean {
  const match: FaultMatch | undefined = spec.match;
  if (!match) return true;
  for (const [key, value] of Object.entries(match)) {
    if (!(req.query.get(key) ?? []).includes(String(value))) return false;
  }
  return true;
}

/** Business errors are decided after the request authenticated and routed (answered as HTTP 200 envelopes). */
export const isBusinessFault = (spec: FaultSpec): boolean => spec.kind === "business_error";

/** The kit's rule plus how the gateway answers when over it. */
export function validateRateLimitMode(spec: RateLimitSpec): RateLimitSpec {
  if (spec.mode !== undefined && spec.mode !== "errcode" && spec.mode !== "http429") throw new Error("rateLimit.mode must be errcode or http429");
  return spec;
}

/** The answer of a gateway-level fault, as the real gateway words it. */
export function faultReply(envelopes: Envelopes, fault: FaultSpec, ts: string): Reply {
  switch (fault.kind) {
    case "http_error": {
      const status = fault.status ?? 500;
      if (status === 503) return envelopes.gatewayError("unavailable", "", status);
      return envelopes.gatewayError("internal", status === 502 ? " (Bad Gateway)" : "", status);
    }
    case "malformed_json":
      return { ...json(200, null, -1), body: `{"errcode":0,"description":"success","data":{"count":1,"rows":[{"id":"` };
    case "timestamp_error":
      return envelopes.gatewayError("timestampInvalid", `: ${ts}`);
    case "business_error":
      return envelopes.business(fault.errcode, fault.description);
    case "latency":
      return envelopes.gatewayError("internal");
    case "signal":
      return signalReply(envelopes, (SIGNAL_VARIANTS as Record<string, Record<string, SignalVariant>>)[fault.signal]![fault.variant]!, ts);
  }
}

function signalReply(envelopes: Envelopes, variant: SignalVariant, ts: string): Reply {
  if (variant.gateway) return envelopes.gatewayError(variant.gateway, variant.gateway === "timestampInvalid" ? `: ${ts}` : "");
  if (variant.html) return htmlPage(variant.http!, `${variant.http} ${variant.description}`);
  if (variant.body !== undefined) return envelopes.business(variant.body, variant.description ?? "");
  return json(variant.http!, { description: variant.description });
}
