import { type Plugin as KitPlugin, type Send as KitSend, HttpFailure, sendHttp } from "@erpbridge/integration-kit";
import { KingdeeError, failureError } from "./errors.js";
import { parseRequestPath } from "./path.js";
import { JDY_PROTOCOL } from "./protocol.js";
import { type Query, queryPairs, signatureHeaders } from "./signing.js";

export type HttpMethod = "GET" | "POST";

export interface KingdeeRequest {
  method: HttpMethod;
  /**
   * Path from the gateway root, e.g. `/jdy/v2/scm/sal_out_bound`. A `?a=1&b=2` written into it is
   * split out and sent and signed like `query` (values literal); `%`, `..` and other characters that
   * would need encoding are refused (see `parseRequestPath`).
   */
  path: string;
  query?: Query;
  body?: unknown;
  /**
   * `app-token` for business calls (token + router header); `signature` for the connector calls
   * (token, authorization) that carry only the X-Api-* signature.
   */
  auth?: "app-token" | "signature";
  /** Set by the token step; never logged. */
  appToken?: string;
  /** Cancels the call: the HTTP exchange and any wait for a retry or the rate budget. */
  signal?: AbortSignal;
}

export interface KingdeeResponse<T = unknown> {
  status: number;
  requestId: string | undefined;
  data: T;
}

/** Metadata of one HTTP exchange, for call logs and metrics. */
export interface CallRecord {
  method: HttpMethod;
  endpoint: string;
  status: number | undefined;
  errcode: number | undefined;
  latencyMs: number;
  ok: boolean;
  requestId: string | undefined;
}

export type Send = KitSend<KingdeeRequest, Omit<KingdeeResponse, "data">>;
/** octokit-style composable step: wraps the next `send` (the integration kit's `Plugin`). */
export type Plugin = KitPlugin<KingdeeRequest, Omit<KingdeeResponse, "data">>;

export interface TransportOptions {
  baseUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Read at send time: credentials may change after authorization is pulled again. */
  credentials: () => { clientId: string; clientSecret: string; domain: string };
  onCall?: (call: CallRecord) => void;
}

interface Envelope {
  errcode?: number | string;
  code?: number | string;
  description?: string;
  data?: unknown;
}

const isRead = (method: HttpMethod) => method === "GET";

/** The core: signs one attempt, sends it, unwraps the `{errcode, description, data}` envelope. */
export function createTransport(options: TransportOptions): Send {
  const base = options.baseUrl.replace(/\/+$/, "");

  return async function send<T>(request: KingdeeRequest): Promise<KingdeeResponse<T>> {
    const { method } = request;
    const { path, query: pathPairs } = parseRequestPath(request.path, method);
    const pairs = [...pathPairs, ...queryPairs(request.query)];
    const url = new URL(base + path);
    for (const [key, value] of pairs) url.searchParams.append(key, value);

    const creds = options.credentials();
    const headers: Record<string, string> = signatureHeaders(creds, { method, path, query: pairs });
    if ((request.auth ?? "app-token") === "app-token") {
      if (!request.appToken) throw new Error(`internal: ${path} sent without an app-token`);
      headers["app-token"] = request.appToken;
      headers["X-GW-Router-Addr"] = creds.domain;
    }

    const started = performance.now();
    const record = (status: number | undefined, errcode: number | undefined, requestId: string | undefined, ok: boolean) =>
      options.onCall?.({ method, endpoint: path, status, errcode, latencyMs: performance.now() - started, ok, requestId });

    let response: Response;
    let text: string;
    try {
      const answer = await sendHttp({
        url,
        method,
        headers,
        body: request.body === undefined ? (method === "POST" ? "{}" : undefined) : JSON.stringify(request.body),
        timeoutMs: options.timeoutMs,
        signal: request.signal,
        fetch: options.fetch,
      });
      response = answer.response;
      text = answer.body.toString("utf8");
    } catch (failure) {
      record(undefined, undefined, undefined, false);
      if (!(failure instanceof HttpFailure)) throw failure;
      // The caller gave up: their reason, not an SDK error (nothing to retry or classify).
      if (failure.kind === "aborted") throw failure.cause;
      const timedOut = failure.kind === "timeout";
      const cause = failure.cause;
      throw new KingdeeError({
        message: `Kingdee ${method} ${path} ${timedOut ? `timed out after ${options.timeoutMs} ms` : "failed: network error"}${isRead(method) ? "" : " (outcome unknown: check before retrying the write)"}`,
        category: timedOut ? "timeout" : "network",
        method,
        endpoint: path,
        retryable: isRead(method),
        cause,
      });
    }

    const requestId = response.headers.get("x-api-requestid") ?? undefined;
    let envelope: Envelope | undefined;
    try {
      envelope = text ? (JSON.parse(text) as Envelope) : undefined;
    } catch {
      envelope = undefined;
    }
    const errcode = envelope ? toCode(envelope.errcode ?? envelope.code) : undefined;

    if (response.ok && (!envelope || typeof envelope !== "object")) {
      record(response.status, undefined, requestId, false);
      // A 200 body that is not JSON is a transport fault (truncation, proxy page), not a business answer.
      throw new KingdeeError({
        message: `Kingdee ${method} ${path} returned a body that is not JSON (HTTP ${response.status})`,
        category: "network",
        method,
        endpoint: path,
        status: response.status,
        requestId,
        headers: response.headers,
        retryable: isRead(method),
      });
    }

    // An HTTP error with a body that is not JSON (a proxy's 502 page) is judged by its status alone.
    const description = envelope && typeof envelope === "object" ? envelope.description : "body is not JSON";
    const success = response.ok && (errcode === undefined || (JDY_PROTOCOL.authorizationSuccessCodes as readonly number[]).includes(errcode));
    record(response.status, errcode, requestId, success);
    if (!success) {
      const error = failureError({
        method,
        endpoint: path,
        status: response.status,
        errcode,
        description,
        requestId,
        headers: response.headers,
      });
      // Server faults on writes leave the outcome unknown: never marked retryable.
      if (!isRead(method) && error.category !== "rate_limit" && !error.isReplayRejected && !error.isTokenRejected) {
        throw new KingdeeError({ ...error.toJSON(), message: error.message, retryable: false });
      }
      throw error;
    }
    return { status: response.status, requestId, data: envelope?.data as T };
  };
}

function toCode(value: number | string | undefined): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
