import { isRateLimited } from "../errors.js";
import type { RateBudget } from "../rate-budget/rate-budget.js";
import { TokenBucketBudget } from "../rate-budget/token-bucket.js";
import type { AnyPlugin } from "./plugin.js";

export type ThrottleOptions = {
  /** Requests in flight at once (per client). */
  concurrency: number;
} & (
  | {
      /** A budget to take calls from: shared through Redis across replicas, or any other. */
      budget: RateBudget;
    }
  | {
      /** Sustained calls per minute (an in-process token bucket). */
      perMinute: number;
      /** Bucket size: calls that may go back to back after an idle spell. */
      burst: number;
    }
);

/**
 * A concurrency gate plus a rate budget. Every HTTP attempt (retries included) takes one call from
 * the budget; a throttled answer (`category: "rate_limit"`) makes the budget back off — by the
 * answer's `Retry-After` when it has one — for every client sharing it.
 */
export function throttle(options: ThrottleOptions): AnyPlugin {
  const budget = "budget" in options ? options.budget : new TokenBucketBudget({ limit: options.perMinute, burst: options.burst });
  let inFlight = 0;
  const waiting: Array<() => void> = [];

  const acquireSlot = async () => {
    if (inFlight < options.concurrency) {
      inFlight++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const releaseSlot = () => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };

  return (next) =>
    async (request) => {
      await acquireSlot();
      try {
        await budget.take(request.signal);
        try {
          return await next(request);
        } catch (error) {
          // The call's own failure is what the caller needs, even if the budget cannot be told.
          if (isRateLimited(error)) await budget.backOff(error.retryAfterMs).catch(() => undefined);
          throw error;
        }
      } finally {
        releaseSlot();
      }
    };
}
