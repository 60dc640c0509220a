import type { FaultSpec } from "./types.js";

interface Active {
  spec: FaultSpec;
  remaining: number;
}

const KINDS = new Set(["http_error", "errcode", "latency", "malformed_json"]);

/** Validates a fault (also used for bodies of `POST /__sandbox/faults`). Throws on nonsense. */
export function validateFault(input: unknown): FaultSpec {
  if (!input || typeof input !== "object") throw new Error("fault must be an object");
  const spec = input as Record<string, unknown>;
  if (!KINDS.has(String(spec.kind))) throw new Error(`unknown fault kind: ${String(spec.kind)}`);
  const times = spec.times;
  if (spec.kind !== "latency" || times !== undefined) {
    if (typeof times !== "number" || !(times >= 0)) throw new Error("fault.times must be a number >= 0");
  }
  if (spec.path !== undefined && typeof spec.path !== "string") throw new Error("fault.path must be a string");
  if (spec.kind === "latency" && (typeof spec.ms !== "number" || spec.ms < 0)) throw new Error("latency.ms must be >= 0");
  if (spec.kind === "http_error" && spec.status !== undefined && ![500, 502, 503, 504].includes(Number(spec.status))) {
    throw new Error("http_error.status must be 500, 502, 503 or 504");
  }
  if (spec.kind === "errcode" && (typeof spec.errcode !== "number" || spec.errcode === 0)) {
    throw new Error("errcode fault needs a non-zero errcode (number)");
  }
  if (spec.errmsg !== undefined && typeof spec.errmsg !== "string") throw new Error("fault.errmsg must be a string");
  return spec as unknown as FaultSpec;
}

/** Injected faults, consumed in insertion order. */
export class FaultBox {
  #active: Active[] = [];

  inject(spec: FaultSpec): void {
    const valid = validateFault(spec);
    const times = valid.kind === "latency" ? (valid.times ?? Number.POSITIVE_INFINITY) : valid.times;
    if (times > 0) this.#active.push({ spec: { ...valid }, remaining: times });
  }

  clear(): void {
    this.#active = [];
  }

  list(): Array<FaultSpec & { remaining: number }> {
    return this.#active.map((a) => ({ ...a.spec, remaining: a.remaining }));
  }

  get empty(): boolean {
    return this.#active.length === 0;
  }

  #take(a: Active): void {
    a.remaining--;
    if (a.remaining <= 0) this.#active = this.#active.filter((x) => x !== a);
  }

  /** Decided right after the call is counted: total latency and the first terminal fault. */
  take(path: string): { delayMs: number; fault?: FaultSpec } {
    let delayMs = 0;
    let fault: FaultSpec | undefined;
    for (const a of [...this.#active]) {
      if (a.spec.path !== undefined && a.spec.path !== path) continue;
      if (a.spec.kind === "latency") {
        delayMs += a.spec.ms;
        this.#take(a);
      } else if (!fault) {
        fault = a.spec;
        this.#take(a);
      }
    }
    return { delayMs, fault };
  }
}
