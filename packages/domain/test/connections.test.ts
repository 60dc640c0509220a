import { randomBytes } from "node:crypto";
import { type KingdeeSandbox, startKingdeeSandbox } from "@erpbridge/kingdee-sandbox";
import { MemoryTokenStore } from "@erpbridge/kingdee-sdk";
import { ZodError } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConnectionConflictError, ConnectionNotFoundError, createConnection, decryptCredentials, disableConnection, findTenantConnection,
  getConnection, KingdeeClients, listConnections, TenantNotFoundError, TenantNotReadyError, testConnection, updateConnection,
} from "../src/connections/index.js";
import { describeInputError } from "../src/inputs/index.js";
import { loadKeyring } from "../src/secrets/index.js";
import { getTenant, upsertTenant } from "../src/tenants/index.js";
import { setupDomainDb, type TestDomainDb } from "./helpers.js";

const keyring = loadKeyring({ ENCRYPTION_KEY: randomBytes(32).toString("base64") });
const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";
const CLIENT_SECRET = "client-secret-PLAINTEXT-c0ffee";
const APP_SECRET = "app-secret-PLAINTEXT-beef";

let db: TestDomainDb;
let sandbox: KingdeeSandbox;
beforeAll(async () => {
  db = await setupDomainDb();
  sandbox = await startKingdeeSandbox({ counts: { customer: 2, sal_out_bound: 2 } });
});
afterAll(async () => {
  await sandbox?.stop();
  await db?.teardown();
});

/** The ZodError a use case threw, or a failure if it threw something else. */
async function inputError(promise: Promise<unknown>): Promise<ZodError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ZodError);
  // A real Error, so tRPC keeps it as the cause and maps it to BAD_REQUEST (not a 500).
  expect(error).toBeInstanceOf(Error);
  return error as ZodError;
}

describe("connection use cases", () => {
  let tenantId: string;
  beforeAll(async () => {
    tenantId = (await db.models.Tenant.create({ name: "Use cases" })).id;
  });

  it("create and read: secrets masked everywhere, stored encrypted", async () => {
    const created = await createConnection(keyring, {
      tenantId, kind: "kingdee_jdy", settings: { clientId: "cid-uc", appKey: "ak-uc", domain: "https://tf.jdy.com" },
      secrets: { clientSecret: CLIENT_SECRET, appSecret: APP_SECRET },
    });
    expect(created).toMatchObject({ name: "default", status: "active", secrets: { clientSecret: true, appSecret: true }, secretKeyId: keyring.current.id });
    const listed = await listConnections({ tenantId });
    expect(listed).toEqual([created]);
    expect(await getConnection({ connectionId: created.id })).toEqual(created);
    for (const shown of [created, listed, JSON.parse(JSON.stringify(await db.models.Connection.findByPk(created.id))) as unknown]) {
      const json = JSON.stringify(shown);
      for (const secret of [CLIENT_SECRET, APP_SECRET, "v1:"]) expect(json).not.toContain(secret);
    }
    expect(decryptCredentials((await db.models.Connection.findByPk(created.id))!, keyring)).toEqual({ clientSecret: CLIENT_SECRET, appSecret: APP_SECRET });
  });

  it("update: a secret left out stays, null clears it (and the connection then needs authorization); settings merge", async () => {
    const [connection] = await listConnections({ tenantId });
    const renamed = await updateConnection(keyring, { connectionId: connection!.id, settings: { outerInstanceId: "42" } });
    expect(renamed.settings).toEqual({ clientId: "cid-uc", appKey: "ak-uc", domain: "https://tf.jdy.com", outerInstanceId: "42" });
    const stored = () => db.models.Connection.findByPk(connection!.id).then((c) => decryptCredentials(c!, keyring));
    expect(await stored()).toEqual({ clientSecret: CLIENT_SECRET, appSecret: APP_SECRET });

    const cleared = await updateConnection(keyring, { connectionId: connection!.id, secrets: { appSecret: null } });
    expect(cleared).toMatchObject({ status: "needs_authorization", secrets: { clientSecret: true, appSecret: false } });
    expect(await stored()).toEqual({ clientSecret: CLIENT_SECRET });

    const again = await updateConnection(keyring, { connectionId: connection!.id, secrets: { appSecret: APP_SECRET } });
    expect(again.status).toBe("active");
    // Disabled stays disabled through an update that does not name the status.
    expect((await disableConnection({ connectionId: connection!.id })).status).toBe("disabled");
    expect((await updateConnection(keyring, { connectionId: connection!.id, settings: { outerInstanceId: null } })).status).toBe("disabled");
    expect((await updateConnection(keyring, { connectionId: connection!.id, status: "active" })).status).toBe("active");
  });

  it("settings and secrets the kind does not take are a ZodError naming the field", async () => {
    const base = { tenantId, kind: "kingdee_jdy" as const, name: "other" };
    const cases: Array<[Parameters<typeof createConnection>[1], RegExp]> = [
      [{ ...base, settings: { clientId: "c", appKey: "k", domain: "not a url" } }, /^invalid input: settings\.domain must be an http\(s\) URL$/],
      [{ ...base, settings: { appKey: "k" } }, /settings\.clientId is required/],
      [{ ...base, settings: { clientId: "c", appKey: "k", secretKey: "x" } }, /settings has unknown field secretKey/],
      [{ ...base, settings: { clientId: "c", appKey: "k" }, secrets: { token: "x" } }, /secrets has unknown field token/],
      [{ ...base, settings: { clientId: "c", appKey: "k" }, secrets: { appSecret: 42 } }, /secrets\.appSecret must be/],
    ];
    for (const [input, message] of cases) expect(describeInputError(await inputError(createConnection(keyring, input)))).toMatch(message);
    const [connection] = await listConnections({ tenantId });
    expect(describeInputError(await inputError(updateConnection(keyring, { connectionId: connection!.id, settings: { clientId: "" } }))))
      .toMatch(/settings\.clientId must not be empty/);
    expect(await listConnections({ tenantId })).toHaveLength(1);
  });

  it("unknown ids and duplicates are typed errors", async () => {
    await expect(listConnections({ tenantId: UNKNOWN_ID })).rejects.toBeInstanceOf(TenantNotFoundError);
    await expect(getConnection({ connectionId: UNKNOWN_ID })).rejects.toBeInstanceOf(ConnectionNotFoundError);
    await expect(createConnection(keyring, { tenantId: UNKNOWN_ID, kind: "kingdee_jdy", settings: { clientId: "c", appKey: "k" } }))
      .rejects.toBeInstanceOf(TenantNotFoundError);
    await expect(createConnection(keyring, { tenantId, kind: "kingdee_jdy", settings: { clientId: "c9", appKey: "k9" } }))
      .rejects.toBeInstanceOf(ConnectionConflictError); // "default" is taken
    const other = (await db.models.Tenant.create({ name: "Other" })).id;
    await expect(createConnection(keyring, { tenantId: other, kind: "kingdee_jdy", settings: { clientId: "cid-uc", appKey: "ak-uc" } }))
      .rejects.toBeInstanceOf(ConnectionConflictError); // the same Kingdee authorization
  });
});

describe("tenants write and read their Kingdee connection", () => {
  it("upsertTenant keyed by (clientId, appKey): one tenant and connection; a secret left out stays", async () => {
    const first = await upsertTenant(keyring, { name: "Upserted", clientId: "cid-up", appKey: "ak-up", clientSecret: CLIENT_SECRET, appSecret: APP_SECRET, domain: "https://tf.jdy.com" });
    expect(first).toMatchObject({ created: true, tenant: { name: "Upserted", clientId: "cid-up", hasClientSecret: true, hasAppSecret: true } });
    const second = await upsertTenant(keyring, { clientId: "cid-up", appKey: "ak-up", name: "Renamed", status: "disabled" });
    expect(second).toMatchObject({ created: false, tenant: { id: first.tenant.id, name: "Renamed", status: "disabled", hasAppSecret: true } });
    expect(await getTenant(first.tenant.id)).toEqual(second.tenant);
    const connection = await findTenantConnection(first.tenant.id, "kingdee_jdy");
    expect(decryptCredentials(connection!, keyring)).toEqual({ clientSecret: CLIENT_SECRET, appSecret: APP_SECRET });
    expect(JSON.stringify(second)).not.toContain(APP_SECRET);
    await expect(getTenant(UNKNOWN_ID)).rejects.toBeInstanceOf(TenantNotFoundError);
  });
});

describe("Kingdee clients built from connections", () => {
  let tenantId: string;
  let clients: KingdeeClients;
  beforeAll(async () => {
    const demo = sandbox.demoTenant;
    ({ tenant: { id: tenantId } } = await upsertTenant(keyring, {
      name: "Sandbox", clientId: demo.clientId, clientSecret: demo.clientSecret, appKey: demo.appKey, appSecret: demo.appSecret,
      domain: demo.domain, outerInstanceId: demo.outerInstanceId, baseUrl: sandbox.url,
    }));
    clients = new KingdeeClients({ sequelize: db.sequelize, keyring, tokenStore: new MemoryTokenStore(), clientDefaults: { retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 20 } } });
  });

  it("builds and caches a client; writes a pulled authorization back into the connection, encrypted", async () => {
    const client = await clients.get(tenantId);
    expect(await clients.get(tenantId)).toBe(client);
    await expect(client.token.refresh()).resolves.toMatchObject({ expiresAt: expect.any(Number) });

    const rotated = sandbox.rotateAppSecret();
    await client.refreshAuthorization();
    const connection = (await findTenantConnection(tenantId, "kingdee_jdy"))!;
    expect(decryptCredentials(connection, keyring).appSecret).toBe(rotated);
    expect(connection.status).toBe("active");
    clients.forget(tenantId);
    expect(await clients.get(tenantId)).not.toBe(client);
    expect(await testConnection(keyring, { connectionId: connection.id }, { kingdee_jdy: clients.clientDefaults })).toMatchObject({ ok: true });
  });

  it("a missing tenant is not found; a disabled connection or tenant, or an incomplete one, is not ready", async () => {
    await expect(clients.get(UNKNOWN_ID)).rejects.toBeInstanceOf(TenantNotFoundError);
    const connection = (await findTenantConnection(tenantId, "kingdee_jdy"))!;

    await disableConnection({ connectionId: connection.id });
    clients.forget(tenantId);
    await expect(clients.get(tenantId)).rejects.toThrow(TenantNotReadyError);
    await updateConnection(keyring, { connectionId: connection.id, status: "active", settings: { domain: null } });
    await expect(clients.get(tenantId)).rejects.toThrow(/no complete Kingdee authorization/);
    await updateConnection(keyring, { connectionId: connection.id, settings: { domain: sandbox.demoTenant.domain } });
    await expect(clients.get(tenantId)).resolves.toBeDefined();

    const bare = (await db.models.Tenant.create({ name: "Bare" })).id;
    await expect(clients.get(bare)).rejects.toThrow(/has no Kingdee connection/);
  });
});
