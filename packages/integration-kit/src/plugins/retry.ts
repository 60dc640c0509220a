import { ApiError, isCurable } from "../errors.js";
import { sleep } from "../transport.js";
import type { AnyPlugin } from "./plugin.js";

export interface RetryOptions {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Which failures a later attempt may cure; default `isCurable` (retryable network, timeout, rate limit). */
  curable?: (error: unknown) => boolean;
}

/**
 * Exponential backoff with full jitter for failures a later attempt can cure. Whether a failure is
 * curable was decided when its error was built (`retryable` is false for a write whose outcome is
 * unknown), so this step never resends those. A `Retry-After` is waited out in full.
 */
export function retry(options: RetryOptions): AnyPlugin {
  const curable = options.curable ?? isCurable;
  const delay = (attempt: number) => Math.random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);

  return (next) =>
    async (request) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await next(request);
        } catch (error) {
          if (!curable(error) || attempt >= options.retries) throw error;
          const rateLimited = error instanceof ApiError && error.category === "rate_limit";
          // Rate limits back off at least one base step even when jitter draws near zero.
          const wait = rateLimited ? options.baseDelayMs + delay(attempt + 1) : delay(attempt);
          const retryAfter = error instanceof ApiError ? (error.retryAfterMs ?? 0) : 0;
          await sleep(Math.max(wait, retryAfter), request.signal);
        }
      }
    };
}
