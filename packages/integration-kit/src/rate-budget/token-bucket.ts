import { sleep } from "../transport.js";
import { DEFAULT_WINDOW_MS, type RateBudget, type RateBudgetLimit } from "./rate-budget.js";

export interface TokenBucketOptions extends RateBudgetLimit {
  /** Bucket size: calls that may go back to back after an idle spell. */
  burst: number;
}

/**
 * An in-process token bucket: in any span of T ms at most `burst + limit·T/windowMs` calls leave
 * this process. Right for one process; several processes sharing an account need `RedisRateBudget`.
 */
export class TokenBucketBudget implements RateBudget {
  readonly #burst: number;
  readonly #refillPerMs: number;
  #tokens: number;
  #refilledAt = performance.now();
  #pausedUntil = 0;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: TokenBucketOptions) {
    this.#burst = options.burst;
    this.#refillPerMs = options.limit / (options.windowMs ?? DEFAULT_WINDOW_MS);
    this.#tokens = options.burst;
  }

  /** Callers queue in arrival order, so nobody starves. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#takeOne(signal));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async backOff(retryAfterMs?: number): Promise<void> {
    // The saved-up burst is what got us throttled: spend it on nothing.
    this.#tokens = 0;
    this.#refilledAt = performance.now();
    if (retryAfterMs !== undefined) this.#pausedUntil = Math.max(this.#pausedUntil, performance.now() + retryAfterMs);
  }

  async #takeOne(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = performance.now();
      if (now < this.#pausedUntil) {
        await sleep(this.#pausedUntil - now, signal);
        continue;
      }
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#refilledAt) * this.#refillPerMs);
      this.#refilledAt = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await sleep(Math.ceil((1 - this.#tokens) / this.#refillPerMs), signal);
    }
  }
}
