import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redactUrl } from "../src/logger.js";
import { ADMIN_TOKEN, type TestApi, startTestApi, waitForRun } from "./harness.js";

// The log of a whole run (trace level) holds no secret, token or signature.

const WEBHOOK_TOKEN = "logs-webhook-token-0123456789";
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ captureLogs: true, env: { KINGDEE_WEBHOOK_TOKEN: WEBHOOK_TOKEN } });
}, 120_000);
afterAll(() => api?.close());

describe("redactUrl", () => {
  it("replaces the values of secret query parameters, and a webhook's whole query", () => {
    expect(redactUrl("/health")).toBe("/health");
    expect(redactUrl("/trpc/x?input=%7B%7D&token=abc&Secret=s&signature=g&access_token=a&app_secret=p&page=2")).toBe(
      "/trpc/x?input=%7B%7D&token=[redacted]&Secret=[redacted]&signature=[redacted]&access_token=[redacted]&app_secret=[redacted]&page=2",
    );
    expect(redactUrl("/x?%74oken=abc&app%5Fsecret=p")).toBe("/x?%74oken=[redacted]&app%5Fsecret=[redacted]");
    expect(redactUrl("/webhook/kingdee/auth?token=abc&x=1")).toBe("/webhook/kingdee/auth?[redacted]");
    expect(redactUrl("/%77ebhook/kingdee/auth?anything=abc")).toBe("/%77ebhook/kingdee/auth?[redacted]");
  });
});

describe("the log of a full run", () => {
  it("contains requests, syncs and webhook pushes, but none of the configured secrets or issued tokens", async () => {
    const secrets: Record<string, string> = {
      ADMIN_TOKEN,
      ENCRYPTION_KEY: api.services.config.ENCRYPTION_KEY,
      KINGDEE_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      KINGDEE_CLIENT_SECRET: api.services.config.KINGDEE_CLIENT_SECRET!,
      appSecret: api.sandbox.demoTenant.appSecret,
    };

    // Admin: a tenant with its secrets, a full sync, a token refresh.
    const tenantId = await api.createSandboxTenant();
    for (const jobName of ["master_data_full", "documents_incremental"] as const) {
      expect((await waitForRun(api, (await api.admin.admin.sync.run.mutate({ tenantId, jobName })).id)).status).toBe("success");
    }
    await api.admin.admin.kingdee.refreshToken.mutate({ tenantId });
    await api.client("wrong-admin-token-0123456789abcdef").admin.tenant.list.query().catch(() => undefined);

    // A customer: login token, session, a list.
    const [customer] = (await api.admin.admin.customers.list.query({ tenantId })).customers;
    const { token: loginToken } = await api.admin.admin.customers.issueToken.mutate({ customerId: customer!.id });
    const { sessionToken } = await api.client().mini.auth.login.mutate({ token: loginToken });
    await api.client(sessionToken).mini.deliveries.list.query({ pageSize: 5 });
    await api.client().mini.auth.login.mutate({ token: `${loginToken}x` }).catch(() => undefined);
    secrets.loginToken = loginToken;
    secrets.sessionToken = sessionToken;

    // Webhook: a genuine push, a forged one, a bad one; secrets in query strings of other routes.
    const webhook = `${api.url}/webhook/kingdee/auth?token=${WEBHOOK_TOKEN}`;
    expect((await api.sandbox.pushAuthorization({ url: webhook })).status).toBe(200);
    const forged = { timestamp: Date.now(), data: [{ ...api.sandbox.demoTenant, appSecret: "forged-app-secret-value" }] };
    await fetch(webhook, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(forged) });
    await fetch(webhook, { method: "POST", headers: { "content-type": "application/json" }, body: "{broken" });
    const querySecrets = { token: "q-token-value-1", secret: "q-secret-value-2", signature: "q-signature-value-3", access_token: "q-access-value-4", app_secret: "q-app-secret-value-5" };
    await fetch(`${api.url}/health?${new URLSearchParams(querySecrets)}`);
    await fetch(`${api.url}/nowhere?${new URLSearchParams(querySecrets)}`);
    Object.assign(secrets, querySecrets);

    await new Promise((r) => setTimeout(r, 100)); // let the last lines flush
    const log = api.logs();
    expect(log).toMatch(/"msg":"incoming request"/);
    expect(log).toMatch(/kingdee authorization confirmed and stored/);
    expect(log).toMatch(/kingdee authorization push not confirmed/);
    expect(log).toContain("/webhook/kingdee/auth?[redacted]");
    expect(log).toContain("/health?token=[redacted]&secret=[redacted]&signature=[redacted]&access_token=[redacted]&app_secret=[redacted]");
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length, name).toBeGreaterThan(8);
      expect(log.includes(value), `${name} appears in the log`).toBe(false);
    }
  }, 120_000);
});

describe("x-request-id", () => {
  it("keeps a short safe id from the caller and replaces anything else with a UUID", async () => {
    const idOf = async (value?: string) => {
      const res = await fetch(`${api.url}/health`, { headers: value === undefined ? {} : { "x-request-id": value } });
      return res.headers.get("x-request-id");
    };
    expect(await idOf("abc-123_X.y")).toBe("abc-123_X.y");
    expect(await idOf("a".repeat(64))).toBe("a".repeat(64));
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const hostile of ["a".repeat(65), "", "has space", "line\tbreak", "<script>", "id\"with\"quotes", "ünïcode", "../../etc"]) {
      expect(await idOf(hostile), hostile).toMatch(uuid);
    }
    expect(await idOf()).toMatch(uuid);
    expect(api.logs()).not.toContain("<script>");
  });
});
