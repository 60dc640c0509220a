import { SandboxKit, type RateLimitRule, type Reply, type SandboxRequest } from "@erpbridge/sandbox-kit";
import { ApiError, type Answer } from "./answers.js";
import { controlRoutes } from "./control-routes.js";
import { faultReply, validateFault } from "./faults.js";
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
import { World, demoAppDefaults, demoTemplateDefaults } from "./world.js";

type Route = {
  method: "GET" | "POST";
  token: boolean;
  run: (app: SandboxApp | undefined, query: URLSearchParams, body: string) => Answer | Promise<Answer>;
};

/** The WeChat mini-program API stand-in on the sandbox kit: the kit serves, logs and injects; the world answers. */
export class SandboxServer implements WechatSandbox {
  readonly protocol: SandboxProtocol;
  readonly #kit: SandboxKit<FaultSpec, RateLimitRule>;
  readonly #world: World;
  readonly #routes: Map<string, Route>;
  readonly #demoAppId: string;
  readonly demoTemplate: SandboxTemplate | undefined;

  constructor(options: WechatSandboxOptions = {}) {
    this.protocol = resolveProtocol({
      ...options.protocol,
      ...(options.tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds: options.tokenLifetimeSeconds } : {}),
      ...(options.codeLifetimeMs !== undefined ? { codeLifetimeMs: options.codeLifetimeMs } : {}),
    });
    this.#kit = new SandboxKit<FaultSpec, RateLimitRule>({
      name: "wechat sandbox",
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      maxBodyBytes: 4 * 1024 * 1024,
      faults: { validate: validateFault },
      rateLimit: options.rateLimit ?? null,
      accountOf: (req) => this.#appIdOf(req),
      api: (req) => this.#api(req),
      faultReply: (fault) => faultReply(fault, (errcode, errmsg) => this.#error(errcode, undefined, errmsg), this.protocol.jsonContentType),
      internalError: () => this.#error(-1),
      expireTokens: () => this.#world.tokens.expire(),
    });
    this.#world = new World(this.protocol, this.#kit.clock);
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
      [p.stableToken, { method: "POST", token: false, run: (_app, _query, body) => w.tokens.stableToken(body) }],
      [p.classicToken, { method: "GET", token: false, run: (_app, query) => w.tokens.classicToken(query) }],
      [p.subscribeSend, { method: "POST", token: true, run: (app, _query, body) => w.subscribeSend(app!, body) }],
      [p.getUnlimited, { method: "POST", token: true, run: (app, _query, body) => w.wxacodes.answer(app!, body) }],
      [p.getPhoneNumber, { method: "POST", token: true, run: (app, _query, body) => w.getPhoneNumber(app!, body) }],
    ]);
    controlRoutes(this, this.#kit);
  }

  listen(): Promise<void> {
    return this.#kit.listen();
  }

  get url(): string {
    return this.#kit.url;
  }

  get port(): number {
    return this.#kit.port;
  }

  get calls() {
    return this.#kit.calls;
  }

  get clock() {
    return this.#kit.clock;
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

  stop(): Promise<void> {
    return this.#kit.stop();
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
    generated: () => this.#world.wxacodes.generated.map((g) => ({ ...g })),
  };

  readonly tokens = {
    current: (appId?: string) => this.#world.tokens.current(appId ?? this.#demoAppId),
    stats: (appId?: string) => this.#world.tokens.stats(appId ?? this.#demoAppId),
  };

  readonly faults = {
    inject: (spec: FaultSpec) => this.#kit.faults.inject(spec),
    expireTokens: () => this.#world.tokens.expire(),
    /** Sets the rule of `rule.account` (an appId) or the general one; null removes every rule. */
    rateLimit: (rule: RateLimitRule | null) => this.#kit.rateLimit(rule),
    rateLimits: () => this.#kit.limits.list(),
    /** Removes injected faults and restores the rate limit configured at start (none by default). */
    clear: () => this.#kit.clearFaults(),
    list: () => this.#kit.faults.list(),
  };

  // ---------- HTTP ----------

  #json(value: unknown, status = 200, errcode?: number): Reply {
    return { status, body: JSON.stringify(value), contentType: this.protocol.jsonContentType, errcode };
  }

  /** `{ errcode, errmsg }` worded like the platform, with a trailing request id. */
  #error(errcode: number, detail?: string, errmsg?: string): Reply {
    const base = errmsg ?? [ERRMSG[errcode] ?? "error", detail].filter(Boolean).join(" ");
    const text = this.protocol.appendRid ? `${base} rid: ${newRid()}` : base;
    return this.#json({ errcode, errmsg: text }, 200, errcode);
  }

  /** The app a call is made for: its `appid` parameter or the app of its access token. */
  #appIdOf(req: SandboxRequest): string | undefined {
    const token = req.query.get("access_token")?.[0];
    return req.query.get("appid")?.[0] ?? (token ? this.#world.tokens.appIdOf(token) : undefined);
  }

  async #api(req: SandboxRequest): Promise<Reply> {
    const route = this.#routes.get(req.path);
    if (!route) return { status: 404, body: "Not Found", contentType: "text/plain; charset=utf-8" };
    if (req.method !== route.method) return this.#error(route.method === "GET" ? 43001 : 43002);
    // Over the rate limit: the platform's minute quota answer, nothing run.
    if (this.#kit.limits.take(this.#appIdOf(req) ?? "", req.receivedAt)) return this.#error(45011);
    const query = new URLSearchParams(req.rawQuery);
    try {
      const app = route.token ? this.#world.tokens.authenticate(query) : undefined;
      const answer = await route.run(app, query, req.body);
      if (answer.kind === "image") {
        return { status: 200, body: answer.bytes, contentType: this.protocol.wxacodeContentType };
      }
      return this.#json(answer.body, 200, typeof answer.body.errcode === "number" ? answer.body.errcode : undefined);
    } catch (err) {
      if (err instanceof ApiError) return this.#error(err.errcode, err.detail);
      throw err;
    }
  }
}
