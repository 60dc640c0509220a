import type { Migration } from "../migrator.js";

// Raw records belong to the connection they were read through (a tenant may reach several systems,
// or two accounts of one), so the engine keys them by connection × stream × record. Until the
// `connection` table (0018) is merged here, a tenant's one connection per kind is identified by the
// tenant's id (see `connectionIdOf`); the foreign key comes with 0018. `tenant_id` stays for the
// tenant-scoped readers (customer orders, the signed-delivery guard).
export const up: Migration = async ({ context: qi }) => {
  const q = (sql: string) => qi.sequelize.query(sql);
  await q(`ALTER TABLE source_record ADD COLUMN connection_id uuid`);
  await q(`UPDATE source_record SET connection_id = tenant_id`);
  await q(`ALTER TABLE source_record ALTER COLUMN connection_id SET NOT NULL`);
  // Lookups go by connection now; nothing else may lead with the same prefix (see 0002).
  await q(`DROP INDEX source_record_current_key`);
  await q(`CREATE UNIQUE INDEX source_record_current_key ON source_record (connection_id, stream, record_id) WHERE is_current`);
  await q(`DROP INDEX source_record_history_idx`);
  await q(`CREATE INDEX source_record_history_idx ON source_record (connection_id, stream, record_id, pulled_at)`);
};

export const down: Migration = async ({ context: qi }) => {
  const q = (sql: string) => qi.sequelize.query(sql);
  await q(`DROP INDEX source_record_history_idx`);
  await q(`CREATE INDEX source_record_history_idx ON source_record (tenant_id, stream, record_id, pulled_at)`);
  await q(`DROP INDEX source_record_current_key`);
  await q(`CREATE UNIQUE INDEX source_record_current_key ON source_record (tenant_id, stream, record_id) WHERE is_current`);
  await q(`ALTER TABLE source_record DROP COLUMN connection_id`);
};
