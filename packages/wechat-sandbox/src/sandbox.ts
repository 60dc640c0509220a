import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CallLog } from "./calls.js";
import { Clock } from "./clock.js";
import { FaultBox, validateFault } from "./faults.js";
import { newRid } from "./ids.js";
import { ERRMSG, resolveProtocol, type SandboxProtocol } from "./protocol.js";
import type {
  FaultSpec,
  PhoneInput,
  SandboxApp,
  SandboxTemplate,
  SandboxUser,
  WechatSandbox,
  WechatSandboxOptions,
} from "./types.js";
import { type Answer, ApiError, World, demoAppDefaults, demoTemplateDefaults } from "./world.js";

interface Reply {
  status: number;
  body: string | Buffer;
  contentType: string;
  errcode?: number;
}

type Route = { method: "GET" | "POST"; token: boolean; run: (app: SandboxApp | undefined, query: URLSearchParams, body: string) => Answer | Promise<Answer> };

const CONTROL_JSON = "application/json; charset=utf-8";

export class SandboxServer implements WechatSandbox {
  readonly protocol: SandboxProtocol;
  readonly calls = new CallLog();
  readonly clock = new Clock();
  readonly #world: World;
  readonly #faultBox = new FaultBox();
  readonly #server: Server;
  readonly #options: WechatSandboxOptions;
  readonly #log?: (line: string) => void;
  readonly #routes: Map<string, Route>;
  readonly #sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  readonly #demoAppId: string;
  readonly demoTemplate: SandboxTemplate | undefined;
  #port = 0;
  #host = "127.0.0.1";
  #stopped = false;

  constructor(options: WechatSandboxOptions = {}) {
    this.#options = options;
    this.protocol = resolveProtocol({
      ...options.protocol,
      ...(options.tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds: options.tokenLifetimeSeconds } : {}),
      ...(options.codeLifetimeMs !== undefined ? { codeLifetimeMs: options.codeLifetimeMs } : {}),
    });
    this.#log = options.logger;
    this.#world = new World(this.protocol, this.clock);
    const apps = options.apps && options.apps.length ? options.apps : [demoAppDefaults()];
    for (const app of apps) this.#world.addApp(app);
    this.#demoAppId = apps[0]!.appId;
    for (const page of options.pages ?? ["pages/index/index"]) this.pages.add(page);
    const templates: NonNullable<WechatSandboxOptions["templates"]> = options.templates ?? [demoTemplateDefaults()];
    const added = templates.map((t) => this.templates.add(t.templateId, t.fieldKeys, { appId: t.appId, title: t.title }));
    this.demoTemplate = options.templates ? undefined : added[0];

    const p = this.protocol.paths;
    const w = this.#world;
    this.#routes = new Map<string, Route>([
      [p.code2Session, { method: "GET", token: false, run: (_app, query) => w.code2Session(query) }],
      [p.stableToken, { method: "POST", token: false, run: (_app, _query, body) => w.stableToken(body) }],
      [p.classicToken, { method: "GET", token: false, run: (_app, query) => w.classicToken(query) }],
      [p.subscribeSend, { method: "POST", token: true, run: (app, _query, body) => w.subscribeSend(app!, body) }],
      [p.getUnlimited, { method: "POST", token: true, run: (app, _query, body) => w.getUnlimited(app!, body) }],
      [p.getPhoneNumber, { method: "POST", token: true, run: (app, _query, body) => w.getPhoneNumber(app!, body) }],
    ]);

    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.#log?.(`sandbox error: ${err instanceof Error ? err.stack : String(err)}`);
        if (!res.headersSent) this.#send(req, res, Date.now(), this.#error(-1));
      });
    });
    this.#server.keepAliveTimeout = 30_000;
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
    this.#log?.(`wechat sandbox listening on ${this.url}`);
  }

  get url(): string {
    return `http://${this.#host}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get demoApp(): SandboxApp {
    return { ...this.#world.apps.get(this.#demoAppId)! };
  }

  apps(): SandboxApp[] {
    return [...this.#world.apps.values()].map((a) => ({ ...a }));
  }

  addApp(app?: Partial<SandboxApp>): SandboxApp {
    return this.#world.addApp(app);
  }

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

  // ---------- programmatic control ----------

  readonly users = {
    add: (user: { openid?: string; unionid?: string; appId?: string } = {}): SandboxUser => this.#world.addUser(user, this.#demoAppId),
    get: (openid: string): SandboxUser | undefined => {
      const user = this.#world.users.get(openid);
      return user ? { ...user } : undefined;
    },
    list: (): SandboxUser[] => [...this.#world.users.values()].map((u) => ({ ...u })),
    link: (openid: string, unionid?: string): string => this.#world.link(openid, unionid),
    phoneCode: (openid: string, phone: PhoneInput): string =>
      this.#world.phoneCode(this.#world.ensureUser(openid, undefined, this.#demoAppId), phone),
  };

  readonly codes = {
    issue: (openid: string, options: { appId?: string } = {}): string =>
      this.#world.issueCode(this.#world.ensureUser(openid, options.appId, this.#demoAppId)),
  };

  readonly consent = {
    grant: (openid: string, templateId: string, n = 1): number => this.#world.grant(openid, templateId, n, this.#demoAppId),
    remaining: (openid: string, templateId: string): number => this.#world.remaining(openid, templateId),
    revoke: (openid: string, templateId: string): void => this.#world.revoke(openid, templateId),
  };

  readonly templates = {
    add: (templateId: string, fieldKeys: string[], options: { appId?: string; title?: string } = {}): SandboxTemplate =>
      this.#world.addTemplate(templateId, fieldKeys, options, this.#demoAppId),
    list: (appId?: string): SandboxTemplate[] =>
      [...this.#world.templates.values()]
        .filter((t) => appId === undefined || t.appId === appId)
        .map((t) => ({ ...t, fieldKeys: [...t.fieldKeys] })),
    remove: (templateId: string): boolean => this.#world.templates.delete(templateId),
  };

  readonly messages = {
    sent: (filter: { touser?: string; templateId?: string; appId?: string } = {}) =>
      this.#world.messages
        .filter(
          (m) =>
            (filter.touser === undefined || m.touser === filter.touser) &&
            (filter.templateId === undefined || m.templateId === filter.templateId) &&
            (filter.appId === undefined || m.appId === filter.appId),
        )
        .map((m) => structuredClone(m)),
    clear: (): void => {
      this.#world.messages.length = 0;
    },
  };

  readonly pages = {
    add: (page: string): void => {
      if (typeof page !== "string" || page === "" || page.startsWith("/") || page.includes("?")) {
        throw new Error(`invalid page: ${String(page)} (no leading /, no query)`);
      }
      this.#world.pages.add(page);
    },
    list: (): string[] => [...this.#world.pages],
  };

  readonly wxacodes = {
    generated: () => this.#world.generated.map((g) => ({ ...g })),
  };

  readonly tokens = {
    current: (appId?: string) => this.#world.currentToken(appId ?? this.#demoAppId),
    stats: (appId?: string) => this.#world.tokenStats(appId ?? this.#demoAppId),
  };

  readonly faults = {
    inject: (spec: FaultSpec) => this.#faultBox.inject(spec),
    expireTokens: () => this.#world.expireTokens(),
    clear: () => this.#faultBox.clear(),
    list: () => this.#faultBox.list(),
  };

  // ---------- HTTP ----------

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

  #send(req: IncomingMessage, res: ServerResponse, started: number, reply: Reply): void {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(reply.status, { "Content-Type": reply.contentType, "Content-Length": Buffer.byteLength(reply.body) });
    res.end(reply.body);
    if (this.#log) {
      const code = reply.errcode ? ` errcode=${reply.errcode}` : "";
      // Path only: the query carries access tokens and secrets.
      this.#log(`${req.method} ${(req.url ?? "").split("?")[0]} → ${reply.status}${code} ${Date.now() - started}ms`);
    }
  }

  #json(value: unknown, status = 200, errcode?: number): Reply {
    return { status, body: JSON.stringify(value), contentType: this.protocol.jsonContentType, errcode };
  }

  /** `{ errcode, errmsg }` worded like the platform, with a trailing request id. */
  #error(errcode: number, detail?: string, errmsg?: string): Reply {
    const base = errmsg ?? [ERRMSG[errcode] ?? "error", detail].filter(Boolean).join(" ");
    const text = this.protocol.appendRid ? `${base} rid: ${newRid()}` : base;
    return this.#json({ errcode, errmsg: text }, 200, errcode);
  }

  async #readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 4 * 1024 * 1024) throw new Error("body too large");
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? "/", "http://sandbox.local");
    const path = url.pathname;
    const body = await this.#readBody(req);

    if (path === "/__sandbox" || path.startsWith("/__sandbox/")) {
      this.#send(req, res, started, this.#control((req.method ?? "GET").toUpperCase(), path, url.searchParams, body));
      return;
    }

    this.calls.record(path, this.clock.now());
    if (!this.#faultBox.empty) {
      const { delayMs, fault } = this.#faultBox.take(path);
      if (delayMs > 0) await this.#sleep(delayMs);
      if (this.#stopped) return;
      if (fault) {
        this.#send(req, res, started, this.#faultReply(fault));
        return;
      }
    }
    this.#send(req, res, started, await this.#api((req.method ?? "GET").toUpperCase(), path, url.searchParams, body));
  }

  #faultReply(fault: FaultSpec): Reply {
    switch (fault.kind) {
      case "http_error": {
        const status = fault.status ?? 500;
        return { status, body: `<html><body><h1>${status}</h1>sandbox fault</body></html>`, contentType: "text/html; charset=utf-8" };
      }
      case "errcode":
        return this.#error(fault.errcode, undefined, fault.errmsg);
      case "malformed_json":
        return { status: 200, body: `{"errcode":0,"errmsg":"ok","access_token":"`, contentType: this.protocol.jsonContentType, errcode: -1 };
      case "latency":
        return this.#error(-1);
    }
  }

  async #api(method: string, path: string, query: URLSearchParams, body: string): Promise<Reply> {
    const route = this.#routes.get(path);
    if (!route) return { status: 404, body: "Not Found", contentType: "text/plain; charset=utf-8" };
    if (method !== route.method) return this.#error(route.method === "GET" ? 43001 : 43002);
    try {
      const app = route.token ? this.#world.authenticate(query) : undefined;
      const answer = await route.run(app, query, body);
      if (answer.kind === "image") {
        return { status: 200, body: answer.bytes, contentType: this.protocol.wxacodeContentType };
      }
      return this.#json(answer.body, 200, typeof answer.body.errcode === "number" ? answer.body.errcode : undefined);
    } catch (err) {
      if (err instanceof ApiError) return this.#error(err.errcode, err.detail);
      throw err;
    }
  }

  // ---------- control routes (/__sandbox/*, unsigned JSON, not counted) ----------

  #control(method: string, path: string, query: URLSearchParams, body: string): Reply {
    const route = `${method} ${path}`;
    let input: Record<string, unknown> = {};
    try {
      if (body) input = JSON.parse(body) as Record<string, unknown>;
      if (!input || typeof input !== "object") throw new Error("body must be a JSON object");
    } catch (err) {
      return this.#json({ error: `invalid JSON body: ${(err as Error).message}` }, 400);
    }
    const ok = (value: unknown) => ({ ...this.#json(value), contentType: CONTROL_JSON });
    const s = (key: string) => (typeof input[key] === "string" ? (input[key] as string) : (query.get(key) ?? undefined));
    try {
      switch (route) {
        case "GET /__sandbox/health":
          return ok({ ok: true, url: this.url, demoApp: this.demoApp });
        case "GET /__sandbox/apps":
          return ok({ apps: this.apps() });
        case "POST /__sandbox/apps":
          return ok(this.addApp(input as Partial<SandboxApp>));
        case "GET /__sandbox/users":
          return ok({ users: this.users.list() });
        case "POST /__sandbox/users":
          return ok(this.users.add({ openid: s("openid"), unionid: s("unionid"), appId: s("appId") }));
        case "POST /__sandbox/users/link":
          return ok({ unionid: this.users.link(String(s("openid")), s("unionid")) });
        case "POST /__sandbox/codes":
          return ok({ code: this.codes.issue(String(s("openid") ?? ""), { appId: s("appId") }) });
        case "POST /__sandbox/phone-codes":
          return ok({ code: this.users.phoneCode(String(s("openid") ?? ""), input.phone as PhoneInput) });
        case "GET /__sandbox/consent":
          return ok({ remaining: this.consent.remaining(String(s("openid")), String(s("templateId"))) });
        case "POST /__sandbox/consent":
          return ok({ remaining: this.consent.grant(String(s("openid") ?? ""), String(s("templateId") ?? ""), Number(input.n ?? 1)) });
        case "POST /__sandbox/consent/revoke":
          this.consent.revoke(String(s("openid")), String(s("templateId")));
          return ok({ ok: true });
        case "GET /__sandbox/templates":
          return ok({ templates: this.templates.list(s("appId")) });
        case "POST /__sandbox/templates":
          return ok(this.templates.add(String(s("templateId") ?? ""), input.fieldKeys as string[], { appId: s("appId"), title: s("title") }));
        case "GET /__sandbox/messages":
          return ok({ messages: this.messages.sent({ touser: s("touser"), templateId: s("templateId"), appId: s("appId") }) });
        case "POST /__sandbox/messages/clear":
          this.messages.clear();
          return ok({ ok: true });
        case "GET /__sandbox/pages":
          return ok({ pages: this.pages.list() });
        case "POST /__sandbox/pages":
          this.pages.add(String(s("page") ?? ""));
          return ok({ pages: this.pages.list() });
        case "GET /__sandbox/wxacodes":
          return ok({ generated: this.wxacodes.generated() });
        case "GET /__sandbox/tokens":
          return ok(this.tokens.stats(s("appId")));
        case "GET /__sandbox/calls": {
          const p = s("path");
          return ok({ count: this.calls.count(p), byPath: this.calls.byPath(), ...(p !== undefined ? { path: p, times: this.calls.times(p) } : {}) });
        }
        case "POST /__sandbox/calls/reset":
          this.calls.reset();
          return ok({ ok: true });
        case "GET /__sandbox/faults":
          return ok({ faults: this.faults.list() });
        case "POST /__sandbox/faults":
          if (input.clear === true) this.faults.clear();
          else if (input.expireTokens === true) this.faults.expireTokens();
          else this.faults.inject(validateFault(input));
          return ok({ ok: true, faults: this.faults.list() });
        case "POST /__sandbox/clock/advance":
          this.clock.advance(Number(input.ms));
          return ok({ now: this.clock.now() });
        default:
          return this.#json({ error: `unknown control route: ${route}` }, 404);
      }
    } catch (err) {
      return this.#json({ error: (err as Error).message }, 400);
    }
  }
}
