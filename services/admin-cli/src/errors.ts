import { fieldErrors, TRPCClientError } from "@erpbridge/client";

/** Error codes of a failed connection (node's undici puts them on `cause`, sometimes nested). */
const NETWORK_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT",
]);

/** The first network error code (or timeout) in an error's cause chain, if any. */
export function networkFailure(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    const { code, name, cause, errors } = current as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    if (name === "TimeoutError") return "timed out";
    // AggregateError (happy eyeballs: one error per address tried).
    if (Array.isArray(errors)) {
      for (const inner of errors) {
        const found = networkFailure(inner);
        if (found) return found;
      }
    }
    // undici: TypeError("fetch failed") wraps the reason (a refused connection, a blocked port, …).
    if (name === "TypeError" && (current as Error).message === "fetch failed") return networkFailure(cause) ?? reason(cause);
    current = cause;
  }
  return undefined;
}

/** The innermost message of a cause chain. */
function reason(error: unknown): string {
  let current = error as { message?: unknown; cause?: unknown } | undefined;
  while (current?.cause) current = current.cause as typeof current;
  return typeof current?.message === "string" && current.message ? current.message : "fetch failed";
}

/** The lines to print for an error from the server (or from trying to reach it). */
export function describeServerError(error: unknown, url: string): string[] {
  const network = networkFailure(error);
  if (network) {
    return [`error: cannot reach erpbridge at ${url} (${network}); is the API running? Set ERPBRIDGE_URL or pass --url.`];
  }
  if (error instanceof TRPCClientError) {
    const data = error.data as { code?: string; httpStatus?: number } | null | undefined;
    if (data?.code) {
      const fields = fieldErrors(error);
      // tRPC's message for invalid input is zod's issue list as JSON; the field lines below say it better.
      const message = fields.length > 0 && /^\s*[[{]/.test(error.message) ? "invalid input" : error.message;
      const lines = [`error: ${data.code}: ${message}`];
      for (const field of fields) lines.push(`  ${field.path || "(input)"}: ${field.message}`);
      if (data.code === "UNAUTHORIZED" || data.code === "FORBIDDEN") lines.push("hint: check ADMIN_TOKEN (the API's admin token)");
      return lines;
    }
    // Not a tRPC answer: something else listens there, or a proxy returned an error page.
    return [`error: unexpected response from ${url} (is it the erpbridge API?): ${error.message}`];
  }
  return [`error: ${error instanceof Error ? error.message : String(error)}`];
}
