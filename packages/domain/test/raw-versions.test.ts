import { QueryTypes } from "sequelize";
import { transactionSql } from "../src/db/sql.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RecordVersionInput, upsertRecordVersions } from "../src/sync/index.js";
import { flipChanged } from "../src/sync/record-store.js";
import { addJdyConnection, setupDomainDb, sha256, type TestDomainDb } from "./helpers.js";

let db: TestDomainDb;
let tenantId: string;
let connectionId: string;
let runId: string;

beforeAll(async () => {
  db = await setupDomainDb();
  tenantId = (await db.models.Tenant.create({ name: "Raw" })).id;
  connectionId = await addJdyConnection(db, tenantId);
  runId = (await db.models.SyncRun.create({ tenantId, connectionId, jobName: "sales", trigger: "manual" })).id;
});
afterAll(async () => {
  await db?.teardown();
});

function doc(i: number, version = 1): RecordVersionInput {
  const data = { id: `K${i}`, billno: `XSCK-${i}`, qty: String(i), version };
  return { recordId: `K${i}`, data, hash: sha256(data), cursorValue: new Date(Date.UTC(2025, 0, 1, 0, 0, i)) };
}

const upsert = (rows: RecordVersionInput[], bizType = "sal_out_bound") =>
  db.sequelize.transaction((t) => upsertRecordVersions(transactionSql(t), { connectionId, tenantId, stream: bizType }, rows, runId));

async function counts(bizType = "sal_out_bound") {
  const [row] = await db.sequelize.query<{ total: number; current: number; maxPerDoc: number }>(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE is_current)::int AS current,
            COALESCE((SELECT max(c)::int FROM (SELECT count(*) AS c FROM source_record
                       WHERE tenant_id = $1 AND stream = $2 AND is_current GROUP BY record_id) x), 0) AS "maxPerDoc"
       FROM source_record WHERE tenant_id = $1 AND stream = $2`,
    { bind: [tenantId, bizType], type: QueryTypes.SELECT },
  );
  return row!;
}

describe("upsertRecordVersions", () => {
  const page = Array.from({ length: 100 }, (_, i) => doc(i));

  it("inserts a new page", async () => {
    const res = await upsert(page);
    expect(res).toHaveLength(100);
    expect(res.every((r) => r.outcome === "inserted")).toBe(true);
    expect(res.map((r) => r.recordId)).toEqual(page.map((r) => r.recordId));
    expect(await counts()).toEqual({ total: 100, current: 100, maxPerDoc: 1 });
    const [stored] = await db.sequelize.query<{ data: unknown; hash: string; modify_time: Date; sync_run_id: string }>(
      `SELECT data, hash, cursor_value AS modify_time, sync_run_id FROM source_record WHERE record_id = 'K7'`,
      { type: QueryTypes.SELECT },
    );
    expect(stored).toEqual({ data: page[7]!.data, hash: page[7]!.hash, modify_time: new Date("2025-01-01T00:00:07Z"), sync_run_id: runId });
  });

  it("writes nothing when hashes are the same", async () => {
    const res = await upsert(page);
    expect(res.every((r) => r.outcome === "unchanged")).toBe(true);
    expect(await counts()).toEqual({ total: 100, current: 100, maxPerDoc: 1 });
  });

  it("adds exactly one version per changed document", async () => {
    const changed = new Set([3, 50, 99]);
    const next = page.map((r, i) => (changed.has(i) ? doc(i, 2) : r));
    next.push(doc(100)); // and one new document
    const res = await upsert(next);
    const by = (o: string) => res.filter((r) => r.outcome === o).map((r) => r.recordId);
    expect(by("updated")).toEqual(["K3", "K50", "K99"]);
    expect(by("inserted")).toEqual(["K100"]);
    expect(by("unchanged")).toHaveLength(97);
    expect(await counts()).toEqual({ total: 104, current: 101, maxPerDoc: 1 });

    const versions = await db.sequelize.query<{ is_current: boolean; version: number }>(
      `SELECT is_current, (data->>'version')::int AS version FROM source_record WHERE record_id = 'K50' ORDER BY pulled_at, is_current`,
      { type: QueryTypes.SELECT },
    );
    expect(versions).toEqual([{ is_current: false, version: 1 }, { is_current: true, version: 2 }]);

    // the same changed page again: all unchanged
    expect((await upsert(next)).every((r) => r.outcome === "unchanged")).toBe(true);
    expect(await counts()).toEqual({ total: 104, current: 101, maxPerDoc: 1 });
  });

  it("keeps streams and tenants apart", async () => {
    const res = await upsert(page.slice(0, 5), "customer");
    expect(res.every((r) => r.outcome === "inserted")).toBe(true);
    expect((await counts("customer")).current).toBe(5);
  });

  it("rolls back with the page transaction", async () => {
    await expect(
      db.sequelize.transaction(async (t) => {
        await upsertRecordVersions(transactionSql(t), { connectionId, tenantId, stream: "sal_out_bound" }, [doc(1, 3)], runId);
        throw new Error("checkpoint write failed");
      }),
    ).rejects.toThrow("checkpoint write failed");
    expect(await counts()).toEqual({ total: 104, current: 101, maxPerDoc: 1 });
  });

  it("rejects bad input", async () => {
    await expect(upsert([doc(1), doc(1)])).rejects.toThrow(/appears twice/);
    await expect(upsert([{ ...doc(1), hash: "abc" }])).rejects.toThrow(/64 lowercase hex/);
    expect(await upsert([])).toEqual([]);
  });

  it("handles pages of 100 quickly", async () => {
    const started = performance.now();
    for (let p = 0; p < 20; p++) {
      await upsert(Array.from({ length: 100 }, (_, i) => doc(1000 + p * 100 + i)));
    }
    const ms = performance.now() - started;
    expect((await counts()).current).toBe(2101);
    expect(ms).toBeLessThan(10_000);
  });

  it("records a new list hash on an unchanged document without a new version", async () => {
    const listed = (listHash: string) => [{ ...doc(500), listHash }];
    expect((await upsert(listed("a".repeat(64)), "customer"))[0]!.outcome).toBe("inserted");
    expect((await upsert(listed("b".repeat(64)), "customer"))[0]!.outcome).toBe("unchanged");
    const rows = await db.sequelize.query<{ list_hash: string }>(
      `SELECT list_hash FROM source_record WHERE stream = 'customer' AND record_id = 'K500'`,
      { type: QueryTypes.SELECT },
    );
    expect(rows).toEqual([{ list_hash: "b".repeat(64) }]);
  });

  it("looks documents up by index, even before the table is analysed", async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `K${1000 + i}`);
    const [row] = await db.sequelize.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${flipChanged}`, {
      bind: [connectionId, "sal_out_bound", ids, ids.map(() => "0".repeat(64)), ids.map(() => "1".repeat(64))],
      type: QueryTypes.SELECT,
    });
    const plan = JSON.stringify(row?.["QUERY PLAN"]);
    expect(plan).not.toMatch(/"Node Type":"Seq Scan"/);
    // every lookup is an index condition on the document id, not a filter over the type's rows
    expect(plan).toMatch(/"Index Cond":"\(\(connection_id = .*record_id = i\.record_id\)\)"/);
  });
});
