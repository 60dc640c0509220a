import { createHmac, randomInt } from "node:crypto";
import type { KingdeeSandbox, SandboxCredentials } from "../src/index.js";

/**
 * A test-only client: its own signer (the common JS form — encodeURIComponent twice, sorted by
 * key), which equals the Java client's canonical string for plain values. Not the SDK.
 */
export type Pairs = Array<[string, string]>;

const hexBase64 = (key: string, msg: string) =>
  Buffer.from(createHmac("sha256", key).update(msg, "utf8").digest("hex"), "utf8").toString("base64");

export function jsCanonical(method: string, path: string, query: Pairs, nonce: string, ts: string): string {
  const q = [...query]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${encodeURIComponent(encodeURIComponent(v))}`)
    .join("&");
  return `${method}\n${encodeURIComponent(path)}\n${q}\nx-api-nonce:${nonce}\nx-api-timestamp:${ts}\n`;
}

export const jsSign = (secret: string, method: string, path: string, query: Pairs, nonce: string, ts: string) =>
  hexBase64(secret, jsCanonical(method, path, query, nonce, ts));

export const appSignature = (appKey: string, appSecret: string) => hexBase64(appSecret, appKey);

let nonceCounter = randomInt(0, 1_000_000);
export const newNonce = () => String(1_000_000_000 + ((nonceCounter++ * 7919) % 8_999_999_999));

export interface CallOptions {
  method?: string;
  query?: Record<string, string | number> | Pairs;
  body?: unknown;
  token?: string | null;
  router?: string | null;
  nonce?: string;
  timestamp?: string;
  /** Replace/remove (undefined) any header after signing. */
  headers?: Record<string, string | undefined>;
  /** Compute the signature differently. */
  sign?: (secret: string, method: string, path: string, query: Pairs, nonce: string, ts: string) => string;
  credentials?: SandboxCredentials;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export class TestClient {
  token?: string;
  constructor(
    readonly sandbox: KingdeeSandbox,
    readonly creds: SandboxCredentials = sandbox.demoTenant,
  ) {}

  async call(path: string, opts: CallOptions = {}): Promise<CallResult> {
    const creds = opts.credentials ?? this.creds;
    const method = opts.method ?? "GET";
    const pairs: Pairs = Array.isArray(opts.query)
      ? opts.query
      : Object.entries(opts.query ?? {}).map(([k, v]) => [k, String(v)]);
    const nonce = opts.nonce ?? newNonce();
    const ts = opts.timestamp ?? String(Date.now());
    const sign = opts.sign ?? jsSign;
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "X-Api-ClientID": creds.clientId,
      "X-Api-Auth-Version": "2.0",
      "X-Api-TimeStamp": ts,
      "X-Api-Nonce": nonce,
      "X-Api-SignHeaders": "X-Api-TimeStamp,X-Api-Nonce",
      "X-Api-Signature": sign(creds.clientSecret, method, path, pairs, nonce, ts),
    };
    const token = opts.token === undefined ? this.token : opts.token;
    if (token) headers["app-token"] = token;
    const router = opts.router === undefined ? creds.domain : opts.router;
    if (router) headers["X-GW-Router-Addr"] = router;
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      for (const existing of Object.keys(headers)) if (existing.toLowerCase() === k.toLowerCase()) delete headers[existing];
      if (v !== undefined) headers[k] = v;
    }
    const qs = new URLSearchParams(pairs).toString();
    const res = await fetch(`${this.sandbox.url}${path}${qs ? "?" + qs : ""}`, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  async fetchToken(creds: SandboxCredentials = this.creds, extra: Record<string, string> = {}): Promise<CallResult> {
    return this.call("/jdyconnector/app_management/kingdee_auth_token", {
      query: { app_key: creds.appKey, app_signature: appSignature(creds.appKey, creds.appSecret), ...extra },
      credentials: creds,
      token: null,
      router: null,
    });
  }

  async login(): Promise<string> {
    const res = await this.fetchToken();
    if (res.json?.errcode !== 0) throw new Error(`token call failed: ${res.text}`);
    this.token = res.json.data["app-token"] as string;
    return this.token;
  }

  /** Business GET with the current token; returns the parsed envelope. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async get(path: string, query: Record<string, string | number> = {}): Promise<any> {
    const res = await this.call(path, { query });
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${res.text}`);
    return res.json;
  }
}

/** Unsigned JSON call to a /__sandbox control route. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function control(sandbox: KingdeeSandbox, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, ...((await res.json()) as object) };
}

/** "yyyy-MM-dd HH:mm:ss" (UTC+8) → epoch ms. */
export const parseBeijing = (s: string) => Date.parse(s.replace(" ", "T") + "+08:00");

export const cents = (v: unknown) => Math.round(Number(v) * 100);
