import type { FetchLike } from "@erpbridge/client";
import { networkLimiter, type Limiter } from "./limiter";

type FetchResponse = Awaited<ReturnType<FetchLike>>;

/** The part of `wx.request` the adapter uses (injectable for tests). */
export type WxRequest = (options: {
  url: string;
  method: "GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "OPTIONS";
  header: Record<string, string>;
  data?: string;
  dataType: string;
  responseType: "text";
  timeout?: number;
  success(res: { statusCode: number; header: Record<string, unknown>; data: unknown }): void;
  fail(err: { errMsg: string; errno?: number }): void;
}) => { abort(): void } | undefined | void;

/** A network failure (no response): `wx.request`'s `fail`. */
export class NetworkError extends Error {
  override name = "NetworkError";
  constructor(
    message: string,
    readonly errno?: number,
  ) {
    super(message);
  }
}

const METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"] as const;

function headerLookup(header: Record<string, unknown>) {
  return {
    get(name: string): string | null {
      const wanted = name.toLowerCase();
      for (const key of Object.keys(header ?? {})) {
        if (key.toLowerCase() === wanted) {
          const value = header[key];
          return Array.isArray(value) ? value.join(", ") : value == null ? null : String(value);
        }
      }
      return null;
    },
  };
}

export interface WxFetchOptions {
  /** Default: the global `wx.request`. */
  request?: WxRequest;
  /** Default: the App-wide limiter (10 in flight). */
  limiter?: Limiter;
  timeoutMs?: number;
}

/**
 * `fetch` over `wx.request`, for `@erpbridge/client`. `success` fires for every HTTP status (4xx/5xx
 * too): that is a response, with `ok` from the status. `fail` is a network failure: rejected.
 * The body is read as text and parsed by `json()`, so error bodies come through unchanged.
 * PATCH does not exist in `wx.request` (tRPC only uses GET and POST here).
 */
export function createWxFetch(options: WxFetchOptions = {}): FetchLike {
  return (url, init) => {
    const method = (init.method ?? "GET").toUpperCase();
    if (!(METHODS as readonly string[]).includes(method)) {
      return Promise.reject(new TypeError(`wx.request does not support the ${method} method`));
    }
    const limiter = options.limiter ?? networkLimiter();
    const request = options.request ?? ((o) => wx.request(o as unknown as WechatMiniprogram.RequestOption));
    const signal = init.signal ?? null;
    return limiter.run(
      () =>
        new Promise<FetchResponse>((resolve, reject) => {
          if (signal?.aborted) {
            reject(signal.reason ?? new NetworkError("request:fail abort"));
            return;
          }
          const header: Record<string, string> = {};
          for (const [key, value] of Object.entries((init.headers ?? {}) as Record<string, string>)) header[key] = String(value);
          let onAbort: (() => void) | undefined;
          const task = request({
            url,
            method: method as (typeof METHODS)[number],
            header,
            ...(init.body !== undefined ? { data: init.body } : {}),
            dataType: "text", // keep the body as sent; json() parses it
            responseType: "text",
            ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
            success(res) {
              if (onAbort) signal?.removeEventListener("abort", onAbort);
              const text = typeof res.data === "string" ? res.data : JSON.stringify(res.data ?? null);
              resolve({
                ok: res.statusCode >= 200 && res.statusCode < 300,
                status: res.statusCode,
                statusText: "",
                headers: headerLookup(res.header ?? {}),
                json: () =>
                  new Promise((ok, bad) => {
                    try {
                      ok(JSON.parse(text));
                    } catch {
                      bad(new SyntaxError(`response ${res.statusCode} is not JSON: ${text.slice(0, 80)}`));
                    }
                  }),
                text: () => Promise.resolve(text),
              });
            },
            fail(err) {
              if (onAbort) signal?.removeEventListener("abort", onAbort);
              reject(signal?.aborted ? (signal.reason ?? new NetworkError(err.errMsg)) : new NetworkError(err.errMsg || "request:fail", err.errno));
            },
          });
          if (signal && task && typeof task.abort === "function") {
            onAbort = () => task.abort();
            signal.addEventListener("abort", onAbort);
          }
        }),
    );
  };
}
