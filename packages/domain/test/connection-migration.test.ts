import { randomBytes } from "node:crypto";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptCredentials } from "../src/connections/index.js";
import { createMigrator, migrate } from "../src/db/index.js";
import { encryptSecret, loadKeyring } from "../src/secrets/index.js";
import { getTenant } from "../src/tenants/index.js";
import { setupDomainDb, type TestDomainDb } from "./helpers.js";

// 0018 moves the Kingdee credentials and settings from `tenant` into one `kingdee_jdy`
// connection per tenant. Filled under the 0017 schema, the old way, then migrated.
const BEFORE = "0017-sync-run-stopped";
const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const oldKeyring = loadKeyring({ ENCRYPTION_KEY: oldKey.toString("base64") });
const keyring = loadKeyring({ ENCRYPTION_KEY: newKey.toString("base64"), ENCRYPTION_KEYS_PREVIOUS: oldKey.toString("base64") });

let db: TestDomainDb;
beforeAll(async () => {
  db = await setupDomainDb({ migrate: false });
  await createMigrator(db.sequelize).up({ to: BEFORE });
});
afterAll(async () => {
  await db?.teardown();
});

const select = <T extends object>(sql: string, bind: unknown[] = []) => db.sequelize.query<T>(sql, { bind, type: QueryTypes.SELECT });

interface OldTenant {
  id: string;
  name: string;
  client_id: string;
  app_key: string;
  domain: string | null;
  outer_instance_id: string | null;
  status: string;
  base_url: string | null;
  client_secret_enc: string | null;
  app_secret_enc: string | null;
  secret_key_id: string | null;
}

describe("migration 0018: tenant credentials move into connections", () => {
  let old: OldTenant[];

  it("keeps every value: settings as they were, secrets decrypt to the same plaintext", async () => {
    const insert = (t: Omit<OldTenant, "id">) => select<{ id: string }>(
      `INSERT INTO tenant (name, client_id, app_key, domain, outer_instance_id, status, base_url, client_secret_enc, app_secret_enc, secret_key_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [t.name, t.client_id, t.app_key, t.domain, t.outer_instance_id, t.status, t.base_url, t.client_secret_enc, t.app_secret_enc, t.secret_key_id],
    );
    // Complete, under the key that is now the previous one (mid-rotation).
    await insert({
      name: "Full", client_id: "cid-full", app_key: "ak-full", domain: "https://tf.jdy.com", outer_instance_id: "123456",
      status: "active", base_url: "http://127.0.0.1:9/gw", client_secret_enc: encryptSecret(oldKeyring, "client-secret-full"),
      app_secret_enc: encryptSecret(oldKeyring, "app-secret-full"), secret_key_id: oldKeyring.current.id,
    });
    // Pushed but never authorized: no secrets, no domain; and disabled.
    await insert({
      name: "Bare", client_id: "cid-bare", app_key: "ak-bare", domain: null, outer_instance_id: null, status: "disabled",
      base_url: null, client_secret_enc: null, app_secret_enc: null, secret_key_id: null,
    });
    // Only the client secret, under the current key.
    await insert({
      name: "Half", client_id: "cid-half", app_key: "ak-half", domain: "https://tf.jdy.com", outer_instance_id: null, status: "active",
      base_url: null, client_secret_enc: encryptSecret(keyring, "client-secret-half"), app_secret_enc: null, secret_key_id: keyring.current.id,
    });
    old = await select<OldTenant>(`SELECT * FROM tenant ORDER BY name`);

    expect((await migrate(db.sequelize)).migrations[0]).toBe("0018-connection");

    const tenantColumns = (await select<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'tenant' ORDER BY column_name`,
    )).map((r) => r.column_name);
    expect(tenantColumns).toEqual(["created_at", "id", "name", "status", "updated_at"]);

    const connections = await db.models.Connection.findAll({ order: [["createdAt", "ASC"]] });
    expect(connections).toHaveLength(3);
    for (const before of old) {
      const c = connections.find((x) => x.tenantId === before.id)!;
      expect(c).toMatchObject({ kind: "kingdee_jdy", name: "default", secretKeyId: before.secret_key_id });
      const settings = { clientId: before.client_id, appKey: before.app_key, domain: before.domain, outerInstanceId: before.outer_instance_id, baseUrl: before.base_url };
      expect(c.settings).toEqual(Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== null)));
      // copied as they were: the v1 format carries its key id, nothing was decrypted to move them
      expect(c.credentials).toEqual(Object.fromEntries(
        Object.entries({ clientSecret: before.client_secret_enc, appSecret: before.app_secret_enc }).filter(([, v]) => v !== null),
      ));
    }
    const byName = (name: string) => connections.find((c) => c.tenantId === old.find((t) => t.name === name)!.id)!;
    expect(decryptCredentials(byName("Full"), keyring)).toEqual({ clientSecret: "client-secret-full", appSecret: "app-secret-full" });
    expect(decryptCredentials(byName("Half"), keyring)).toEqual({ clientSecret: "client-secret-half" });
    expect(decryptCredentials(byName("Bare"), keyring)).toEqual({});
    expect(byName("Full").status).toBe("active");
    expect(byName("Half").status).toBe("needs_authorization");
    expect(byName("Bare").status).toBe("needs_authorization");

    // The admin's view of a tenant reads as before.
    const full = old.find((t) => t.name === "Full")!;
    expect(await getTenant(full.id)).toMatchObject({
      id: full.id, name: "Full", clientId: "cid-full", appKey: "ak-full", domain: "https://tf.jdy.com", outerInstanceId: "123456",
      status: "active", baseUrl: "http://127.0.0.1:9/gw", hasClientSecret: true, hasAppSecret: true, secretKeyId: oldKeyring.current.id,
    });
  });

  it("keeps Kingdee's (clientId, appKey) unique across connections", async () => {
    const tenant = await db.models.Tenant.create({ name: "Copy" });
    await expect(
      db.models.Connection.create({ tenantId: tenant.id, kind: "kingdee_jdy", name: "other", settings: { clientId: "cid-full", appKey: "ak-full" } }),
    ).rejects.toMatchObject({ name: "SequelizeUniqueConstraintError" });
    await tenant.destroy();
  });

  it("goes down to the old columns with the same values", async () => {
    // Back through the later migrations to before 0018.
    const reverted = await createMigrator(db.sequelize).down({ to: "0018-connection" });
    expect(reverted.map((m) => m.name).at(-1)).toBe("0018-connection");
    const back = await select<OldTenant>(`SELECT id, name, client_id, app_key, domain, outer_instance_id, status, base_url, client_secret_enc, app_secret_enc, secret_key_id FROM tenant ORDER BY name`);
    expect(back).toEqual(old.map(({ id, name, client_id, app_key, domain, outer_instance_id, status, base_url, client_secret_enc, app_secret_enc, secret_key_id }) => ({
      id, name, client_id, app_key, domain, outer_instance_id, status, base_url, client_secret_enc, app_secret_enc, secret_key_id,
    })));
  });
});
