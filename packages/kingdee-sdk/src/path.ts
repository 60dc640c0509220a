import { KingdeeError } from "./errors.js";

export interface RequestPath {
  /** The path alone, as signed and as sent. */
  path: string;
  /** Pairs from a `?query` written into the path, taken literally (nothing is decoded). */
  query: Array<[string, string]>;
}

const SEGMENT = /^[A-Za-z0-9_.~-]+$/;
const QUERY_KEY = /^[A-Za-z0-9_.~\-[\]]+$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this pattern rejects
const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_LENGTH = 2048;

/**
 * Checks a caller-built path and splits a `?query` out of it, so what is signed is exactly what goes
 * on the wire: the signature covers the path and the decoded query pairs separately, and `fetch`
 * would normalise `..`, re-encode `%` and move `?…` into the query behind the signer's back.
 * Path segments are limited to characters that need no encoding; `%` is refused everywhere (pass
 * values unencoded in `query` instead). Throws a `validation` KingdeeError, sending nothing.
 */
export function parseRequestPath(raw: string, method = "GET"): RequestPath {
  // `description` is the problem alone, phrased to follow the field name ("path must …").
  const fail = (problem: string) =>
    new KingdeeError({ message: `Invalid Kingdee path: ${problem}`, description: problem, category: "validation", method, endpoint: "(invalid path)" });
  if (typeof raw !== "string" || !raw.startsWith("/")) throw fail("must start with /");
  if (raw.length > MAX_LENGTH) throw fail(`must be at most ${MAX_LENGTH} characters`);
  if (CONTROL.test(raw)) throw fail("must not contain control characters");
  if (raw.includes("%")) throw fail("must not contain % (give query values unencoded in query instead)");
  if (raw.includes("#")) throw fail("must not contain #");
  const mark = raw.indexOf("?");
  const path = mark < 0 ? raw : raw.slice(0, mark);
  for (const segment of path.slice(1).split("/")) {
    if (segment === "." || segment === "..") throw fail("must not contain . or .. segments");
    if (!SEGMENT.test(segment)) throw fail("must have non-empty segments of letters, digits and -_.~ only");
  }
  const query: Array<[string, string]> = [];
  for (const part of mark < 0 ? [] : raw.slice(mark + 1).split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq);
    if (!QUERY_KEY.test(key)) throw fail("must have query keys of letters, digits and -_.~[] only");
    query.push([key, eq < 0 ? "" : part.slice(eq + 1)]);
  }
  return { path, query };
}
