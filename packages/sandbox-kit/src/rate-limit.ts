/**
 * One rate limit. Exactly one of `perSecond` (a token bucket, burst = perSecond) or `perMinute`
 * (a 60-second window: `sliding` counts the last 60 s, `fixed` counts the current clock minute).
 * Without `account` it applies to every account, each with its own budget; with one, only to that
 * account (and it wins over the general rule).
 */
export interface RateLimitRule {
  perSecond?: number;
  perMinute?: number;
  /** Per-minute mode only; default `sliding`. */
  window?: "fixed" | "sliding";
  account?: string;
}

const MINUTE_MS = 60_000;

/** Validates a rule (also bodies of `POST /__sandbox/rate-limit`); extra fields of a sandbox's own rule pass through. */
export function validateRateLimit<R extends RateLimitRule>(input: unknown): R {
  if (!input || typeof input !== "object") throw new Error("rate limit must be an object");
  const rule = input as Record<string, unknown>;
  const perSecond = rule.perSecond;
  const perMinute = rule.perMinute;
  if ((perSecond === undefined) === (perMinute === undefined)) throw new Error("rate limit needs exactly one of perSecond, perMinute");
  if (perSecond !== undefined && !(typeof perSecond === "number" && perSecond > 0)) throw new Error("rateLimit.perSecond must be > 0");
  if (perMinute !== undefined && !(typeof perMinute === "number" && Number.isInteger(perMinute) && perMinute > 0)) {
    throw new Error("rateLimit.perMinute must be an integer > 0");
  }
  if (rule.window !== undefined && rule.window !== "fixed" && rule.window !== "sliding") throw new Error("rateLimit.window must be fixed or sliding");
  if (rule.window !== undefined && perMinute === undefined) throw new Error("rateLimit.window applies to perMinute only");
  if (rule.account !== undefined && (typeof rule.account !== "string" || rule.account === "")) throw new Error("rateLimit.account must be a string");
  return rule as R;
}

interface Budget {
  /** Whether one more call fits now; records it when it does. */
  take(now: number): boolean;
}

function tokenBucket(perSecond: number, now: number): Budget {
  const cap = Math.max(1, perSecond);
  let tokens = cap;
  let last = now;
  return {
    take(at) {
      tokens = Math.min(cap, tokens + ((at - last) * perSecond) / 1000);
      last = at;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

function fixedMinute(limit: number): Budget {
  let minute = -1;
  let used = 0;
  return {
    take(at) {
      const current = Math.floor(at / MINUTE_MS);
      if (current !== minute) {
        minute = current;
        used = 0;
      }
      if (used >= limit) return false;
      used++;
      return true;
    },
  };
}

function slidingMinute(limit: number): Budget {
  // Accepted calls of the last 60 s, oldest first; `head` skips expired ones without shifting the array.
  let accepted: number[] = [];
  let head = 0;
  return {
    take(at) {
      while (head < accepted.length && accepted[head]! <= at - MINUTE_MS) head++;
      if (head > 1024 && head * 2 > accepted.length) {
        accepted = accepted.slice(head);
        head = 0;
      }
      if (accepted.length - head >= limit) return false;
      accepted.push(at);
      return true;
    },
  };
}

function budgetOf(rule: RateLimitRule, now: number): Budget {
  if (rule.perSecond !== undefined) return tokenBucket(rule.perSecond, now);
  return rule.window === "fixed" ? fixedMinute(rule.perMinute!) : slidingMinute(rule.perMinute!);
}

/**
 * The active rate limits: at most one general rule plus one rule per account. Each account has its
 * own budget under the rule that applies to it.
 */
export class RateLimits<R extends RateLimitRule = RateLimitRule> {
  #general: R | null = null;
  readonly #perAccount = new Map<string, R>();
  readonly #budgets = new Map<string, { rule: R; budget: Budget }>();

  constructor(initial?: R | null) {
    if (initial) this.set(initial);
  }

  /** Sets the rule for `rule.account`, or the general rule when it names none. */
  set(rule: R): void {
    const valid = validateRateLimit<R>(rule);
    if (valid.account === undefined) this.#general = { ...valid };
    else this.#perAccount.set(valid.account, { ...valid });
  }

  /** Removes one account's rule, or (no account) every rule. */
  remove(account?: string): void {
    if (account === undefined) {
      this.#general = null;
      this.#perAccount.clear();
      this.#budgets.clear();
    } else {
      this.#perAccount.delete(account);
    }
  }

  /** The general rule (what a sandbox configured without accounts sees). */
  get general(): R | null {
    return this.#general ? { ...this.#general } : null;
  }

  list(): R[] {
    return [...(this.#general ? [this.#general] : []), ...this.#perAccount.values()].map((r) => ({ ...r }));
  }

  get empty(): boolean {
    return this.#general === null && this.#perAccount.size === 0;
  }

  /**
   * Records a call of `account` at `now`: undefined when it fits, else the rule that refused it.
   * A budget starts afresh whenever the rule that applies to its account changes.
   */
  take(account: string, now: number): R | undefined {
    const rule = this.#perAccount.get(account) ?? this.#general;
    if (!rule) return undefined;
    let entry = this.#budgets.get(account);
    if (!entry || entry.rule !== rule) {
      entry = { rule, budget: budgetOf(rule, now) };
      this.#budgets.set(account, entry);
    }
    return entry.budget.take(now) ? undefined : rule;
  }
}
