import { KingdeeError } from "../errors.js";
import type { Plugin } from "../transport.js";

export interface RetryOptions {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Exponential backoff with full jitter for failures that a later attempt can cure: network
 * errors, timeouts and 5xx on reads, and rate limiting on any call (a throttled request was
 * refused before it ran). Writes with an unknown outcome arrive here marked not retryable.
 */
export function retry(options: RetryOptions): Plugin {
  const delay = (attempt: number) =>
    Math.random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);

  return (next) =>
    async (request) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await next(request);
        } catch (error) {
          const curable =
            error instanceof KingdeeError &&
            error.retryable &&
            ["network", "timeout", "rate_limit"].includes(error.category);
          if (!curable || attempt >= options.retries) throw error;
          // Rate limits back off at least one base step even when jitter draws near zero.
          const wait = error.category === "rate_limit" ? options.baseDelayMs + delay(attempt + 1) : delay(attempt);
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    };
}
