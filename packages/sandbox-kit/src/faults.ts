/** What every sandbox's faults share: a kind, how many calls it hits, and the path it is narrowed to (none: global). */
export interface FaultBase {
  kind: string;
  /** Calls the fault hits; a `latency` fault without it hits every call until cleared. */
  times?: number;
  /** Only calls to this path; without it the fault is global. */
  path?: string;
}

export type ActiveFault<F> = F & { remaining: number };

/**
 * Checks what every fault needs: a known kind, `times` (optional only for latency), `path`, and
 * `latency.ms`. Returns the input as a record for the sandbox's own checks.
 */
export function validateFaultBase(input: unknown, kinds: ReadonlySet<string>): Record<string, unknown> {
  if (!input || typeof input !== "object") throw new Error("fault must be an object");
  const spec = input as Record<string, unknown>;
  if (!kinds.has(String(spec.kind))) throw new Error(`unknown fault kind: ${String(spec.kind)}`);
  const times = spec.times;
  if (spec.kind !== "latency" || times !== undefined) {
    if (typeof times !== "number" || !(times >= 0)) throw new Error("fault.times must be a number >= 0");
  }
  if (spec.path !== undefined && typeof spec.path !== "string") throw new Error("fault.path must be a string");
  if (spec.kind === "latency" && (typeof spec.ms !== "number" || spec.ms < 0)) throw new Error("latency.ms must be >= 0");
  return spec;
}

export interface FaultBoxOptions<F extends FaultBase, C> {
  /** The sandbox's full validation (throws on nonsense). */
  validate(input: unknown): F;
  /** Narrowing beyond the path, e.g. by query parameters; `ctx` is what the sandbox passes per call. */
  matches?(spec: F, ctx: C): boolean;
  /** Faults decided later in the request (e.g. business errors after auth): `before` skips them, `takeDeferred` takes them. */
  deferred?(spec: F): boolean;
}

interface Active<F> {
  spec: F;
  remaining: number;
}

/** Injected faults, consumed in insertion order. */
export class FaultBox<F extends FaultBase & { ms?: number }, C = undefined> {
  #active: Array<Active<F>> = [];

  constructor(private readonly options: FaultBoxOptions<F, C>) {}

  validate(input: unknown): F {
    return this.options.validate(input);
  }

  inject(spec: F): void {
    const valid = this.options.validate(spec);
    const times = valid.kind === "latency" ? (valid.times ?? Number.POSITIVE_INFINITY) : (valid.times ?? 0);
    if (times > 0) this.#active.push({ spec: { ...valid }, remaining: times });
  }

  clear(): void {
    this.#active = [];
  }

  list(): Array<ActiveFault<F>> {
    return this.#active.map((a) => ({ ...a.spec, remaining: a.remaining }));
  }

  get empty(): boolean {
    return this.#active.length === 0;
  }

  #matches(spec: F, path: string, ctx: C): boolean {
    if (spec.path !== undefined && spec.path !== path) return false;
    return this.options.matches?.(spec, ctx) ?? true;
  }

  #take(a: Active<F>): void {
    a.remaining--;
    if (a.remaining <= 0) this.#active = this.#active.filter((x) => x !== a);
  }

  /** Decided right after the call is counted: the total latency and the first terminal fault. */
  before(path: string, ctx: C): { delayMs: number; fault?: F } {
    let delayMs = 0;
    let fault: F | undefined;
    for (const a of [...this.#active]) {
      if (this.options.deferred?.(a.spec) || !this.#matches(a.spec, path, ctx)) continue;
      if (a.spec.kind === "latency") {
        delayMs += a.spec.ms ?? 0;
        this.#take(a);
      } else if (!fault) {
        fault = a.spec;
        this.#take(a);
      }
    }
    return { delayMs, fault };
  }

  /** The first deferred fault for this call, consumed. */
  takeDeferred(path: string, ctx: C): F | undefined {
    for (const a of this.#active) {
      if (!this.options.deferred?.(a.spec) || !this.#matches(a.spec, path, ctx)) continue;
      this.#take(a);
      return a.spec;
    }
    return undefined;
  }
}
