/** Query parameters and header names whose values are credentials. */
const SECRET_NAME = /token|secret|signature|session_key|password|authorization|cookie|api[-_]?key|credential/i;
const SECRET_PAIR = /\b([\w-]*(?:token|secret|signature|session_key|password|api[-_]?key)[\w-]*)=[^&\s"',;]+/gi;
const REDACTED = "[redacted]";
/** Shorter values would blot out ordinary words of a message. */
const MIN_SECRET_LENGTH = 6;

/** Replaces every known secret value in `text`, and the value of any `name=value` pair whose name says credential. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(SECRET_PAIR, `$1=${REDACTED}`);
  for (const secret of secrets) if (secret && secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join(REDACTED);
  return out;
}

/** An endpoint or URL with the values of credential-named query parameters (and known secrets) replaced. */
export function redactUrl(endpoint: string, secrets: readonly string[] = []): string {
  const queryAt = endpoint.indexOf("?");
  if (queryAt < 0) return redact(endpoint, secrets);
  const params = new URLSearchParams(endpoint.slice(queryAt + 1));
  for (const [name] of params) if (SECRET_NAME.test(name)) params.set(name, REDACTED);
  return redact(`${endpoint.slice(0, queryAt)}?${params.toString().replaceAll("%5Bredacted%5D", REDACTED)}`, secrets);
}

/** Response headers as a plain object (lower-case names), credential-bearing ones masked. */
export function redactHeaders(
  headers: Headers | Record<string, string> | undefined,
  secrets: readonly string[] = [],
): Record<string, string> | undefined {
  if (!headers) return undefined;
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    out[name.toLowerCase()] = SECRET_NAME.test(name) ? REDACTED : redact(value, secrets);
  }
  return out;
}

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
