/** Credentials of a connection URL (`scheme://user:pass@host…`), if any. */
function credentials(url: string): { userinfo: string; password?: string } | undefined {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^@/?#]*)@/.exec(url);
  if (!m || m[1] === undefined) return undefined;
  const userinfo = m[1];
  const colon = userinfo.indexOf(":");
  return colon === -1 ? { userinfo } : { userinfo, password: userinfo.slice(colon + 1) };
}

/**
 * The URL safe to print: `user:pass@` becomes `user:***@`, and `password=` query parameters are
 * masked. Works for multi-host MongoDB URLs too (no WHATWG parsing).
 */
export function maskUrl(url: string): string {
  let out = url.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^@/?#]*)@/, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(":");
    return colon === -1 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
  out = out.replace(/([?&](?:password|pass|pwd)=)[^&#]*/gi, "$1***");
  return out;
}

/** Removes the URL's password (raw and URL-decoded) from an arbitrary text, e.g. a driver error. */
export function scrubSecrets(text: string, url: string): string {
  const cred = credentials(url);
  let out = text;
  const secrets = new Set<string>();
  if (cred?.password) {
    secrets.add(cred.password);
    try {
      secrets.add(decodeURIComponent(cred.password));
    } catch {
      /* not URL-encoded */
    }
  }
  for (const m of url.matchAll(/[?&](?:password|pass|pwd)=([^&#]*)/gi)) if (m[1]) secrets.add(m[1]);
  for (const s of secrets) if (s.length > 0) out = out.split(s).join("***");
  return out;
}

/** A readable one-line reason from any thrown value (AggregateError from dual-stack connects included). */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    const inner = error.errors.map((e) => describeError(e)).filter(Boolean);
    if (inner.length > 0) return inner.join("; ");
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (error.message) return error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message;
    if (typeof code === "string") return code;
    return error.name;
  }
  return String(error);
}
