import { parseRetryAfter, redact, redactHeaders, redactUrl } from "./redact.js";

/** The categories the kit's own plugins act on; an SDK adds its own (authentication, business, …). */
export type KitErrorCategory = "network" | "timeout" | "rate_limit";

export interface ApiErrorInit<C extends string = string> {
  message: string;
  category: C;
  method: string;
  /** The path called (a query in it is redacted). */
  endpoint: string;
  status?: number;
  /** The outside system's own error code (errcode, error.code, …). */
  code?: number | string;
  requestId?: string;
  /** Whether sending the same request again could help. */
  retryable?: boolean;
  /** The answer's headers; credential-bearing ones are masked, `Retry-After` is read from them. */
  headers?: Headers | Record<string, string>;
  /** Wins over a `Retry-After` header. */
  retryAfterMs?: number;
  /** Values that must never appear in the message, endpoint or headers (secrets, tokens). */
  secrets?: readonly string[];
  cause?: unknown;
}

/**
 * The base of every SDK's error: what a caller needs to decide (category, retryable, Retry-After)
 * and to report (status, code, request id, endpoint, headers). Credentials are redacted when it is
 * built, so nothing printed later — message, JSON, stack — can leak them. `cause` is kept.
 */
export class ApiError<C extends string = string> extends Error {
  override readonly name: string = "ApiError";
  readonly category: C;
  readonly method: string;
  readonly endpoint: string;
  readonly status: number | undefined;
  readonly code: number | string | undefined;
  readonly requestId: string | undefined;
  readonly retryable: boolean;
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** How long the server asked callers to wait (`Retry-After`), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(init: ApiErrorInit<C>) {
    const secrets = init.secrets ?? [];
    super(redact(init.message, secrets), init.cause === undefined ? undefined : { cause: init.cause });
    this.category = init.category;
    this.method = init.method;
    this.endpoint = redactUrl(init.endpoint, secrets);
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryable = init.retryable ?? false;
    this.headers = redactHeaders(init.headers, secrets);
    this.retryAfterMs = init.retryAfterMs ?? parseRetryAfter(this.headers?.["retry-after"]);
  }

  toJSON() {
    return {
      name: this.name,
      message: this.message,
      category: this.category,
      method: this.method,
      endpoint: this.endpoint,
      status: this.status,
      code: this.code,
      requestId: this.requestId,
      retryable: this.retryable,
      headers: this.headers,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

/** True for an `ApiError` a later attempt may cure: retryable, and a network, timeout or rate-limit failure. */
export function isCurable(error: unknown): error is ApiError {
  return error instanceof ApiError && error.retryable && ["network", "timeout", "rate_limit"].includes(error.category);
}

export const isRateLimited = (error: unknown): error is ApiError => error instanceof ApiError && error.category === "rate_limit";
