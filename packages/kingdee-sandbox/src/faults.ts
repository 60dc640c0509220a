import { SIGNAL_VARIANTS } from "./protocol.js";
import type { FaultMatch, FaultSpec, RateLimitSpec } from "./types.js";

interface Active {
  spec: FaultSpec;
  remaining: number;
}

const KINDS = new Set(["http_error", "latency", "malformed_json", "timestamp_error", "business_error", "signal"]);

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
  if (spec.match !== undefined && (typeof spec.match !== "object" || spec.match === null)) {
    throw new Error("fault.match must be an object");
  }
  if (spec.kind === "latency" && (typeof spec.ms !== "number" || spec.ms < 0)) throw new Error("latency.ms must be >= 0");
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

function matches(spec: FaultSpec, path: string, query: ReadonlyMap<string, string[]>): boolean {
  if (spec.path !== undefined && spec.path !== path) return false;
  const match: FaultMatch | undefined = spec.match;
  if (match) {
    for (const [key, value] of Object.entries(match)) {
      if (!(query.get(key) ?? []).includes(String(value))) return false;
    }
  }
  return true;
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

  /** Gateway-level faults, decided right after the call is counted: total latency and the first terminal fault. */
  before(path: string, query: ReadonlyMap<string, string[]>): { delayMs: number; fault?: FaultSpec } {
    let delayMs = 0;
    let fault: FaultSpec | undefined;
    for (const a of [...this.#active]) {
      if (a.spec.kind === "business_error" || !matches(a.spec, path, query)) continue;
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

  /** Business errors, decided after the request authenticated and routed (answered as HTTP 200 envelopes). */
  business(path: string, query: ReadonlyMap<string, string[]>): FaultSpec | undefined {
    for (const a of this.#active) {
      if (a.spec.kind !== "business_error" || !matches(a.spec, path, query)) continue;
      this.#take(a);
      return a.spec;
    }
    return undefined;
  }
}

/** Token bucket per key (tenant): `perSecond` refill, burst of `perSecond`. */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; last: number }>();
  constructor(readonly spec: RateLimitSpec) {
    if (!(spec.perSecond > 0)) throw new Error("rateLimit.perSecond must be > 0");
  }

  take(key: string, now: number): boolean {
    const cap = Math.max(1, this.spec.perSecond);
    let b = this.#buckets.get(key);
    if (!b) {
      b = { tokens: cap, last: now };
      this.#buckets.set(key, b);
    }
    b.tokens = Math.min(cap, b.tokens + ((now - b.last) * this.spec.perSecond) / 1000);
    b.last = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    return false;
  }
}
