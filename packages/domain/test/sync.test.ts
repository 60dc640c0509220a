import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confirmStatement } from "../src/statements/confirm.js";
import { jdyJobs } from "../src/connectors/jdy/streams.js";
import { SyncAlreadyRunningError } from "../src/sync/sync-service.js";
import { type SyncFixture, setupSync } from "./sync-fixture.js";

const DETAIL = "/jdy/v2/scm/sal_out_bound_detail";
let f: SyncFixture;
beforeAll(async () => {
  f = await setupSync();
});
afterAll(() => f?.teardown());

const versions = (bizType: string) => f.count(`SELECT count(*) AS n FROM source_record WHERE stream = $1`, [bizType]);
const current = (bizType: string) => f.count(`SELECT count(*) AS n FROM source_record WHERE stream = $1 AND is_current`, [bizType]);
const runAll = async () => {
  const master = await f.sync.run({ tenantId: f.tenantId, jobName: "master_data_full" });
  const documents = await f.sync.run({ tenantId: f.tenantId, jobName: "documents_incremental" });
  return { master, documents };
};

describe("sync engine against the sandbox", () => {
  it("a full sync stores every document of every stream, once", async () => {
    const { master, documents } = await runAll();
    expect(master.status).toBe("success");
    expect(documents.status).toBe("success");
    for (const job of Object.values(jdyJobs)) {
      for (const name of job.streams) {
        expect({ name, current: await current(name) }).toEqual({ name, current: f.sandbox.data.count(name) });
        expect(await versions(name)).toBe(await current(name));
      }
    }
    expect(await f.count(`SELECT count(*) AS n FROM delivery`)).toBe(f.sandbox.data.count("sal_out_bound"));
    expect(await f.count(`SELECT count(*) AS n FROM customer`)).toBe(f.sandbox.data.count("customer"));
    expect(documents.insertedCount).toBe(
      jdyJobs.documents_incremental.streams.reduce((n, s) => n + f.sandbox.data.count(s), 0),
    );
    expect(documents.warnings).toEqual([]);
    // Customer phone numbers come from the detail's contacts.
    expect(await f.count(`SELECT count(*) AS n FROM customer WHERE phone IS NOT NULL`)).toBeGreaterThan(0);
  });

  it("delivery totals and statements are exact decimals from the ERP", async () => {
    const doc = f.sandbox.data.rows("sal_out_bound")[0]!;
    const [delivery] = await f.db.sequelize.query<{ total_amount: string; items: number }>(
      `SELECT d.total_amount, (SELECT count(*) FROM delivery_item i WHERE i.delivery_id = d.id)::int AS items FROM delivery d WHERE kingdee_id = $1`,
      { bind: [doc.id], type: QueryTypes.SELECT },
    );
    expect(Number(delivery!.total_amount).toFixed(2)).toBe(Number(doc.total_amount).toFixed(2));
    expect(delivery!.items).toBe((doc.material_entity as unknown[]).length);
    const mismatched = await f.count(
      `SELECT count(*) AS n FROM statement s WHERE s.status = 'OPEN' AND s.total_amount <>
         (SELECT sum(l.amount) FROM statement_line l WHERE l.statement_id = s.id)`,
    );
    expect(mismatched).toBe(0);
    // Every out-bound document and every receipt is a line of its customer's month.
    expect(await f.count(`SELECT count(*) AS n FROM statement_line WHERE doc_type = 'sal_out_bound' AND amount >= 0`)).toBe(
      f.sandbox.data.count("sal_out_bound"),
    );
    expect(await f.count(`SELECT count(*) AS n FROM statement_line WHERE doc_type = 'ar_credit' AND amount <= 0`)).toBe(
      f.sandbox.data.count("ar_credit"),
    );
  });

  it("a statement's balance is that month's deliveries minus its receipts, as the ERP has them", async () => {
    const [receipt] = f.sandbox.data.rows("ar_credit");
    const month = String(receipt!.bill_date).slice(0, 7);
    const cents = (v: unknown) => Math.round(Number(v) * 100);
    const owed =
      f.sandbox.data.rows("sal_out_bound").filter((d) => d.customer_id === receipt!.customer_id && String(d.bill_date).startsWith(month)).reduce((n, d) => n + cents(d.total_amount), 0) -
      f.sandbox.data.rows("ar_credit").filter((r) => r.customer_id === receipt!.customer_id && String(r.bill_date).startsWith(month)).reduce((n, r) => n + cents(r.total_amount), 0);
    const [statement] = await f.db.sequelize.query<{ total_amount: string }>(
      `SELECT s.total_amount FROM statement s JOIN customer c ON c.id = s.customer_id
        WHERE c.kingdee_customer_id = $1 AND s.period = $2 AND s.status IN ('OPEN', 'CONFIRMED')`,
      { bind: [receipt!.customer_id, month], type: QueryTypes.SELECT },
    );
    expect(cents(statement!.total_amount)).toBe(owed);
  });

  it("re-running writes no new version and calls no detail endpoint", async () => {
    const before = await f.count(`SELECT count(*) AS n FROM source_record`);
    f.sandbox.calls.reset();
    const { master, documents } = await runAll();
    expect(await f.count(`SELECT count(*) AS n FROM source_record`)).toBe(before);
    expect(documents.insertedCount + documents.updatedCount + master.insertedCount + master.updatedCount).toBe(0);
    expect(f.sandbox.calls.count(DETAIL)).toBe(0);
    expect(f.sandbox.calls.count("/jdy/v2/bd/customer_detail")).toBe(0);
  });

  it("10 changed documents in the ERP become exactly 10 new versions, deliveries and statements updated", async () => {
    const before = await versions("sal_out_bound");
    const changed = f.sandbox.data.mutate("sal_out_bound", 10);
    f.sandbox.calls.reset();
    const run = await f.sync.run({ tenantId: f.tenantId, jobName: "documents_incremental" });
    expect(run.status).toBe("success");
    expect(run.updatedCount).toBe(10);
    expect(run.insertedCount).toBe(0);
    expect(await versions("sal_out_bound")).toBe(before + 10);
    expect(await current("sal_out_bound")).toBe(f.sandbox.data.count("sal_out_bound"));
    expect(f.sandbox.calls.count(DETAIL)).toBe(10);
    for (const id of changed) {
      const doc = f.sandbox.data.rows("sal_out_bound").find((r) => r.id === id)!;
      const [row] = await f.db.sequelize.query<{ total_amount: string; statement_total: string }>(
        `SELECT d.total_amount, l.amount AS statement_total FROM delivery d
           JOIN statement_line l ON l.doc_id = d.kingdee_id
           JOIN statement s ON s.id = l.statement_id AND s.status IN ('OPEN', 'CONFIRMED')
          WHERE d.kingdee_id = $1`,
        { bind: [id], type: QueryTypes.SELECT },
      );
      expect(Number(row!.total_amount).toFixed(2)).toBe(Number(doc.total_amount).toFixed(2));
      expect(row!.statement_total).toBe(row!.total_amount);
    }
  });

  it("a detail that keeps failing goes to the ledger, the run is partial, the next run clears it", async () => {
    const [id] = f.sandbox.data.mutate("sal_out_bound", 1);
    const [other] = f.sandbox.data.mutate("sal_out_bound", 1);
    f.sandbox.faults.inject({ kind: "http_error", status: 500, times: 100, path: DETAIL, match: { id: id! } });
    const failed = await f.sync.run({ tenantId: f.tenantId, jobName: "documents_incremental" });
    expect(failed.status).toBe("partial");
    expect(failed.failedCount).toBe(1);
    expect(failed.updatedCount).toBe(1); // the other document was not held back
    const [entry] = await f.db.sequelize.query<{ biz_id: string; reason: string; resolved_at: Date | null }>(
      `SELECT biz_id, reason, resolved_at FROM sync_failure WHERE biz_type = 'sal_out_bound'`,
      { type: QueryTypes.SELECT },
    );
    expect(entry).toMatchObject({ biz_id: id, resolved_at: null });
    expect(entry!.reason).toMatch(/HTTP 500/);
    expect(other).not.toBe(id);

    f.sandbox.faults.clear();
    const healed = await f.sync.run({ tenantId: f.tenantId, jobName: "documents_incremental" });
    expect(healed.status).toBe("success");
    expect(await f.count(`SELECT count(*) AS n FROM sync_failure WHERE resolved_at IS NULL`)).toBe(0);
    expect(await f.count(`SELECT count(*) AS n FROM sync_failure WHERE resolved_by_run_id = $1`, [healed.id])).toBe(1);
    const doc = f.sandbox.data.rows("sal_out_bound").find((r) => r.id === id)!;
    const [stored] = await f.db.sequelize.query<{ remark: string }>(
      `SELECT data->>'remark' AS remark FROM source_record WHERE record_id = $1 AND is_current`,
      { bind: [id], type: QueryTypes.SELECT },
    );
    expect(stored!.remark).toBe(doc.remark);
  });

  it("a confirmed statement is never changed: an ERP change makes a new revision, the confirmation stays", async () => {
    const [statement] = await f.db.sequelize.query<{ id: string; customer_id: string; period: string; total_amount: string }>(
      `SELECT id, customer_id, period, total_amount FROM statement WHERE status = 'OPEN' ORDER BY period DESC LIMIT 1`,
      { type: QueryTypes.SELECT },
    );
    const confirmation = await confirmStatement(f.db.sequelize, {
      tenantId: f.tenantId,
      customerId: statement!.customer_id,
      statementId: statement!.id,
      confirmedBy: "张三",
    });
    expect(confirmation?.revision).toBe(1);
    const [line] = await f.db.sequelize.query<{ doc_id: string }>(
      `SELECT doc_id FROM statement_line WHERE statement_id = $1 AND doc_type = 'sal_out_bound' LIMIT 1`,
      { bind: [statement!.id], type: QueryTypes.SELECT },
    );
    f.sandbox.data.mutate("sal_out_bound", [line!.doc_id]);
    await f.sync.run({ tenantId: f.tenantId, jobName: "documents_incremental" });

    const revisions = await f.db.sequelize.query<{ id: string; revision: number; status: string; total_amount: string }>(
      `SELECT id, revision, status, total_amount FROM statement WHERE customer_id = $1 AND period = $2 ORDER BY revision`,
      { bind: [statement!.customer_id, statement!.period], type: QueryTypes.SELECT },
    );
    expect(revisions.map((r) => [r.revision, r.status])).toEqual([
      [1, "SUPERSEDED"],
      [2, "OPEN"],
    ]);
    expect(revisions[0]!.total_amount).toBe(statement!.total_amount);
    expect(await f.count(`SELECT count(*) AS n FROM statement_confirmation WHERE statement_id = $1 AND revision = 1`, [statement!.id])).toBe(1);
    await expect(
      f.db.sequelize.query(`UPDATE statement SET total_amount = 0 WHERE id = $1`, { bind: [statement!.id] }),
    ).rejects.toThrow(/cannot be changed/);
  });

  it("a signed delivery stays signed when the ERP changes it", async () => {
    const [delivery] = await f.db.sequelize.query<{ id: string; kingdee_id: string }>(
      `SELECT id, kingdee_id FROM delivery ORDER BY bill_date DESC LIMIT 1`,
      { type: QueryTypes.SELECT },
    );
    await f.db.sequelize.query(`UPDATE delivery SET status = 'SIGNED' WHERE id = $1`, { bind: [delivery!.id] });
    f.sandbox.data.mutate("sal_out_bound", [delivery!.kingdee_id]);
    await f.sync.run({ tenantId: f.tenantId, jobName: "documents_incremental" });
    expect(await f.count(`SELECT count(*) AS n FROM delivery WHERE id = $1 AND status = 'SIGNED'`, [delivery!.id])).toBe(1);
  });

  it("two concurrent manual runs: one runs, the other is rejected as already running", async () => {
    f.sandbox.faults.inject({ kind: "latency", ms: 100, times: 3 });
    const first = f.sync.start({ tenantId: f.tenantId, jobName: "documents_incremental" });
    const second = f.sync.start({ tenantId: f.tenantId, jobName: "documents_incremental" });
    const [a, b] = await Promise.allSettled([first, second]);
    const started = [a, b].filter((r) => r.status === "fulfilled");
    const rejected = [a, b].filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    expect(started).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(SyncAlreadyRunningError);
    expect(rejected[0]!.reason.message).toMatch(/already running/);
    // A single resource of the same job shares its lock.
    await expect(f.sync.start({ tenantId: f.tenantId, resource: "sal_out_bound" })).rejects.toThrow(/already running/);
    const run = await (started[0] as PromiseFulfilledResult<Awaited<typeof first>>).value.done;
    expect(run.status).toBe("success");
    f.sandbox.faults.clear();
  });

  it("a manual run of one resource over a time range re-reads only that window and keeps the cursor", async () => {
    const [job] = await f.db.sequelize.query<{ cursor: unknown }>(
      `SELECT last_cursor AS cursor FROM sync_job WHERE job_name = 'documents_incremental'`,
      { type: QueryTypes.SELECT },
    );
    const rows = f.sandbox.data.rows("sal_out_bound");
    const times = rows.map((r) => Date.parse(`${String(r.modify_time).replace(" ", "T")}+08:00`)).sort((x, y) => x - y);
    const fromTime = new Date(times[100]!);
    const toTime = new Date(times[150]!);
    const run = await f.sync.run({ tenantId: f.tenantId, resource: "sal_out_bound", fromTime, toTime });
    expect(run.status).toBe("success");
    expect(run.resource).toBe("sal_out_bound");
    expect(run.fetchedCount).toBe(times.filter((t) => t >= fromTime.getTime() && t <= toTime.getTime()).length);
    const [after] = await f.db.sequelize.query<{ cursor: unknown }>(
      `SELECT last_cursor AS cursor FROM sync_job WHERE job_name = 'documents_incremental'`,
      { type: QueryTypes.SELECT },
    );
    expect(after!.cursor).toEqual(job!.cursor);
  });

  it("bad requests are refused with a clear message", async () => {
    await expect(f.sync.start({ tenantId: f.tenantId })).rejects.toThrow(/jobName or a resource/);
    await expect(f.sync.start({ tenantId: f.tenantId, jobName: "nope" as never })).rejects.toThrow(/must be one of/);
    await expect(
      f.sync.start({ tenantId: f.tenantId, resource: "sal_out_bound", fromTime: new Date(2), toTime: new Date(1) }),
    ).rejects.toThrow(/before toTime/);
  });
});
