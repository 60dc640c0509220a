import { randomBytes } from "node:crypto";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decryptSecret, decryptTenantCredentials, encryptSecret, keyId, loadKeyring, reencryptTenants, SecretDecryptionError,
  setTenantSecrets,
} from "../src/index.js";
import { setupDomainDb, type TestDomainDb } from "./helpers.js";

const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const oldEnv = { ENCRYPTION_KEY: oldKey.toString("base64") };
const rotatedEnv = { ENCRYPTION_KEY: newKey.toString("hex"), ENCRYPTION_KEYS_PREVIOUS: ` ${oldKey.toString("base64url")} ` };

describe("keyring", () => {
  it("loads base64, base64url and hex keys; kid = sha256 prefix", () => {
    const k = loadKeyring(oldEnv);
    expect(k.current.id).toMatch(/^[0-9a-f]{8}$/);
    expect(k.current.id).toBe(keyId(oldKey));
    expect(loadKeyring({ ENCRYPTION_KEY: oldKey.toString("hex") }).current.id).toBe(k.current.id);
    expect(loadKeyring({ ENCRYPTION_KEY: oldKey.toString("base64url") }).current.id).toBe(k.current.id);
    const r = loadKeyring(rotatedEnv);
    expect(r.current.id).toBe(keyId(newKey));
    expect([...r.keys.keys()].sort()).toEqual([keyId(newKey), keyId(oldKey)].sort());
  });

  it("names the variable when a key is missing or the wrong length, without echoing it", () => {
    expect(() => loadKeyring({})).toThrow(/ENCRYPTION_KEY is not set/);
    const short = randomBytes(16).toString("base64");
    expect(() => loadKeyring({ ENCRYPTION_KEY: short })).toThrow(/ENCRYPTION_KEY must be 32 bytes.*16 bytes/);
    try {
      loadKeyring({ ENCRYPTION_KEY: short });
    } catch (err) {
      expect(String(err)).not.toContain(short);
    }
    expect(() => loadKeyring({ ENCRYPTION_KEY: "not a key!" })).toThrow(/ENCRYPTION_KEY must be 32 bytes/);
    expect(() => loadKeyring({ ...oldEnv, ENCRYPTION_KEYS_PREVIOUS: "abc" })).toThrow(/ENCRYPTION_KEYS_PREVIOUS entry 1/);
  });
});

describe("encryptSecret / decryptSecret", () => {
  const keyring = loadKeyring(oldEnv);

  it("round-trips in the v1 format with a fresh IV each time", () => {
    const a = encryptSecret(keyring, "s3cret-äöü-密钥");
    const b = encryptSecret(keyring, "s3cret-äöü-密钥");
    expect(a).toMatch(/^v1:[0-9a-f]{8}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
    expect(a.split(":")[1]).toBe(keyring.current.id);
    expect(a).not.toBe(b);
    expect(decryptSecret(keyring, a)).toBe("s3cret-äöü-密钥");
    expect(decryptSecret(keyring, encryptSecret(keyring, ""))).toBe("");
  });

  it("fails clearly on a wrong key, a tampered value or garbage", () => {
    const stored = encryptSecret(keyring, "top secret");
    const wrong = loadKeyring({ ENCRYPTION_KEY: randomBytes(32).toString("base64") });
    expect(() => decryptSecret(wrong, stored)).toThrow(SecretDecryptionError);
    expect(() => decryptSecret(wrong, stored)).toThrow(new RegExp(`encrypted with key ${keyring.current.id}, which is not in the keyring`));

    const parts = stored.split(":");
    const ct = Buffer.from(parts[4]!, "base64url");
    ct[0] = ct[0]! ^ 1;
    const tampered = [...parts.slice(0, 4), ct.toString("base64url")].join(":");
    expect(() => decryptSecret(keyring, tampered)).toThrow(/failed authentication: wrong key or the stored value was altered/);
    // a ciphertext relabelled with another key id fails too (the header is authenticated)
    const both = loadKeyring({ ENCRYPTION_KEY: newKey.toString("base64"), ENCRYPTION_KEYS_PREVIOUS: oldKey.toString("base64") });
    const relabelled = ["v1", keyId(newKey), ...parts.slice(2)].join(":");
    expect(() => decryptSecret(both, relabelled)).toThrow(/failed authentication/);

    expect(() => decryptSecret(keyring, "plaintext")).toThrow(/not in the v1:<kid>:<iv>:<tag>:<ciphertext> format/);
  });
});

describe("tenant secrets at rest", () => {
  let db: TestDomainDb;
  beforeAll(async () => {
    db = await setupDomainDb();
  });
  afterAll(async () => {
    await db?.teardown();
  });

  const CLIENT_SECRET = "client-secret-PLAINTEXT-7f3a";
  const APP_SECRET = "app-secret-PLAINTEXT-91bc";

  it("stores no plaintext, exposes none, and decrypts explicitly", async () => {
    const keyring = loadKeyring(oldEnv);
    const tenant = db.models.Tenant.build({ name: "Acme", clientId: "cid-1", appKey: "ak-1", outerInstanceId: "oi-1" });
    setTenantSecrets(tenant, keyring, { clientSecret: CLIENT_SECRET, appSecret: APP_SECRET });
    await tenant.save();

    const rows = await db.sequelize.query<Record<string, unknown>>(`SELECT * FROM tenant WHERE id = $1`, {
      bind: [tenant.id],
      type: QueryTypes.SELECT,
    });
    const rawRow = JSON.stringify(rows);
    expect(rawRow).not.toContain(CLIENT_SECRET);
    expect(rawRow).not.toContain(APP_SECRET);
    expect(rows[0]?.client_secret_enc).toMatch(/^v1:/);
    expect(rows[0]?.secret_key_id).toBe(keyring.current.id);

    const loaded = (await db.models.Tenant.findByPk(tenant.id))!;
    const pub = loaded.toPublic();
    expect(pub).toMatchObject({ clientId: "cid-1", hasClientSecret: true, hasAppSecret: true, secretKeyId: keyring.current.id });
    const json = JSON.stringify(loaded);
    for (const s of [CLIENT_SECRET, APP_SECRET, String(rows[0]?.client_secret_enc)]) expect(json).not.toContain(s);
    expect(Object.keys(pub)).not.toContain("clientSecretEnc");

    expect(decryptTenantCredentials(loaded, keyring)).toMatchObject({
      tenantId: tenant.id,
      clientId: "cid-1",
      clientSecret: CLIENT_SECRET,
      appKey: "ak-1",
      appSecret: APP_SECRET,
      outerInstanceId: "oi-1",
      baseUrl: null,
    });

    // "keep unchanged" on a write: only the app secret moves
    setTenantSecrets(loaded, keyring, { appSecret: "rotated-app-secret" });
    await loaded.save();
    await loaded.reload();
    expect(decryptTenantCredentials(loaded, keyring)).toMatchObject({ clientSecret: CLIENT_SECRET, appSecret: "rotated-app-secret" });
  });

  it("rotates keys: old ciphertexts decrypt with the new keyring and are re-encrypted", async () => {
    const before = loadKeyring(oldEnv);
    const t = db.models.Tenant.build({ name: "Rot", clientId: "cid-rot", appKey: "ak-rot" });
    setTenantSecrets(t, before, { clientSecret: CLIENT_SECRET, appSecret: APP_SECRET });
    await t.save();
    const plain = db.models.Tenant.build({ name: "NoSecrets", clientId: "cid-none", appKey: "ak-none" });
    await plain.save();

    const after = loadKeyring(rotatedEnv);
    // during the rotation the previous key still decrypts
    expect(decryptTenantCredentials((await db.models.Tenant.findByPk(t.id))!, after).clientSecret).toBe(CLIENT_SECRET);

    const result = await reencryptTenants(db.sequelize, after);
    expect(result.scanned).toBe(3);
    expect(result.reencrypted).toBe(2); // both tenants with secrets, not the one without
    expect(await reencryptTenants(db.sequelize, after)).toEqual({ scanned: 3, reencrypted: 0 });

    const rows = await db.sequelize.query<{ client_secret_enc: string | null; app_secret_enc: string | null; secret_key_id: string | null }>(
      `SELECT client_secret_enc, app_secret_enc, secret_key_id FROM tenant WHERE client_secret_enc IS NOT NULL`,
      { type: QueryTypes.SELECT },
    );
    for (const r of rows) {
      expect(r.secret_key_id).toBe(after.current.id);
      expect(r.client_secret_enc!.split(":")[1]).toBe(after.current.id);
      expect(r.app_secret_enc!.split(":")[1]).toBe(after.current.id);
    }
    // the old key can now be dropped from the keyring
    const onlyNew = loadKeyring({ ENCRYPTION_KEY: newKey.toString("base64") });
    const reloaded = (await db.models.Tenant.findByPk(t.id))!;
    expect(decryptTenantCredentials(reloaded, onlyNew)).toMatchObject({ clientSecret: CLIENT_SECRET, appSecret: APP_SECRET });
    // and the old keyring alone can no longer read them
    expect(() => decryptTenantCredentials(reloaded, before)).toThrow(/not in the keyring/);
  });
});
