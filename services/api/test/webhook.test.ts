import { QueryTypes } from "sequelize";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type TestApi, startTestApi } from "./harness.js";

// POST /webhook/kingdee/auth: Kingdee announces a tenant's authorization; the service pulls it back to confirm.

const WEBHOOK_TOKEN = "webhook-token-0123456789";
const PULL_PATH = "/jdyconnector/app_management/push_app_authorize";
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ env: { KINGDEE_WEBHOOK_TOKEN: WEBHOOK_TOKEN } });
}, 120_000);
afterAll(() => api?.close());
afterEach(() => api.sandbox.faults.clear());

const webhookUrl = (token: string | null = WEBHOOK_TOKEN) =>
  `${api.url}/webhook/kingdee/auth${token === null ? "" : `?token=${encodeURIComponent(token)}`}`;

const push = (body: unknown, token: string | null = WEBHOOK_TOKEN, contentType = "application/json") =>
  fetch(webhookUrl(token), {
    method: "POST",
    headers: { "content-type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

/** What Kingdee would push for the sandbox's demo tenant, fresh. */
const genuine = () => {
  const t = api.sandbox.demoTenant;
  return {
    bizType: "app_authorize",
    timestamp: Date.now(),
    data: [{ outerInstanceId: t.outerInstanceId, appKey: t.appKey, appSecret: t.appSecret, domain: t.domain, clientId: t.clientId, accountName: t.accountName, status: 1 }],
  };
};

/** The tenant rows (whole, as JSON), to prove that a refused push changed nothing at all. */
const tenantRows = async () =>
  (
    // The tenant with its Kingdee connection, under the names the tenant columns had before they moved.
    await api.services.db.sequelize.query<{ dump: string }>(
      `SELECT row_to_json(x)::text AS dump FROM (
         SELECT t.*, c.settings ->> 'clientId' AS client_id, c.settings ->> 'appKey' AS app_key, c.settings ->> 'domain' AS domain,
                c.settings ->> 'outerInstanceId' AS outer_instance_id, c.credentials ->> 'appSecret' AS app_secret_enc,
                c.status AS connection_status, c.updated_at AS connection_updated_at
           FROM tenant t LEFT JOIN connection c ON c.tenant_id = t.id AND c.kind = 'kingdee_jdy') x ORDER BY id`,
      { type: QueryTypes.SELECT },
    )
  ).map((r) => JSON.parse(r.dump) as Record<string, unknown>);

describe("kingdee authorization webhook: the shared token", () => {
  it("refuses a push without the configured token, before reading the body", async () => {
    expect((await push(genuine(), null)).status).toBe(401);
    expect((await push(genuine(), "wrong")).status).toBe(401);
    expect((await push(genuine(), WEBHOOK_TOKEN.slice(0, -1))).status).toBe(401);
    const twice = await fetch(`${webhookUrl()}&token=${WEBHOOK_TOKEN}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(genuine()) });
    expect(twice.status).toBe(401);
    expect((await push("not json at all", null, "text/plain")).status).toBe(401);
    expect((await push("x".repeat(100 * 1024), null)).status).toBe(401);
    expect(await tenantRows()).toEqual([]);
  });
});

describe("kingdee authorization webhook: input errors", () => {
  it("answers 400 with field paths for malformed, over-long, NUL-carrying and mistyped pushes, never a 500", async () => {
    const one = genuine().data[0]!;
    const cases: Array<[unknown, RegExp]> = [
      [{}, /^timestamp/],
      [{ timestamp: Date.now() }, /^data/],
      [{ timestamp: Date.now(), data: [] }, /^data/],
      [{ timestamp: Date.now(), data: "x" }, /^data/],
      [[one], /^body/],
      [{ timestamp: "yesterday", data: [one] }, /^timestamp/],
      [{ timestamp: Date.now(), data: [{ ...one, appKey: undefined }] }, /^data\.0\.appKey/],
      [{ timestamp: Date.now(), data: [{ ...one, appKey: "k".repeat(10_000) }] }, /^data\.0\.appKey/],
      [{ timestamp: Date.now(), data: [{ ...one, appSecret: "" }] }, /^data\.0\.appSecret/],
      [{ timestamp: Date.now(), data: [{ ...one, accountName: "evil\u0000name" }] }, /^data\.0\.accountName/],
      [{ timestamp: Date.now(), data: [{ ...one, outerInstanceId: { $gt: "" } }] }, /^data\.0\.outerInstanceId/],
      [{ timestamp: Date.now(), data: [{ ...one, outerInstanceId: "1".repeat(500) }] }, /^data\.0\.outerInstanceId/],
      [{ timestamp: Date.now(), data: [{ ...one, domain: "not a url" }] }, /^data\.0\.domain/],
      [{ timestamp: Date.now(), data: [{ ...one, domain: 42 }] }, /^data\.0\.domain/],
      [{ timestamp: Date.now(), data: [{ ...one, domain: "javascript:alert(1)" }] }, /^data\.0\.domain/],
      [{ timestamp: Date.now(), data: [{ ...one, status: [1] }] }, /^data\.0\.status/],
    ];
    for (const [body, field] of cases) {
      const res = await push(body);
      const answer = (await res.json()) as { error: string; fields: string[] };
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(answer.error).toMatch(/^invalid input: /);
      expect(answer.fields.some((f) => field.test(f))).toBe(true);
      expect(Object.keys(answer).sort()).toEqual(["error", "fields"]); // not Fastify's error body
    }
    expect(await tenantRows()).toEqual([]);
  });

  it("answers 400 to a body that is not JSON, 415 to another content type, 413 over 64 KiB — plain answers, no dump", async () => {
    const broken = await push("{not json");
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ error: "malformed authorization push", fields: ["body: not valid JSON"] });

    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/xml"]) {
      const res = await push(JSON.stringify(genuine()), WEBHOOK_TOKEN, type);
      expect(res.status).toBe(415);
      expect(await res.json()).toEqual({ error: "an authorization push must be JSON (content-type: application/json)" });
    }
    const big = { ...genuine(), padding: "x".repeat(64 * 1024) };
    const res = await push(big);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: "an authorization push is at most 64 KiB" });
    expect(await tenantRows()).toEqual([]);
  });

  it("answers a plain JSON 404 to an unknown route", async () => {
    const res = await fetch(`${api.url}/webhook/kingdee/nope?token=${WEBHOOK_TOKEN}`, { method: "POST" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "not found" });
  });
});

describe("kingdee authorization webhook: freshness and replay", () => {
  it("refuses a push without a timestamp, from 2001, or from the future", async () => {
    const { timestamp: _timestamp, ...undated } = genuine();
    for (const body of [undated, { ...genuine(), timestamp: Date.UTC(2001, 0, 1) }, { ...genuine(), timestamp: Date.now() + 3600_000 }, { ...genuine(), timestamp: Date.now() - 601_000 }]) {
      const res = await push(body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { fields: string[] }).fields[0]).toMatch(/^timestamp/);
    }
    expect(await tenantRows()).toEqual([]);
  });

  it("reads a timestamp in seconds as well as in milliseconds, as a number or a string", async () => {
    const forged = { ...genuine().data[0]!, appSecret: "forged-for-the-seconds-test" };
    for (const timestamp of [Math.floor(Date.now() / 1000), String(Math.floor(Date.now() / 1000) - 1), String(Date.now())]) {
      expect((await push({ timestamp, data: [forged] })).status).toBe(200);
    }
    expect((await push({ timestamp: String(Math.floor(Date.now() / 1000) - 3600), data: [forged] })).status).toBe(400);
  });

  it("refuses the same body again within the window (409), and keeps the digests in PostgreSQL", async () => {
    const body = JSON.stringify({ ...genuine(), data: [{ ...genuine().data[0]!, appSecret: "forged-for-the-replay-test" }] });
    expect((await push(body)).status).toBe(200);
    const again = await push(body);
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: "this authorization push was already received" });
    const [{ n }] = (await api.services.db.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_push_digest`, {
      type: QueryTypes.SELECT,
    })) as [{ n: number }];
    expect(n).toBeGreaterThanOrEqual(1);
  });

  it("prunes digests older than the window", async () => {
    await api.services.db.sequelize.query(`INSERT INTO webhook_push_digest (digest, received_at) VALUES ($1, now() - interval '2 hours')`, {
      bind: ["0".repeat(64)],
    });
    await push(genuine()); // any accepted push prunes
    const rows = await api.services.db.sequelize.query(`SELECT 1 FROM webhook_push_digest WHERE digest = $1`, {
      bind: ["0".repeat(64)],
      type: QueryTypes.SELECT,
    });
    expect(rows).toEqual([]);
    await api.services.db.sequelize.query(`DELETE FROM tenant`);
  });
});

describe("kingdee authorization webhook: a push is a hint, the pull is the truth", () => {
  it("a forged push (other secret, other domain, unknown instance, another ISV's app) creates nothing and answers success", async () => {
    const other = api.sandbox.addTenant({ clientId: "other-isv", clientSecret: "other-isv-secret" });
    const one = genuine().data[0]!;
    const forged = [
      { ...one, appSecret: "attacker-chosen-secret" },
      { ...one, domain: "https://attacker.example" },
      { ...one, outerInstanceId: "999999999999" },
      { ...one, appKey: "no-such-app-key" },
      { outerInstanceId: other.outerInstanceId, appKey: other.appKey, appSecret: other.appSecret, domain: other.domain },
    ];
    for (const authorization of forged) {
      const res = await push({ timestamp: Date.now(), data: [authorization] });
      expect([res.status, await res.text()]).toEqual([200, "success"]);
    }
    expect(await tenantRows()).toEqual([]);
  });

  it("a genuine push (from the sandbox) is stored as pulled; a forged one against it changes nothing; a rotation is taken", async () => {
    expect(await api.sandbox.pushAuthorization({ url: webhookUrl() })).toEqual({ status: 200, body: "success" });
    const [tenant, ...others] = await tenantRows();
    expect(others).toEqual([]);
    const demo = api.sandbox.demoTenant;
    expect(tenant).toMatchObject({
      name: demo.accountName,
      status: "active",
      client_id: demo.clientId,
      app_key: demo.appKey,
      domain: demo.domain,
      outer_instance_id: demo.outerInstanceId,
    });
    expect(JSON.stringify(tenant)).not.toContain(demo.appSecret);
    expect(String(tenant!.app_secret_enc)).toMatch(/^v1:/);

    // The stored authorization works: the tenant's client gets a token from the sandbox.
    await expect((await api.services.kingdee.get(String(tenant!.id))).token.refresh()).resolves.toMatchObject({ expiresAt: expect.any(Number) });

    for (const change of [{ appSecret: "attacker-chosen-secret" }, { domain: "https://attacker.example" }]) {
      const res = await push({ timestamp: Date.now(), data: [{ ...genuine().data[0]!, ...change }] });
      expect([res.status, await res.text()]).toEqual([200, "success"]);
    }
    expect(await tenantRows()).toEqual([tenant]); // not even updated_at moved

    // Right secret and domain but a made-up name and status: what is stored is what the pull says.
    const lying = await push({ timestamp: Date.now(), data: [{ ...genuine().data[0]!, accountName: "Taken Over Ltd", status: 0 }] });
    expect(lying.status).toBe(200);
    expect(await tenantRows()).toEqual([expect.objectContaining({ id: tenant!.id, name: demo.accountName, status: "active" })]);

    api.sandbox.rotateAppSecret();
    expect(await api.sandbox.pushAuthorization({ url: webhookUrl() })).toEqual({ status: 200, body: "success" });
    const [rotated] = await tenantRows();
    expect(rotated!.id).toBe(tenant!.id);
    expect(rotated!.app_secret_enc).not.toBe(tenant!.app_secret_enc);
  });

  it("when the pull cannot be made now, answers 503 and takes Kingdee's retry of the same body", async () => {
    const body = JSON.stringify(genuine());
    api.sandbox.faults.inject({ kind: "http_error", status: 503, times: 10, path: PULL_PATH });
    const res = await push(body);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: "the authorization could not be confirmed with Kingdee now; push again later" });
    api.sandbox.faults.clear();
    const retried = await push(body);
    expect([retried.status, await retried.text()]).toEqual([200, "success"]);
  });
});
