import type { Migration } from "../migrator.js";
import { addCheck, fkColumn, idColumn, jsonbColumn, oneOf, textColumn, timestampColumns } from "../migration-helpers.js";

// One row per tenant × outside system × name: settings (validated per kind in
// src/connections/kinds) and credentials, each secret stored as its own `v1:<kid>:…` ciphertext
// in a JSON object. That format carries its key id, so the Kingdee secrets move from `tenant`
// as they are: no key is needed to migrate, and nothing is decrypted here.
const KINDS = ["kingdee_jdy"];
const STATUSES = ["active", "disabled", "needs_authorization"];

export const up: Migration = async ({ context: qi }) => {
  await qi.createTable("connection", {
    id: idColumn(),
    tenant_id: fkColumn("tenant", { onDelete: "CASCADE" }),
    kind: textColumn(),
    name: textColumn({ default: "default" }),
    status: textColumn({ default: "active" }),
    settings: jsonbColumn({ default: "{}" }),
    credentials: jsonbColumn({ default: "{}" }), // { "<secret name>": "v1:<kid>:<iv>:<tag>:<ciphertext>" }, never plaintext
    secret_key_id: textColumn({ nullable: true }), // kid every secret of the row is encrypted under (for rotation)
    ...timestampColumns(),
  });
  await addCheck(qi, "connection", "connection_kind_check", oneOf("kind", KINDS));
  await addCheck(qi, "connection", "connection_status_check", oneOf("status", STATUSES));
  // A guard only: the code writes ciphertext; this refuses a plaintext that slipped through.
  await addCheck(qi, "connection", "connection_credentials_enc_format_check",
    `jsonb_typeof(credentials) = 'object' AND NOT jsonb_path_exists(credentials, '$.* ? (!(@ like_regex "^v1:"))')`);
  await qi.addIndex("connection", ["tenant_id", "kind", "name"], { unique: true, name: "connection_tenant_kind_name_key" });
  // Kingdee's identity of an authorization, unique as it was on `tenant` (client_id, app_key).
  await qi.sequelize.query(
    `CREATE UNIQUE INDEX connection_kingdee_jdy_app_key ON connection ((settings ->> 'clientId'), (settings ->> 'appKey')) WHERE kind = 'kingdee_jdy'`,
  );

  await qi.sequelize.query(
    `INSERT INTO connection (tenant_id, kind, name, status, settings, credentials, secret_key_id, created_at, updated_at)
     SELECT id, 'kingdee_jdy', 'default',
            CASE WHEN client_secret_enc IS NULL OR app_secret_enc IS NULL OR domain IS NULL THEN 'needs_authorization' ELSE 'active' END,
            jsonb_strip_nulls(jsonb_build_object('clientId', client_id, 'appKey', app_key, 'domain', domain,
                                                 'outerInstanceId', outer_instance_id, 'baseUrl', base_url)),
            jsonb_strip_nulls(jsonb_build_object('clientSecret', client_secret_enc, 'appSecret', app_secret_enc)),
            secret_key_id, created_at, updated_at
       FROM tenant`,
  );
  await qi.sequelize.query(`ALTER TABLE tenant DROP CONSTRAINT tenant_secret_enc_format_check`);
  await qi.removeIndex("tenant", "tenant_client_id_app_key_key");
  for (const column of ["client_id", "app_key", "domain", "outer_instance_id", "base_url", "client_secret_enc", "app_secret_enc", "secret_key_id"]) {
    await qi.removeColumn("tenant", column);
  }
};

export const down: Migration = async ({ context: qi }) => {
  await qi.sequelize.query(
    `ALTER TABLE tenant ADD COLUMN client_id text, ADD COLUMN app_key text, ADD COLUMN domain text, ADD COLUMN outer_instance_id text,
       ADD COLUMN base_url text, ADD COLUMN client_secret_enc text, ADD COLUMN app_secret_enc text, ADD COLUMN secret_key_id text`,
  );
  await qi.sequelize.query(
    `UPDATE tenant t SET client_id = c.settings ->> 'clientId', app_key = c.settings ->> 'appKey', domain = c.settings ->> 'domain',
            outer_instance_id = c.settings ->> 'outerInstanceId', base_url = c.settings ->> 'baseUrl',
            client_secret_enc = c.credentials ->> 'clientSecret', app_secret_enc = c.credentials ->> 'appSecret', secret_key_id = c.secret_key_id
       FROM connection c
      WHERE c.tenant_id = t.id AND c.kind = 'kingdee_jdy' AND c.name = 'default'`,
  );
  // The old schema had no tenant without Kingdee identity: give one that never matches a real app.
  await qi.sequelize.query(
    `UPDATE tenant SET client_id = '', app_key = 'no-connection:' || id WHERE client_id IS NULL OR app_key IS NULL`,
  );
  await qi.sequelize.query(`ALTER TABLE tenant ALTER COLUMN client_id SET NOT NULL, ALTER COLUMN app_key SET NOT NULL`);
  await addCheck(qi, "tenant", "tenant_secret_enc_format_check",
    `(client_secret_enc IS NULL OR client_secret_enc LIKE 'v1:%') AND (app_secret_enc IS NULL OR app_secret_enc LIKE 'v1:%')`);
  await qi.addIndex("tenant", ["client_id", "app_key"], { unique: true, name: "tenant_client_id_app_key_key" });
  await qi.dropTable("connection");
};
