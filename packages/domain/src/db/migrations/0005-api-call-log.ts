import type { Migration } from "../migrator.js";
import { fkColumn, idColumn, intColumn, textColumn, timeColumn } from "../migration-helpers.js";

export const up: Migration = async ({ context: qi }) => {
  await qi.createTable("api_call_log", {
    id: idColumn(),
    tenant_id: fkColumn("tenant", { onDelete: "CASCADE" }),
    endpoint: textColumn(),
    method: textColumn(),
    http_status: intColumn({ nullable: true }), // null: no HTTP response (network error, timeout)
    errcode: textColumn({ nullable: true }),
    latency_ms: intColumn(),
    created_at: timeColumn({ now: true }),
  });
  await qi.addIndex("api_call_log", ["tenant_id", "created_at"], { name: "api_call_log_tenant_created_idx" });
};

export const down: Migration = async ({ context: qi }) => {
  await qi.dropTable("api_call_log");
};
