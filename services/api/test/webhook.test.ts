import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApi, startTestApi } from "./harness.js";

// POST /webhook/kingdee/auth: Kingdee pushes a tenant's authorization.

const WEBHOOK_TOKEN = "webhook-token-0123456789";
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ env: { KINGDEE_WEBHOOK_TOKEN: WEBHOOK_TOKEN } });
}, 120_000);
afterAll(() => api?.close());

const push = (body: unknown, token: string | null = WEBHOOK_TOKEN, contentType = "application/json") =>
  fetch(`${api.url}/webhook/kingdee/auth${token === null ? "" : `?token=${encodeURIComponent(token)}`}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

const authorization = {
  outerInstanceId: 987654321,
  appKey: "webhook-app-key",
  appSecret: "webhook-app-secret-PLAINTEXT",
  domain: "https://tf.jdy.com",
  clientId: "webhook-client-id",
  accountName: "Pushed Co.",
  status: 1,
};

const tenants = () =>
  api.services.db.sequelize.query<{ id: string; name: string; app_secret_enc: string | null; status: string; outer_instance_id: string }>(
    `SELECT id, name, app_secret_enc, status, outer_instance_id FROM tenant WHERE app_key = $1`,
    { bind: [authorization.appKey], type: QueryTypes.SELECT },
  );

describe("kingdee authorization webhook", () => {
  it("refuses a push without the configured token", async () => {
    expect((await push({ data: [authorization] }, null)).status).toBe(401);
    expect((await push({ data: [authorization] }, "wrong")).status).toBe(401);
    expect(await tenants()).toEqual([]);
  });

  it("answers 400 to malformed payloads and creates nothing", async () => {
    const malformed: unknown[] = [
      "{not json",
      {},
      { data: [] },
      { data: "x" },
      { data: [{ ...authorization, appSecret: "" }] },
      { data: [{ ...authorization, appKey: undefined }] },
      { data: [{ ...authorization, domain: "not a url" }] },
      { data: [{ ...authorization, clientId: undefined }] }, // and no KINGDEE_CLIENT_ID configured
      [authorization],
    ];
    for (const body of malformed) {
      const res = await push(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    const res = await push({ data: [{ ...authorization, domain: 42 }] });
    expect(await res.json()).toMatchObject({ error: "malformed authorization push", fields: [expect.stringMatching(/^data\.0\.domain/)] });
    expect(await tenants()).toEqual([]);
  });

  it("a valid push creates the tenant with its secret encrypted and answers success; again: still one", async () => {
    const first = await push({ bizType: "app_authorize", timestamp: Date.now(), data: [authorization] });
    expect(first.status).toBe(200);
    expect(await first.text()).toBe("success");
    const [tenant, ...others] = await tenants();
    expect(others).toEqual([]);
    expect(tenant).toMatchObject({ name: "Pushed Co.", status: "active", outer_instance_id: "987654321" });
    expect(tenant!.app_secret_enc).toMatch(/^v1:/);
    expect(tenant!.app_secret_enc).not.toContain(authorization.appSecret);
    const [{ dump }] = (await api.services.db.sequelize.query<{ dump: string }>(`SELECT row_to_json(t)::text AS dump FROM tenant t`, {
      type: QueryTypes.SELECT,
    })) as [{ dump: string }];
    expect(dump).not.toContain(authorization.appSecret);
    const listed = (await api.admin.admin.tenant.list.query()).find((t) => t.id === tenant!.id);
    expect(listed).toMatchObject({ hasAppSecret: true, appKey: authorization.appKey });
    expect(JSON.stringify(listed)).not.toContain(authorization.appSecret);

    const again = await push({ data: [authorization] });
    expect([again.status, await again.text()]).toEqual([200, "success"]);
    expect((await tenants()).map((t) => t.id)).toEqual([tenant!.id]);

    // A rotated secret updates the same tenant.
    const rotated = await push({ data: [{ ...authorization, appSecret: "rotated-secret" }] });
    expect(rotated.status).toBe(200);
    const [after] = await tenants();
    expect(after!.id).toBe(tenant!.id);
    expect(after!.app_secret_enc).not.toBe(tenant!.app_secret_enc);
  });
});
