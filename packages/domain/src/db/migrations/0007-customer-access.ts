import type { Migration } from "../migrator.js";
import { fkColumn, idColumn, textColumn, timeColumn } from "../migration-helpers.js";

// Customer access: login tokens an admin hands out (QR) and the sessions they open. Only hashes are stored.
export const up: Migration = async ({ context: qi }) => {
  for (const table of ["customer_login_token", "customer_session"]) {
    await qi.createTable(table, {
      id: idColumn(),
      customer_id: fkColumn("customer", { onDelete: "CASCADE" }),
      token_hash: { ...textColumn(), unique: true }, // sha256 hex of the token
      expires_at: timeColumn(),
      last_used_at: timeColumn({ nullable: true }),
      created_at: timeColumn({ now: true }),
    });
    await qi.addIndex(table, ["customer_id"], { name: `${table}_customer_idx` });
  }
};

export const down: Migration = async ({ context: qi }) => {
  await qi.dropTable("customer_session");
  await qi.dropTable("customer_login_token");
};
