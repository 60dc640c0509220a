import type { Plugin } from "../transport.js";

export interface ThrottleOptions {
  /** Sustained calls per minute. */
  perMinute: number;
  /** Bucket size: calls that may go back to back after an idle spell. */
  burst: number;
  /** Requests in flight at once. */
  concurrency: number;
}

/**
 * Token bucket plus a concurrency gate, per client. Every HTTP attempt (retries included) takes a
 * token, so in any window of T ms at most `burst + perMinute·T/60000` calls leave this client.
 */
export function throttle(options: ThrottleOptions): Plugin {
  const refillPerMs = options.perMinute / 60_000;
  let tokens = options.burst;
  let refilledAt = performance.now();
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  let chain: Promise<void> = Promise.resolve();

  const takeToken = async () => {
    for (;;) {
      const now = performance.now();
      tokens = Math.min(options.burst, tokens + (now - refilledAt) * refillPerMs);
      refilledAt = now;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.ceil((1 - tokens) / refillPerMs)));
    }
  };

  // Callers queue in arrival order for tokens, so nobody starves.
  const acquireToken = () => {
    const turn = chain.then(takeToken);
    chain = turn.catch(() => undefined);
    return turn;
  };

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
        await acquireToken();
        return await next(request);
      } finally {
        releaseSlot();
      }
    };
}
