import { createHmac } from "node:crypto";

/**
 * Request signing for the JDY gateway (auth version 2.0), byte-compatible with Kingdee's own
 * Java client (apigwclient 0.1.5). JS encoders disagree with Java on space, `*`, `~`, `'`, `(`,
 * `)`, `!`; Kingdee's Java client is the one that works against the gateway, so we follow it.
 */

const hex = (byte: number) => "%" + byte.toString(16).toUpperCase().padStart(2, "0");

function percentEncode(value: string, keep: RegExp): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x80 && keep.test(ch)) out += ch;
    else if (ch === " ") out += "+";
    else out += hex(byte);
  }
  return out;
}

/** `GwURLEncoder`: keeps `A-Za-z0-9-_.~`, space → `+`, everything else `%XX` (UTF-8). */
export const gwEncode = (value: string) => percentEncode(value, /[A-Za-z0-9\-_.~]/);

/** `java.net.URLEncoder` (UTF-8): keeps `A-Za-z0-9.-*_`, space → `+`, everything else `%XX`. */
export const javaUrlEncode = (value: string) => percentEncode(value, /[A-Za-z0-9.\-*_]/);

export type QueryValue = string | number | boolean;
export type Query = Record<string, QueryValue | readonly QueryValue[] | undefined | null>;

/** Flattens a query object to ordered [key, value] pairs; arrays repeat the key, nullish values are dropped. */
export function queryPairs(query: Query | undefined): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) pairs.push([key, String(v)]);
  }
  return pairs;
}

/**
 * Canonical query as the Java client builds it: `Gw(key)=URLEncoder(value)` strings are sorted as
 * whole strings (so `aux1=` sorts before `aux=`), then key and value are Gw-encoded once more.
 */
export function canonicalQuery(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs
    .map(([key, value]) => ({ key: gwEncode(key), value: javaUrlEncode(value) }))
    .map((entry) => ({ ...entry, sortKey: `${entry.key}=${entry.value}` }))
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
    .map(({ key, value }) => `${gwEncode(key)}=${gwEncode(value)}`)
    .join("&");
}

export interface SignInput {
  method: string;
  /** Path only, no host or query, e.g. `/jdy/v2/scm/sal_out_bound`. */
  path: string;
  query?: ReadonlyArray<readonly [string, string]>;
  nonce: string;
  timestamp: string;
}

/** The string that gets HMAC'd. The trailing newline is mandatory; the body is never signed. */
export function canonicalString({ method, path, query = [], nonce, timestamp }: SignInput): string {
  return [
    method.toUpperCase(),
    gwEncode(path),
    canonicalQuery(query),
    `x-api-nonce:${nonce}`,
    `x-api-timestamp:${timestamp}`,
    "",
  ].join("\n");
}

/** Base64 of the lower-case hex HMAC-SHA256 text (88 characters), as both JDY signatures use. */
export function hmacHexBase64(key: string, message: string): string {
  const digestHex = createHmac("sha256", key).update(message, "utf8").digest("hex");
  return Buffer.from(digestHex, "utf8").toString("base64");
}

export const signRequest = (clientSecret: string, input: SignInput) =>
  hmacHexBase64(clientSecret, canonicalString(input));

/** `app_signature` for the token call: HMAC keyed by app_secret over app_key. */
export const appSignature = (appKey: string, appSecret: string) => hmacHexBase64(appSecret, appKey);

/** 10 random decimal digits, like the Java client (may start with 0). */
export function newNonce(): string {
  let nonce = "";
  for (let i = 0; i < 10; i++) nonce += Math.floor(Math.random() * 10).toString();
  return nonce;
}

/** The `X-Api-*` headers for one attempt. Header order of `X-Api-SignHeaders` follows the Java client. */
export function signatureHeaders(
  credentials: { clientId: string; clientSecret: string },
  input: Omit<SignInput, "nonce" | "timestamp"> & { nonce?: string; timestamp?: string },
): Record<string, string> {
  const nonce = input.nonce ?? newNonce();
  const timestamp = input.timestamp ?? Date.now().toString();
  return {
    "Content-Type": "application/json",
    "X-Api-ClientID": credentials.clientId,
    "X-Api-Auth-Version": "2.0",
    "X-Api-TimeStamp": timestamp,
    "X-Api-Nonce": nonce,
    "X-Api-SignHeaders": "X-Api-Nonce,X-Api-TimeStamp",
    "X-Api-Signature": signRequest(credentials.clientSecret, { ...input, nonce, timestamp }),
  };
}
