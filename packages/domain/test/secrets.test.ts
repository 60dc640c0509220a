import { randomBytes } from "node:crypto";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptCredentials, reencryptConnections, setConnectionSecrets } from "../src/connections/index.js";
import { decryptSecret, encryptSecret, keyId, loadKeyring, SecretDecryptionError } from "../src/secrets/index.js";
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

describe("connection secrets at rest", () => {
  let db: TestDomainDb;
  beforeAll(async () => {
    db = await setupDomainDb();
  });
  afterAll(async () => {
    await db?.teardown();
  });

  const CLIENT_SECRET = "client-secret-PLAINTEXT-7f3a";
  const APP_SECRET = "app-secret-PLAINTEXT-91bc";

  async function connectionFor(name: string, settings: Record<string, unknown>) {
    const tenant = await db.models.Tenant.create({ name });
    return db.models.Connection.build({ tenantId: tenant.id, kind: "kingdee_jdy", settings });
  }

  it("stores no plaintext, exposes none, and decrypts explicitly", async () => {
    const keyring = loadKeyring(oldEnv);
    const connection = await connectionFor("Acme", { clientId: "cid-1", appKey: "ak-1", outerInstanceId: "oi-1" });
    setConnectionSecrets(connection, keyring, { clientSecret: CLIENT_SECRET, appSecret: APP_SECRET });
    await connection.save();

    const rows = await db.sequelize.query<Record<string, unknown>>(`SELECT * FROM connection WHERE id = $1`, {
      bind: [connection.id],
      type: QueryTypes.SELECT,
    });
    const rawRow = JSON.stringify(rows);
    expect(rawRow).not.toContain(CLIENT_SECRET);
    expect(rawRow).not.toContain(APP_SECRET);
    const stored = rows[0]?.credentials as Record<string, string>;
    expect(stored.clientSecret).toMatch(/^v1:/);
    expect(rows[0]?.secret_key_id).toBe(keyring.current.id);

    const loaded = (await db.models.Connection.findByPk(connection.id))!;
    const pub = loaded.toPublic();
    expect(pub).toMatchObject({ settings: { clientId: "cid-1" }, secrets: { clientSecret: true, appSecret: true }, secretKeyId: keyring.current.id });
    const json = JSON.stringify(loaded);
    for (const s of [CLIENT_SECRET, APP_SECRET, stored.clientSecret!, stored.appSecret!]) expect(json).not.toContain(s);
    expect(Object.keys(pub)).not.toContain("credentials");

    expect(decryptCredentials(loaded, keyring)).toEqual({ clientSecret: CLIENT_SECRET, appSecret: APP_SECRET });

    // "keep unchanged" on a write: only the app secret moves
    setConnectionSecrets(loaded, keyring, { appSecret: "rotated-app-secret" });
    await loaded.save();
    await loaded.reload();
    expect(decryptCredentials(loaded, keyring)).toEqual({ clientSecret: CLIENT_SECRET, appSecret: "rotated-app-secret" });
    // null clears one
    setConnectionSecrets(loaded, keyring, { clientSecret: null });
    expect(decryptCredentials(loaded, keyring)).toEqual({ appSecret: "rotated-app-secret" });
  });

  it("refuses a plaintext credential at the database (guard)", async () => {
    const connection = await connectionFor("Guard", { clientId: "cid-guard", appKey: "ak-guard" });
    connection.credentials = { appSecret: "plaintext" };
    await expect(connection.save()).rejects.toThrow(/connection_credentials_enc_format_check/);
  });

  it("rotates keys: old ciphertexts decrypt with the new keyring and are re-encrypted", async () => {
    const before = loadKeyring(oldEnv);
    const rot = await connectionFor("Rot", { clientId: "cid-rot", appKey: "ak-rot" });
    setConnectionSecrets(rot, before, { clientSecret: CLIENT_SECRET, appSecret: APP_SECRET });
    await rot.save();
    await (await connectionFor("NoSecrets", { clientId: "cid-none", appKey: "ak-none" })).save();

    const after = loadKeyring(rotatedEnv);
    // during the rotation the previous key still decrypts
    expect(decryptCredentials((await db.models.Connection.findByPk(rot.id))!, after).clientSecret).toBe(CLIENT_SECRET);

    const result = await reencryptConnections(db.sequelize, after);
    expect(result.scanned).toBe(3);
    expect(result.reencrypted).toBe(2); // both connections with secrets, not the one without
    expect(await reencryptConnections(db.sequelize, after)).toEqual({ scanned: 3, reencrypted: 0 });

    const rows = await db.sequelize.query<{ credentials: Record<string, string>; secret_key_id: string | null }>(
      `SELECT credentials, secret_key_id FROM connection WHERE credentials <> '{}'::jsonb`,
      { type: QueryTypes.SELECT },
    );
    for (const r of rows) {
      expect(r.secret_key_id).toBe(after.current.id);
      for (const stored of Object.values(r.credentials)) expect(stored.split(":")[1]).toBe(after.current.id);
    }
    // the old key can now be dropped from the keyring
    const onlyNew = loadKeyring({ ENCRYPTION_KEY: newKey.toString("base64") });
    const reloaded = (await db.models.Connection.findByPk(rot.id))!;
    expect(decryptCredentials(reloaded, onlyNew)).toEqual({ clientSecret: CLIENT_SECRET, appSecret: APP_SECRET });
    // and the old keyring alone can no longer read them
    expect(() => decryptCredentials(reloaded, before)).toThrow(/not in the keyring/);
  });
});
