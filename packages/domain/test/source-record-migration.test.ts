import { QueryTypes } from "sequelize";
import { transactionSql } from "../src/db/sql.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, migrationStatus } from "../src/db/index.js";
import { upsertRecordVersions } from "../src/sync/index.js";
import { addJdyConnection, setupDomainDb, sha256, type TestDomainDb } from "./helpers.js";

// 0020 turns `kingdee_raw` into `source_record` in place, 0021 keys it by connection: data written
// under the old schema (history included) must come through whole, numbered, and keep working with
// the new writer.

const SOURCE_RECORD = "0020-source-record";
let db: TestDomainDb;
let tenantId: string;
let connectionId: string;

const query = <T extends object>(sql: string, bind: unknown[] = []) =>
  db.sequelize.query<T>(sql, { bind, type: QueryTypes.SELECT });

beforeAll(async () => {
  db = await setupDomainDb();
  // Back to the schema before 0020 (and whatever came after it).
  while ((await migrationStatus(db.sequelize)).executed.includes(SOURCE_RECORD)) {
    await migrate(db.sequelize, { direction: "down" });
  }
  const [tenant] = await query<{ id: string }>(
    `INSERT INTO tenant (name) VALUES ('Old') RETURNING id`,
  );
  tenantId = tenant!.id;
  connectionId = await addJdyConnection(db, tenantId); // 0018 (before 0020) gave every tenant its connection
  // Written the way the old engine wrote: K1 with two versions (the second current), K2 with one.
  const old = (bizId: string, version: number, current: boolean, pulledAt: string) => {
    const data = { id: bizId, version };
    return db.sequelize.query(
      `INSERT INTO kingdee_raw (tenant_id, biz_type, biz_id, data, hash, list_hash, modify_time, is_current, pulled_at)
       VALUES ($1, 'sal_order', $2, $3::jsonb, $4, $5, $6, $7, $8)`,
      { bind: [tenantId, bizId, JSON.stringify(data), sha256(data), "c".repeat(64), "2025-01-02T03:04:05Z", current, pulledAt] },
    );
  };
  await old("K1", 1, false, "2025-01-01T00:00:00Z");
  await old("K1", 2, true, "2025-01-02T00:00:00Z");
  await old("K2", 1, true, "2025-01-01T00:00:00Z");
  await migrate(db.sequelize);
});
afterAll(async () => {
  await db?.teardown();
});

describe("0020 source_record", () => {
  it("keeps every stored version, renamed and numbered in pull order", async () => {
    const rows = await query<Record<string, unknown>>(
      `SELECT stream, record_id, version, is_current, data ->> 'version' AS data_version, list_hash, cursor_value, seen_at, deleted_at
         FROM source_record ORDER BY record_id, version`,
    );
    expect(rows).toEqual([
      { stream: "sal_order", record_id: "K1", version: 1, is_current: false, data_version: "1", list_hash: "c".repeat(64), cursor_value: new Date("2025-01-02T03:04:05Z"), seen_at: null, deleted_at: null },
      { stream: "sal_order", record_id: "K1", version: 2, is_current: true, data_version: "2", list_hash: "c".repeat(64), cursor_value: new Date("2025-01-02T03:04:05Z"), seen_at: null, deleted_at: null },
      { stream: "sal_order", record_id: "K2", version: 1, is_current: true, data_version: "1", list_hash: "c".repeat(64), cursor_value: new Date("2025-01-02T03:04:05Z"), seen_at: null, deleted_at: null },
    ]);
    expect(await query(`SELECT 1 FROM pg_tables WHERE tablename = 'kingdee_raw'`)).toEqual([]);
    // 0021: keyed by the tenant's JDY connection.
    expect(await query(`SELECT DISTINCT connection_id FROM source_record`)).toEqual([{ connection_id: connectionId }]);
    const indexes = await query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename = 'source_record' ORDER BY 1`);
    expect(indexes.map((i) => i.indexname)).toEqual(
      expect.arrayContaining(["source_record_current_key", "source_record_history_idx", "source_record_sal_order_customer_idx"]),
    );
  });

  it("the new writer continues the history: the next version of K1 is 3", async () => {
    const data = { id: "K1", version: 3 };
    const [result] = await db.sequelize.transaction((t) =>
      upsertRecordVersions(transactionSql(t), { connectionId, tenantId, stream: "sal_order" }, [{ recordId: "K1", data, hash: sha256(data) }], null),
    );
    expect(result).toEqual({ recordId: "K1", outcome: "updated" });
    const versions = await query<{ version: number; is_current: boolean }>(
      `SELECT version, is_current FROM source_record WHERE record_id = 'K1' ORDER BY version`,
    );
    expect(versions).toEqual([
      { version: 1, is_current: false },
      { version: 2, is_current: false },
      { version: 3, is_current: true },
    ]);
  });
});
