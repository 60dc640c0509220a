import type { Migration } from "../migrator.js";

// Raw records belong to the connection they were read through (a tenant may reach several systems,
// or two accounts of one). Every tenant has its `kingdee_jdy` connection since 0018, so each stored
// record gets its tenant's; `tenant_id` stays for the tenant-scoped readers (customer orders).
export const up: Migration = async ({ context: qi }) => {
  const q = (sql: string) => qi.sequelize.query(sql);
  await q(`ALTER TABLE source_record ADD COLUMN connection_id uuid REFERENCES connection (id) ON DELETE CASCADE ON UPDATE CASCADE`);
  await q(`UPDATE source_record r SET connection_id = c.id
             FROM connection c WHERE c.tenant_id = r.tenant_id AND c.kind = 'kingdee_jdy' AND c.name = 'default'`);
  await q(`ALTER TABLE source_record ALTER COLUMN connection_id SET NOT NULL`);
  // The engine's lookups are by connection × stream × record (see 0002 on why nothing else may lead with the same prefix).
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
