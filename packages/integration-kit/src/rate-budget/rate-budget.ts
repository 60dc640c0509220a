/**
 * The right to send calls to one outside account. `take` waits until one call may leave; every
 * HTTP attempt takes one (retries included), since the outside system counts attempts.
 */
export interface RateBudget {
  take(signal?: AbortSignal): Promise<void>;
  /**
   * The outside system refused a call as throttled. With `retryAfterMs` (its `Retry-After`) no call
   * leaves before then; without, the budget slows down by its own back-off. Every sharer of the
   * budget pauses, not only the caller.
   */
  backOff(retryAfterMs?: number): Promise<void>;
}

export interface RateBudgetLimit {
  /** Calls allowed per window. */
  limit: number;
  /** Window length (ms); default one minute, tests and benchmarks use shorter ones. */
  windowMs?: number;
}

export const DEFAULT_WINDOW_MS = 60_000;
