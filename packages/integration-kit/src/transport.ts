/** What every request carries, whatever the SDK: the kit's plugins read only these. */
export interface KitRequest {
  method: string;
  path: string;
  /** The caller's cancellation: aborts the HTTP exchange and any wait (retry back-off, rate budget). */
  signal?: AbortSignal;
}

/** One step of a client: sends a request and resolves with the answer `Res` carrying `data: T`. */
export type Send<Req extends KitRequest = KitRequest, Res extends object = { status: number }> = <T = unknown>(
  request: Req,
) => Promise<Res & { data: T }>;

/** octokit-style composable step: wraps the next `send`. */
export type Plugin<Req extends KitRequest = KitRequest, Res extends object = { status: number }> = (next: Send<Req, Res>) => Send<Req, Res>;

/** `compose(core, a, b)` sends through a → b → core: the first plugin is the outermost. */
export const compose = <Req extends KitRequest, Res extends object>(core: Send<Req, Res>, ...plugins: Array<Plugin<Req, Res>>): Send<Req, Res> =>
  plugins.reduceRight<Send<Req, Res>>((next, plugin) => plugin(next), core);

export interface HttpExchange {
  url: URL;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  /** Gives up after this long (the whole exchange, body included). */
  timeoutMs: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

export interface HttpAnswer {
  response: Response;
  body: Buffer;
}

export type HttpFailureKind = "timeout" | "aborted" | "network";

/** An exchange that brought no answer. `neverSent` proves the request never reached the server. */
export class HttpFailure extends Error {
  override readonly name = "HttpFailure";
  constructor(
    readonly kind: HttpFailureKind,
    readonly neverSent: boolean,
    cause: unknown,
  ) {
    super(`HTTP exchange failed: ${kind}`, { cause });
  }
}

/** Socket errors that prove the request never reached the server, so resending is always safe. */
const NEVER_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"]);

function neverSent(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 4) return false;
  const e = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === "string" && NEVER_SENT.has(e.code)) return true;
  if (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((x) => neverSent(x, depth + 1))) return true;
  return neverSent(e.cause, depth + 1);
}

/**
 * One HTTP exchange with a timeout and the caller's AbortSignal: resolves with the response and its
 * whole body, or throws an `HttpFailure` saying whether it timed out, was aborted by the caller, or
 * failed on the network. Signing, envelopes and errors are the SDK's business.
 *
 * One controller, one timer and one listener per exchange, rather than `AbortSignal.timeout` and
 * `AbortSignal.any`: those cost ~20 µs a call, and `any` over a long-lived caller signal (a sync
 * stream's) keeps every derived signal registered on it until collected.
 */
export async function sendHttp(exchange: HttpExchange): Promise<HttpAnswer> {
  const fetchFn = exchange.fetch ?? globalThis.fetch;
  const caller = exchange.signal;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`timed out after ${exchange.timeoutMs} ms`, "TimeoutError"));
  }, exchange.timeoutMs);
  const onCallerAbort = () => controller.abort(caller!.reason);
  if (caller?.aborted) onCallerAbort();
  else caller?.addEventListener("abort", onCallerAbort, { once: true });
  try {
    const response = await fetchFn(exchange.url, { method: exchange.method, headers: exchange.headers, body: exchange.body, signal: controller.signal });
    return { response, body: Buffer.from(await response.arrayBuffer()) };
  } catch (cause) {
    if (caller?.aborted) throw new HttpFailure("aborted", false, caller.reason ?? cause);
    throw new HttpFailure(timedOut ? "timeout" : "network", !timedOut && neverSent(cause), cause);
  } finally {
    clearTimeout(timer);
    caller?.removeEventListener("abort", onCallerAbort);
  }
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
