import type { Migration } from "../migrator.js";

// `kingdee_raw` becomes the raw store of every source: `source_record`. Renamed in place, so every
// stored version (and its history) stays as it was, without copying a row:
//   biz_type → stream, biz_id → record_id, modify_time → cursor_value (the source's change time);
// new: `version` (1, 2, … per record, numbered from the history already stored), `seen_at` (when
// a full pass last listed the record) and `deleted_at` (soft delete after a guarded reconcile);
// and `sync_run.deleted_count`.
const RENAMES: Array<[string, string]> = [
  ["kingdee_raw_current_key", "source_record_current_key"],
  ["kingdee_raw_history_idx", "source_record_history_idx"],
  ["kingdee_raw_sync_run_idx", "source_record_sync_run_idx"],
  ["kingdee_raw_sal_order_customer_idx", "source_record_sal_order_customer_idx"],
];

export const up: Migration = async ({ context: qi }) => {
  const q = (sql: string) => qi.sequelize.query(sql);
  await q(`ALTER TABLE kingdee_raw RENAME TO source_record`);
  await q(`ALTER TABLE source_record RENAME COLUMN biz_type TO stream`);
  await q(`ALTER TABLE source_record RENAME COLUMN biz_id TO record_id`);
  await q(`ALTER TABLE source_record RENAME COLUMN modify_time TO cursor_value`);
  await q(`ALTER TABLE source_record RENAME CONSTRAINT kingdee_raw_hash_check TO source_record_hash_check`);
  for (const [from, to] of RENAMES) await q(`ALTER INDEX IF EXISTS ${from} RENAME TO ${to}`);
  await q(`ALTER TABLE source_record ADD COLUMN version integer, ADD COLUMN seen_at timestamptz, ADD COLUMN deleted_at timestamptz`);
  await q(`UPDATE source_record s SET version = n.version
             FROM (SELECT id, row_number() OVER (PARTITION BY tenant_id, stream, record_id ORDER BY pulled_at, is_current, id) AS version
                     FROM source_record) n
            WHERE n.id = s.id`);
  await q(`ALTER TABLE source_record ALTER COLUMN version SET DEFAULT 1, ALTER COLUMN version SET NOT NULL`);
  await q(`ALTER TABLE source_record ADD CONSTRAINT source_record_version_check CHECK (version >= 1)`);
  await q(`ALTER TABLE sync_run ADD COLUMN deleted_count integer NOT NULL DEFAULT 0`);
};

export const down: Migration = async ({ context: qi }) => {
  const q = (sql: string) => qi.sequelize.query(sql);
  await q(`ALTER TABLE sync_run DROP COLUMN deleted_count`);
  await q(`ALTER TABLE source_record DROP CONSTRAINT source_record_version_check`);
  await q(`ALTER TABLE source_record DROP COLUMN version, DROP COLUMN seen_at, DROP COLUMN deleted_at`);
  for (const [from, to] of RENAMES) await q(`ALTER INDEX IF EXISTS ${to} RENAME TO ${from}`);
  await q(`ALTER TABLE source_record RENAME CONSTRAINT source_record_hash_check TO kingdee_raw_hash_check`);
  await q(`ALTER TABLE source_record RENAME COLUMN cursor_value TO modify_time`);
  await q(`ALTER TABLE source_record RENAME COLUMN record_id TO biz_id`);
  await q(`ALTER TABLE source_record RENAME COLUMN stream TO biz_type`);
  await q(`ALTER TABLE source_record RENAME TO kingdee_raw`);
};
