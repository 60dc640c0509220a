import { WechatError } from "../errors.js";
import type { Plugin } from "../transport.js";

export interface RetryOptions {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Exponential backoff with full jitter for failures a later attempt can cure. Which failures those
 * are was decided per endpoint (`RetryPolicy`) when the error was built: `retryable` is false for a
 * write or a single-use code whose outcome is unknown, so this step never resends those.
 */
export function retry(options: RetryOptions): Plugin {
  const delay = (attempt: number) => Math.random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);

  return (next) =>
    async (request) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await next(request);
        } catch (error) {
          const curable =
            error instanceof WechatError && error.retryable && ["network", "timeout", "rate_limit"].includes(error.category);
          if (!curable || attempt >= options.retries) throw error;
          // Rate limits back off at least one base step even when jitter draws near zero.
          const wait = error.category === "rate_limit" ? options.baseDelayMs + delay(attempt + 1) : delay(attempt);
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    };
}
