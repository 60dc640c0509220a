import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CallLog } from "./calls.js";
import { Clock } from "./clock.js";
import { ControlRoutes } from "./control.js";
import { FaultBox, type FaultBase, type FaultBoxOptions } from "./faults.js";
import { parseRequest, urlSearchPairs, type Reply, type SandboxRequest } from "./http.js";
import { RateLimits, validateRateLimit, type RateLimitRule } from "./rate-limit.js";

/** What a simulator brings to the skeleton: its protocol's answers. */
export interface SandboxKitOptions<F extends FaultBase, R extends RateLimitRule> {
  /** For the log line, e.g. "kingdee sandbox". */
  name: string;
  /** Default 0 (random free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  logger?: (line: string) => void;
  /** Default 32 MiB. */
  maxBodyBytes?: number;
  /** The protocol's query decoding (default: URLSearchParams). */
  decodeQuery?: (rawQuery: string) => Array<[string, string]>;
  faults: FaultBoxOptions<F, SandboxRequest>;
  /** The rate limit at start; `faults.clear()` and `/__sandbox/reset` restore it. */
  rateLimit?: R | null;
  /** The sandbox's own rule checks on top of the kit's (e.g. how it answers when over). */
  validateRateLimit?: (input: unknown) => R;
  /** The account a call is made for (e.g. the tenant of its token), for the call log; undefined when unknown. */
  accountOf?: (req: SandboxRequest) => string | undefined;
  /** The simulated API, after the call was logged and gateway-level faults passed. */
  api: (req: SandboxRequest) => Reply | Promise<Reply>;
  /** The answer of a terminal fault (`before`), in the protocol's shape. */
  faultReply: (fault: F, req: SandboxRequest) => Reply | Promise<Reply>;
  /** The answer to an unexpected error. */
  internalError: () => Reply;
  /** Headers every answer carries (e.g. a request id). */
  headers?: () => Record<string, string>;
  /** Every token issued so far expires now (`POST /__sandbox/faults { expireTokens: true }`). */
  expireTokens: () => void;
}

/**
 * The simulator skeleton: an HTTP server that logs every API call, applies injected faults and
 * answers `/__sandbox/*` control routes, with rate limits and a clock the sandbox's API uses.
 * The API itself (signatures, tokens, data) is the sandbox's own.
 */
export class SandboxKit<F extends FaultBase & { ms?: number }, R extends RateLimitRule = RateLimitRule> {
  readonly clock = new Clock();
  readonly calls = new CallLog();
  readonly faults: FaultBox<F, SandboxRequest>;
  readonly limits: RateLimits<R>;
  readonly control = new ControlRoutes();
  readonly #options: SandboxKitOptions<F, R>;
  readonly #server: Server;
  readonly #sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  #port = 0;
  #host = "127.0.0.1";
  #stopped = false;

  constructor(options: SandboxKitOptions<F, R>) {
    this.#options = options;
    this.faults = new FaultBox(options.faults);
    this.limits = new RateLimits<R>(options.rateLimit ? this.validateRateLimit(options.rateLimit) : null);
    this.#sharedRoutes();
    this.#server = createServer((req, res) => {
      const started = Date.now();
      this.#handle(req.method ?? "GET", req, res, started).catch((err: unknown) => {
        this.#log(`sandbox error: ${err instanceof Error ? err.stack : String(err)}`);
        if (!res.headersSent) this.#send(req.method ?? "GET", req.url ?? "", res, started, options.internalError());
      });
    });
    this.#server.keepAliveTimeout = 30_000;
  }

  validateRateLimit(input: unknown): R {
    return this.#options.validateRateLimit ? this.#options.validateRateLimit(input) : validateRateLimit<R>(input);
  }

  async listen(): Promise<void> {
    this.#host = this.#options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#options.port ?? 0, this.#host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    this.#log(`${this.#options.name} listening on ${this.url}`);
  }

  get url(): string {
    return `http://${this.#host}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  /** Closes the server and its keep-alive sockets; delayed (latency) calls are dropped. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const s of this.#sleepers) {
      clearTimeout(s.timer);
      s.resolve();
    }
    this.#sleepers.clear();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  /** Sets (a rule) or clears (null: every rule) the rate limits. */
  rateLimit(rule: R | null): void {
    if (rule) this.limits.set(this.validateRateLimit(rule));
    else this.limits.remove();
  }

  /** Removes injected faults and restores the rate limit configured at start. */
  clearFaults(): void {
    this.faults.clear();
    this.limits.remove();
    if (this.#options.rateLimit) this.limits.set(this.validateRateLimit(this.#options.rateLimit));
  }

  /** Faults and rate limits as at start, and an empty call log (the clock keeps its time). */
  reset(): void {
    this.clearFaults();
    this.calls.reset();
  }

  #log(line: string): void {
    this.#options.logger?.(line);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#sleepers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.#sleepers.add(entry);
    });
  }

  #send(method: string, url: string, res: ServerResponse, started: number, reply: Reply): void {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(reply.status, {
      ...this.#options.headers?.(),
      "Content-Type": reply.contentType,
      "Content-Length": Buffer.byteLength(reply.body),
    });
    res.end(reply.body);
    if (this.#options.logger) {
      const code = reply.errcode ? ` errcode=${reply.errcode}` : "";
      // Path only: queries carry tokens and signatures.
      this.#log(`${method} ${url.split("?")[0]} → ${reply.status}${code} ${Date.now() - started}ms`);
    }
  }

  async #handle(method: string, raw: Parameters<typeof parseRequest>[0], res: ServerResponse, started: number): Promise<void> {
    const req = await parseRequest(raw, {
      maxBodyBytes: this.#options.maxBodyBytes ?? 32 * 1024 * 1024,
      decodeQuery: this.#options.decodeQuery ?? urlSearchPairs,
      now: this.clock.now(),
    });
    const send = (reply: Reply) => this.#send(method, req.url, res, started, reply);
    if (req.path === "/__sandbox" || req.path.startsWith("/__sandbox/")) {
      send(await this.control.dispatch(req));
      return;
    }
    this.calls.record(req.path, req.receivedAt, this.#options.accountOf?.(req));
    if (!this.faults.empty) {
      const { delayMs, fault } = this.faults.before(req.path, req);
      if (delayMs > 0) await this.#sleep(delayMs);
      if (this.#stopped) return;
      if (fault) {
        send(await this.#options.faultReply(fault, req));
        return;
      }
    }
    send(await this.#options.api(req));
  }

  #sharedRoutes(): void {
    const c = this.control;
    c.route("GET", "/__sandbox/health", () => ({ ok: true, url: this.url }));
    c.route("GET", "/__sandbox/calls", ({ str }) => {
      const path = str("path");
      const account = str("account");
      const windowMs = str("windowMs");
      const filter = { path, account };
      return {
        count: this.calls.count(filter),
        byPath: this.calls.byPath(),
        byAccount: this.calls.byAccount(),
        ...(path !== undefined || account !== undefined ? { ...filter, times: this.calls.times(filter) } : {}),
        ...(windowMs !== undefined ? { windowMs: Number(windowMs), maxInWindow: this.calls.maxInWindow(filter, Number(windowMs)) } : {}),
      };
    });
    const resetCalls = () => {
      this.calls.reset();
      return { ok: true };
    };
    c.route("POST", "/__sandbox/calls/reset", resetCalls);
    c.route("DELETE", "/__sandbox/calls", resetCalls);
    c.route("GET", "/__sandbox/faults", () => ({ faults: this.faults.list(), rateLimit: this.limits.general, rateLimits: this.limits.list() }));
    c.route("POST", "/__sandbox/faults", ({ body }) => {
      if (body.clear === true) this.clearFaults();
      else if (body.expireTokens === true) this.#options.expireTokens();
      else if ("rateLimit" in body) this.rateLimit((body.rateLimit as R | null) ?? null);
      else this.faults.inject(this.faults.validate(body));
      return { ok: true, faults: this.faults.list() };
    });
    c.route("GET", "/__sandbox/rate-limit", () => ({ rateLimits: this.limits.list() }));
    c.route("POST", "/__sandbox/rate-limit", ({ body }) => {
      this.limits.set(this.validateRateLimit(body));
      return { ok: true, rateLimits: this.limits.list() };
    });
    c.route("DELETE", "/__sandbox/rate-limit", ({ str }) => {
      this.limits.remove(str("account"));
      return { ok: true, rateLimits: this.limits.list() };
    });
    c.route("GET", "/__sandbox/clock", () => ({ now: this.clock.now() }));
    c.route("POST", "/__sandbox/clock/advance", ({ body }) => {
      this.clock.advance(Number(body.ms));
      return { now: this.clock.now() };
    });
    c.route("POST", "/__sandbox/reset", () => {
      this.reset();
      return { ok: true };
    });
  }
}
