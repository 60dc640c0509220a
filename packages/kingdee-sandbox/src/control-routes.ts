import type { SandboxKit } from "@erpbridge/sandbox-kit";
import { SIGNAL_VARIANTS } from "./protocol.js";
import type { SandboxResource } from "./resources.js";
import type { FaultSpec, KingdeeSandbox, RateLimitSpec, SandboxTenantSpec } from "./types.js";

/** Kingdee's own `/__sandbox` routes, next to the kit's shared ones (calls, faults, rate-limit, clock, reset). */
export function controlRoutes(sandbox: KingdeeSandbox, kit: SandboxKit<FaultSpec, RateLimitSpec>): void {
  const appKeyOf = (str: (key: string) => string | undefined) => str("appKey");
  kit.control
    .route("GET", "/__sandbox/tenants", () => ({ tenants: sandbox.tenants() }))
    .route("POST", "/__sandbox/tenants", ({ body }) => sandbox.addTenant(body as SandboxTenantSpec))
    .route("POST", "/__sandbox/move-domain", ({ body, str }) =>
      sandbox.moveDomain({ appKey: appKeyOf(str), ...(typeof body.domain === "string" ? { domain: body.domain } : {}) }),
    )
    .route("GET", "/__sandbox/signals", () => ({
      signals: Object.fromEntries(Object.entries(SIGNAL_VARIANTS).map(([name, v]) => [name, Object.keys(v)])),
    }))
    .route("POST", "/__sandbox/signals", ({ body }) => {
      kit.faults.inject(kit.faults.validate({ ...body, kind: "signal", times: body.times ?? 1 }));
      return { ok: true, faults: kit.faults.list() };
    })
    .route("POST", "/__sandbox/rotate-app-secret", ({ str }) => {
      const appKey = appKeyOf(str);
      const appSecret = sandbox.rotateAppSecret(appKey);
      return { appKey: appKey ?? sandbox.demoTenant.appKey, appSecret };
    })
    .route("POST", "/__sandbox/push-authorization", async ({ body, str }) => {
      if (typeof body.url !== "string") throw new Error("url (the webhook to push to) is required");
      return sandbox.pushAuthorization({ url: body.url, appKey: appKeyOf(str) });
    })
    .route("POST", "/__sandbox/mutate", ({ body, str }) => {
      const countOrIds = Array.isArray(body.ids) ? (body.ids as unknown[]).map(String) : Number(body.count ?? 1);
      return { ids: sandbox.data.mutate(body.resource as SandboxResource, countOrIds, { appKey: appKeyOf(str) }) };
    })
    .route("POST", "/__sandbox/add", ({ body, str }) => ({
      ids: sandbox.data.add(body.resource as SandboxResource, Number(body.count ?? body.n ?? 1), { appKey: appKeyOf(str) }),
    }))
    .route("POST", "/__sandbox/remove", ({ body, str }) => ({
      ids: sandbox.data.remove(body.resource as SandboxResource, ((body.ids as unknown[]) ?? []).map(String), { appKey: appKeyOf(str) }),
    }))
    .route("GET", "/__sandbox/count", ({ str }) => ({
      count: sandbox.data.count(str("resource") as SandboxResource, { appKey: appKeyOf(str) }),
    }))
    .route("GET", "/__sandbox/rows", ({ str }) => ({
      rows: sandbox.data.rows(str("resource") as SandboxResource, { appKey: appKeyOf(str), materialId: str("materialId") }),
    }));
}
