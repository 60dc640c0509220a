import type { RateLimitRule, SandboxKit } from "@erpbridge/sandbox-kit";
import type { FaultSpec, PhoneInput, SandboxApp, WechatSandbox } from "./types.js";

/** WeChat's own `/__sandbox` routes, next to the kit's shared ones (calls, faults, rate-limit, clock, reset). */
export function controlRoutes(sandbox: WechatSandbox, kit: SandboxKit<FaultSpec, RateLimitRule>): void {
  kit.control
    .route("GET", "/__sandbox/health", () => ({ ok: true, url: sandbox.url, demoApp: sandbox.demoApp }))
    .route("GET", "/__sandbox/apps", () => ({ apps: sandbox.apps() }))
    .route("POST", "/__sandbox/apps", ({ body }) => sandbox.addApp(body as Partial<SandboxApp>))
    .route("GET", "/__sandbox/users", () => ({ users: sandbox.users.list() }))
    .route("POST", "/__sandbox/users", ({ str }) => sandbox.users.add({ openid: str("openid"), unionid: str("unionid"), appId: str("appId") }))
    .route("POST", "/__sandbox/users/link", ({ str }) => ({ unionid: sandbox.users.link(String(str("openid")), str("unionid")) }))
    .route("POST", "/__sandbox/codes", ({ str }) => ({ code: sandbox.codes.issue(String(str("openid") ?? ""), { appId: str("appId") }) }))
    .route("POST", "/__sandbox/phone-codes", ({ body, str }) => ({
      code: sandbox.users.phoneCode(String(str("openid") ?? ""), body.phone as PhoneInput),
    }))
    .route("GET", "/__sandbox/consent", ({ str }) => ({ remaining: sandbox.consent.remaining(String(str("openid")), String(str("templateId"))) }))
    .route("POST", "/__sandbox/consent", ({ body, str }) => ({
      remaining: sandbox.consent.grant(String(str("openid") ?? ""), String(str("templateId") ?? ""), Number(body.n ?? 1)),
    }))
    .route("POST", "/__sandbox/consent/revoke", ({ str }) => {
      sandbox.consent.revoke(String(str("openid")), String(str("templateId")));
      return { ok: true };
    })
    .route("GET", "/__sandbox/templates", ({ str }) => ({ templates: sandbox.templates.list(str("appId")) }))
    .route("POST", "/__sandbox/templates", ({ body, str }) =>
      sandbox.templates.add(String(str("templateId") ?? ""), body.fieldKeys as string[], { appId: str("appId"), title: str("title") }),
    )
    .route("GET", "/__sandbox/messages", ({ str }) => ({
      messages: sandbox.messages.sent({ touser: str("touser"), templateId: str("templateId"), appId: str("appId") }),
    }))
    .route("POST", "/__sandbox/messages/clear", () => {
      sandbox.messages.clear();
      return { ok: true };
    })
    .route("GET", "/__sandbox/pages", () => ({ pages: sandbox.pages.list() }))
    .route("POST", "/__sandbox/pages", ({ str }) => {
      sandbox.pages.add(String(str("page") ?? ""));
      return { pages: sandbox.pages.list() };
    })
    .route("GET", "/__sandbox/wxacodes", () => ({ generated: sandbox.wxacodes.generated() }))
    .route("GET", "/__sandbox/tokens", ({ str }) => sandbox.tokens.stats(str("appId")));
}
