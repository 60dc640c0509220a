import type { Migration } from "../migrator.js";
import { addCheck, idColumn, oneOf, textColumn, timestampColumns } from "../migration-helpers.js";

export const up: Migration = async ({ context: qi }) => {
  await qi.createTable("tenant", {
    id: idColumn(),
    name: textColumn(),
    client_id: textColumn(),
    app_key: textColumn(),
    domain: textColumn({ nullable: true }),
    outer_instance_id: textColumn({ nullable: true }),
    status: textColumn({ default: "active" }),
    base_url: textColumn({ nullable: true }), // null: the Kingdee default gateway
    client_secret_enc: textColumn({ nullable: true }), // "v1:<kid>:<iv>:<tag>:<ciphertext>", never plaintext
    app_secret_enc: textColumn({ nullable: true }),
    secret_key_id: textColumn({ nullable: true }), // kid of the key both secrets are encrypted under
    ...timestampColumns(),
  });
  await addCheck(qi, "tenant", "tenant_status_check", oneOf("status", ["active", "disabled"]));
  await addCheck(qi, "tenant", "tenant_secret_enc_format_check",
    `(client_secret_enc IS NULL OR client_secret_enc LIKE 'v1:%') AND (app_secret_enc IS NULL OR app_secret_enc LIKE 'v1:%')`);
  await qi.addIndex("tenant", ["client_id", "app_key"], { unique: true, name: "tenant_client_id_app_key_key" });
};

export const down: Migration = async ({ context: qi }) => {
  await qi.dropTable("tenant");
};
