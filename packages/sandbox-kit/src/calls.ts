/** Narrows a reading of the call log to one path and/or one account. */
export interface CallFilter {
  path?: string;
  /** The account a call was made for (e.g. a Kingdee appKey), as the sandbox resolved it on arrival. */
  account?: string;
}

export interface SandboxCalls {
  /** Calls so far; a string is a path. */
  count(filter?: string | CallFilter): number;
  /** Arrival times (sandbox clock, epoch ms), in arrival order. */
  times(filter?: string | CallFilter): number[];
  byPath(): Record<string, number>;
  byAccount(): Record<string, number>;
  /** The most calls that arrived within any `windowMs` (default 60 s): "calls per minute" as a budget sees them. */
  maxInWindow(filter?: string | CallFilter, windowMs?: number): number;
  reset(): void;
}

/** Arrival times, in total and per path: one view of the log (all calls, or one account's). */
class Times {
  all: number[] = [];
  byPath = new Map<string, number[]>();

  add(path: string, at: number): void {
    this.all.push(at);
    const list = this.byPath.get(path);
    if (list) list.push(at);
    else this.byPath.set(path, [at]);
  }

  get(path: string | undefined): number[] {
    return path === undefined ? this.all : (this.byPath.get(path) ?? []);
  }
}

const normalize = (filter: string | CallFilter | undefined): CallFilter =>
  typeof filter === "string" ? { path: filter } : (filter ?? {});

/** Every simulated-API request, recorded on arrival (before any fault, auth or rate-limit decision). */
export class CallLog implements SandboxCalls {
  #all = new Times();
  #byAccount = new Map<string, Times>();

  record(path: string, at: number, account?: string): void {
    this.#all.add(path, at);
    if (account === undefined) return;
    let times = this.#byAccount.get(account);
    if (!times) this.#byAccount.set(account, (times = new Times()));
    times.add(path, at);
  }

  #view(filter: CallFilter): number[] {
    const times = filter.account === undefined ? this.#all : this.#byAccount.get(filter.account);
    return times?.get(filter.path) ?? [];
  }

  count(filter?: string | CallFilter): number {
    return this.#view(normalize(filter)).length;
  }

  times(filter?: string | CallFilter): number[] {
    return this.#view(normalize(filter)).slice();
  }

  byPath(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [path, list] of this.#all.byPath) out[path] = list.length;
    return out;
  }

  byAccount(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [account, times] of this.#byAccount) out[account] = times.all.length;
    return out;
  }

  maxInWindow(filter?: string | CallFilter, windowMs = 60_000): number {
    if (!(windowMs > 0)) throw new Error("windowMs must be > 0");
    // Concurrent requests can be recorded a millisecond out of order: sort to be exact.
    const times = this.times(filter).sort((a, b) => a - b);
    let best = 0;
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while (times[end]! - times[start]! >= windowMs) start++;
      best = Math.max(best, end - start + 1);
    }
    return best;
  }

  reset(): void {
    this.#all = new Times();
    this.#byAccount.clear();
  }
}
