import { validateFaultBase, type Reply } from "@erpbridge/sandbox-kit";
import type { FaultSpec } from "./types.js";

const KINDS = new Set(["http_error", "errcode", "latency", "malformed_json"]);

/** Validates a fault (also used for bodies of `POST /__sandbox/faults`). Throws on nonsense. */
export function validateFault(input: unknown): FaultSpec {
  const spec = validateFaultBase(input, KINDS);
  if (spec.kind === "http_error" && spec.status !== undefined && ![500, 502, 503, 504].includes(Number(spec.status))) {
    throw new Error("http_error.status must be 500, 502, 503 or 504");
  }
  if (spec.kind === "errcode" && (typeof spec.errcode !== "number" || spec.errcode === 0)) {
    throw new Error("errcode fault needs a non-zero errcode (number)");
  }
  if (spec.errmsg !== undefined && typeof spec.errmsg !== "string") throw new Error("fault.errmsg must be a string");
  return spec as unknown as FaultSpec;
}

/** The answer of a fault, as the platform's gateway would give it. */
export function faultReply(fault: FaultSpec, error: (errcode: number, errmsg?: string) => Reply, jsonContentType: string): Reply {
  switch (fault.kind) {
    case "http_error": {
      const status = fault.status ?? 500;
      return { status, body: `<html><body><h1>${status}</h1>sandbox fault</body></html>`, contentType: "text/html; charset=utf-8" };
    }
    case "errcode":
      return error(fault.errcode, fault.errmsg);
    case "malformed_json":
      return { status: 200, body: `{"errcode":0,"errmsg":"ok","access_token":"`, contentType: jsonContentType, errcode: -1 };
    case "latency":
      return error(-1);
  }
}
