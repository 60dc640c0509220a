import type { WechatSandbox } from "../src/index.js";

export const PATHS = {
  code2Session: "/sns/jscode2session",
  stableToken: "/cgi-bin/stable_token",
  classicToken: "/cgi-bin/token",
  subscribeSend: "/cgi-bin/message/subscribe/send",
  getUnlimited: "/wxa/getwxacodeunlimit",
  getPhoneNumber: "/wxa/business/getuserphonenumber",
} as const;

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface Result {
  status: number;
  contentType: string;
  bytes: Buffer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** A raw HTTP call, the way a client of the real API would make it (test-only; not the SDK). */
export async function call(
  sandbox: WechatSandbox,
  path: string,
  opts: { method?: string; query?: Record<string, string>; body?: unknown; rawBody?: string } = {},
): Promise<Result> {
  const qs = new URLSearchParams(opts.query ?? {}).toString();
  const method = opts.method ?? (opts.body !== undefined || opts.rawBody !== undefined ? "POST" : "GET");
  const res = await fetch(`${sandbox.url}${path}${qs ? `?${qs}` : ""}`, {
    method,
    headers: method === "POST" ? { "Content-Type": "application/json" } : {},
    body: opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", bytes, json };
}

export const stableToken = (sandbox: WechatSandbox, extra: Record<string, unknown> = {}, app = sandbox.demoApp) =>
  call(sandbox, PATHS.stableToken, { body: { grant_type: "client_credential", appid: app.appId, secret: app.appSecret, ...extra } });

/** A valid stable access token of the demo app. */
export async function token(sandbox: WechatSandbox): Promise<string> {
  const res = await stableToken(sandbox);
  if (!res.json?.access_token) throw new Error(`token call failed: ${res.bytes.toString()}`);
  return res.json.access_token as string;
}

/** A business POST with `?access_token=`. */
export const business = (sandbox: WechatSandbox, path: string, accessToken: string, body: unknown) =>
  call(sandbox, path, { query: { access_token: accessToken }, body });

/** Unsigned JSON call to a /__sandbox control route. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function control(sandbox: WechatSandbox, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, ...((await res.json()) as object) };
}

/** Width and height from a PNG's IHDR chunk. */
export const pngSize = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

export const ERRMSG_WITH_RID = /rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;
