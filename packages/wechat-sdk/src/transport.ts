import { type Plugin as KitPlugin, type Send as KitSend, HttpFailure, redact, sendHttp } from "@erpbridge/integration-kit";
import { WechatError, failureError, outcomeNote } from "./errors.js";
import { type RetryPolicy, WECHAT_PROTOCOL } from "./protocol.js";

export type HttpMethod = "GET" | "POST";
export type QueryValue = string | number | boolean | undefined;

export interface WechatRequest {
  method: HttpMethod;
  /** Path from the API root, e.g. `/cgi-bin/message/subscribe/send`. */
  path: string;
  query?: Record<string, QueryValue>;
  /** Sent as a JSON string (WeChat wants JSON bodies, never form encoding). */
  body?: unknown;
  /** `access_token` (default): the token step adds `?access_token=`. `none`: code2Session, stable_token. */
  auth?: "access_token" | "none";
  /** What may be sent again after a lost or refused answer; see `RetryPolicy`. */
  retryPolicy: RetryPolicy;
  /** `image`: a successful answer is image bytes (returned as a Buffer), a JSON answer is an error. */
  accept?: "json" | "image";
  /** Set by the token step; never logged or put in errors. */
  accessToken?: string;
  /** Cancels the call: the HTTP exchange and any wait for a retry. */
  signal?: AbortSignal;
}

export interface WechatResponse<T = unknown> {
  status: number;
  requestId: string | undefined;
  /** The parsed JSON answer, or a Buffer for `accept: "image"`. */
  data: T;
  contentType: string;
}

/** Metadata of one HTTP exchange, for call logs and metrics. Never URLs, bodies, tokens or secrets. */
export interface CallRecord {
  method: HttpMethod;
  /** The path only: the query (access_token, secret, js_code) is never recorded. */
  endpoint: string;
  status: number | undefined;
  errcode: number | undefined;
  latencyMs: number;
  ok: boolean;
  requestId: string | undefined;
}

export type Send = KitSend<WechatRequest, Omit<WechatResponse, "data">>;
/** octokit-style composable step: wraps the next `send` (the integration kit's `Plugin`). */
export type Plugin = KitPlugin<WechatRequest, Omit<WechatResponse, "data">>;

export interface TransportOptions {
  baseUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Values that must never appear in an error (AppSecret, recent tokens); the request's own token is added per call. */
  secrets: () => string[];
  onCall?: (call: CallRecord) => void;
}

interface Envelope {
  errcode?: number | string;
  errmsg?: string;
}

/** True when the answer is image bytes: by Content-Type, sniffing only when it says neither image nor JSON/text. */
function isImage(contentType: string, bytes: Buffer): boolean {
  if (WECHAT_PROTOCOL.imageContentType.test(contentType)) return true;
  if (/json|text/i.test(contentType)) return false;
  const firstByte = bytes.subarray(0, 64).toString("latin1").trimStart()[0];
  return bytes.length > 0 && firstByte !== "{";
}

/** The core: builds the URL, sends one attempt, unwraps the `{ errcode, errmsg }` envelope or image bytes. */
export function createTransport(options: TransportOptions): Send {
  const base = options.baseUrl.replace(/\/+$/, "");

  return async function send<T>(request: WechatRequest): Promise<WechatResponse<T>> {
    const { method, path, retryPolicy } = request;
    const url = new URL(base + path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.append(key, String(value));
    }
    if ((request.auth ?? "access_token") === "access_token") {
      if (!request.accessToken) throw new Error(`internal: ${path} sent without an access token`);
      url.searchParams.set(WECHAT_PROTOCOL.accessTokenParam, request.accessToken);
    }
    const secrets = [...options.secrets(), ...(request.accessToken ? [request.accessToken] : [])];

    const started = performance.now();
    const record = (status: number | undefined, errcode: number | undefined, requestId: string | undefined, ok: boolean) =>
      options.onCall?.({ method, endpoint: path, status, errcode, latencyMs: performance.now() - started, ok, requestId });

    let response: Response;
    let bytes: Buffer;
    try {
      const answer = await sendHttp({
        url,
        method,
        headers: method === "POST" ? { "Content-Type": "application/json" } : {},
        body: method === "POST" ? JSON.stringify(request.body ?? {}) : undefined,
        timeoutMs: options.timeoutMs,
        signal: request.signal,
        fetch: options.fetch,
      });
      response = answer.response;
      bytes = answer.body;
    } catch (failure) {
      record(undefined, undefined, undefined, false);
      if (!(failure instanceof HttpFailure)) throw failure;
      // The caller gave up: their reason, not an SDK error (nothing to retry or classify).
      if (failure.kind === "aborted") throw failure.cause;
      const timedOut = failure.kind === "timeout";
      const unsent = failure.neverSent;
      const cause = failure.cause;
      throw new WechatError({
        message: `WeChat ${method} ${path} ${timedOut ? `timed out after ${options.timeoutMs} ms` : unsent ? "failed: connection not established" : "failed: network error"}${unsent ? "" : outcomeNote(retryPolicy)}`,
        category: timedOut ? "timeout" : "network",
        method,
        endpoint: path,
        retryable: unsent || retryPolicy === "idempotent",
        // The undici cause never carries the URL; keep it for diagnosis.
        cause,
      });
    }

    const contentType = response.headers.get("content-type") ?? "";
    if (request.accept === "image" && response.ok && isImage(contentType, bytes)) {
      record(response.status, undefined, undefined, true);
      return { status: response.status, requestId: undefined, data: bytes as T, contentType };
    }

    let envelope: Envelope | undefined;
    try {
      const text = bytes.toString("utf8");
      envelope = text ? (JSON.parse(text) as Envelope) : undefined;
    } catch {
      envelope = undefined;
    }

    if (!envelope || typeof envelope !== "object") {
      record(response.status, undefined, undefined, false);
      // A body that is not JSON is a transport fault (truncation, proxy page), not an API answer.
      const serverFault = response.ok || response.status >= 500;
      throw new WechatError({
        message: `WeChat ${method} ${path} returned a body that is not JSON (HTTP ${response.status})${serverFault ? outcomeNote(retryPolicy) : ""}`,
        category: serverFault ? "network" : "validation",
        method,
        endpoint: path,
        status: response.status,
        retryable: serverFault && retryPolicy === "idempotent",
      });
    }

    const errcode = toCode(envelope.errcode);
    const errmsg = typeof envelope.errmsg === "string" ? redact(envelope.errmsg, secrets) : undefined;
    const requestId = errmsg ? WECHAT_PROTOCOL.ridPattern.exec(errmsg)?.[1] : undefined;
    const success = response.ok && (errcode === undefined || errcode === 0);
    if (success && request.accept === "image") {
      record(response.status, errcode, requestId, false);
      throw new WechatError({
        message: `WeChat ${method} ${path} answered JSON without an image (content-type ${contentType || "none"})`,
        category: "unknown",
        method,
        endpoint: path,
        status: response.status,
        errcode,
        errmsg,
        requestId,
      });
    }
    record(response.status, errcode, requestId, success);
    if (!success) {
      throw failureError({ method, endpoint: path, status: response.status, errcode, errmsg, requestId, headers: response.headers }, retryPolicy);
    }
    return { status: response.status, requestId, data: envelope as T, contentType };
  };
}

function toCode(value: number | string | undefined): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
