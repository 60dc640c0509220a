import { createHmac } from "node:crypto";

/**
 * Gateway-side signature verification (auth version 2.0). Written independently of the SDK; it
 * reproduces Kingdee's Java client (apigwclient 0.1.5) canonicalization:
 *  - path: GwURLEncoder (keeps A-Za-z0-9-_.~, space → "+", rest %XX upper-case UTF-8)
 *  - query: for every decoded pair build `Gw(key)=URLEncoder(value)`, sort those strings
 *    (so "aux1=y" sorts before "aux=x"), then emit `Gw(Gw(key))=Gw(URLEncoder(value))`
 *  - header lines: lower-case name ":" value "\n", sorted by name (nonce before timestamp)
 *  - signature: Base64 of the lower-case hex HMAC-SHA256 text.
 */

// encodeURIComponent keeps A-Za-z0-9 - _ . ! ~ * ' ( ) and emits upper-case %XX for UTF-8 bytes.
const GW_FIX = /%20|[!*'()]/g;
const JAVA_FIX = /%20|[!'()~]/g;
const fixMap: Record<string, string> = {
  "%20": "+",
  "!": "%21",
  "*": "%2A",
  "'": "%27",
  "(": "%28",
  ")": "%29",
  "~": "%7E",
};
const SAFE = /^[A-Za-z0-9_.-]*$/;

/** Kingdee's `GwURLEncoder`: keeps `A-Za-z0-9-_.~`, space → `+`, everything else `%XX`. */
export function gwEncode(value: string): string {
  if (SAFE.test(value)) return value;
  return encodeURIComponent(value).replace(GW_FIX, (m) => fixMap[m]!);
}

/** `java.net.URLEncoder.encode(value, UTF-8)`: keeps `A-Za-z0-9.-*_`, space → `+`. */
export function javaUrlEncode(value: string): string {
  if (SAFE.test(value)) return value;
  return encodeURIComponent(value).replace(JAVA_FIX, (m) => fixMap[m]!);
}

/** Canonical query line from decoded [key, value] pairs (empty string without a query). */
export function canonicalQuery(pairs: ReadonlyArray<readonly [string, string]>): string {
  if (pairs.length === 0) return "";
  const items = pairs.map(([key, value]) => {
    const k = gwEncode(key);
    const v = javaUrlEncode(value);
    return { k, v, sort: `${k}=${v}` };
  });
  items.sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0));
  let out = "";
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    out += (i ? "&" : "") + gwEncode(it.k) + "=" + gwEncode(it.v);
  }
  return out;
}

export interface CanonicalInput {
  method: string;
  path: string;
  query: ReadonlyArray<readonly [string, string]>;
  /** Signed header lines: lower-case name → value. Sorted by name when rendered. */
  headers: ReadonlyArray<readonly [string, string]>;
}

export function canonicalString({ method, path, query, headers }: CanonicalInput): string {
  const lines = [...headers]
    .map(([name, value]) => [name.toLowerCase(), value] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([name, value]) => `${name}:${value}\n`)
    .join("");
  return `${method.toUpperCase()}\n${gwEncode(path)}\n${canonicalQuery(query)}\n${lines}`;
}

/** Base64( lower-case hex( HMAC-SHA256(key, message) ) ) — 88 characters. */
export function hmacHexBase64(key: string, message: string): string {
  const hex = createHmac("sha256", key).update(message, "utf8").digest("hex");
  return Buffer.from(hex, "utf8").toString("base64");
}

/** Expected `app_signature` for the token call: HMAC keyed by app_secret over app_key. */
export function expectedAppSignature(appKey: string, appSecret: string): string {
  return hmacHexBase64(appSecret, appKey);
}

/** Decoded query pairs of a raw query string with URLSearchParams semantics (`+` and `%20` are space). */
export function decodeQuery(rawQuery: string): Array<[string, string]> {
  if (!rawQuery) return [];
  return [...new URLSearchParams(rawQuery)];
}

/** The signature the gateway expects for a request. */
export function expectedSignature(clientSecret: string, input: CanonicalInput): string {
  return hmacHexBase64(clientSecret, canonicalString(input));
}
