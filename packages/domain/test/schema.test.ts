import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addJdyConnection, setupDomainDb, sha256, type TestDomainDb } from "./helpers.js";

/*
 * The schema's own guarantees: exact decimals, UTC times, snake_case and JSONB defaults, and the
 * guards the database enforces whatever code path writes (one open failure per document, immutable
 * confirmed statements, one sign-off per delivery). Tables without a model are written in SQL, as
 * production code writes them.
 */

let db: TestDomainDb;
let tenantId: string;
let connectionId: string;
let customerId: string;

beforeAll(async () => {
  db = await setupDomainDb();
  const tenant = await db.models.Tenant.create({ name: "Acme" });
  tenantId = tenant.id;
  connectionId = await addJdyConnection(db, tenantId);
  const customer = await db.models.Customer.create({
    tenantId,
    kingdeeCustomerId: "CUST-0001",
    number: "C001",
    name: "Customer One",
    address: "1 Road",
  });
  customerId = customer.id;
});
afterAll(async () => {
  await db?.teardown();
});

describe("schema", () => {
  const sql = <T extends object>(query: string, bind: unknown[] = []) =>
    db.sequelize.query<T>(query, { bind, type: QueryTypes.SELECT });
  /** Sequelize names a unique violation "Validation error"; the constraint is on the driver's error. */
  const uniqueViolation = (constraint: string) => ({ name: "SequelizeUniqueConstraintError", parent: expect.objectContaining({ constraint }) });
  const insert = async (query: string, bind: unknown[]) => (await sql<{ id: string }>(`${query} RETURNING id`, bind))[0]!.id;

  it("round-trips decimals exactly, as strings", async () => {
    const deliveryId = await insert(
      `INSERT INTO delivery (tenant_id, customer_id, kingdee_id, bill_no, bill_date, total_amount) VALUES ($1, $2, 'SO-1', 'XSCK-0001', '2025-01-31', '12345678901234.56')`,
      [tenantId, customerId],
    );
    await sql(`INSERT INTO delivery_item (delivery_id, seq, qty, price, amount) VALUES ($1, 1, '12345678901234.5678', '0.0001', '0.10') RETURNING id`, [deliveryId]);
    const [row] = await sql<{ total_amount: string; bill_date: string; qty: string; price: string; amount: string }>(
      `SELECT d.total_amount, to_char(d.bill_date, 'YYYY-MM-DD') AS bill_date, i.qty, i.price, i.amount
         FROM delivery d JOIN delivery_item i ON i.delivery_id = d.id WHERE d.id = $1`,
      [deliveryId],
    );
    expect(row).toEqual({ total_amount: "12345678901234.56", bill_date: "2025-01-31", qty: "12345678901234.5678", price: "0.0001", amount: "0.10" });
    // and in SQL, exact arithmetic (no float in the column type)
    const [exact] = await sql<{ t: string; ty: string }>(
      `SELECT (total_amount + 0.01)::text AS t, pg_typeof(total_amount)::text AS ty FROM delivery WHERE id = $1`,
      [deliveryId],
    );
    expect(exact).toEqual({ t: "12345678901234.57", ty: "numeric" });
  });

  it("stores times as timestamptz in UTC", async () => {
    const at = new Date("2025-03-01T08:30:00+08:00");
    const run = await db.models.SyncRun.create({ tenantId, connectionId, jobName: "sales", trigger: "manual", fromTime: at });
    const again = await db.models.SyncRun.findByPk(run.id);
    expect(again?.fromTime?.toISOString()).toBe("2025-03-01T00:30:00.000Z");
    expect(again?.createdAt).toBeInstanceOf(Date);
    const cols = await db.sequelize.query<{ column_name: string; data_type: string }>(
      `SELECT column_name::text AS column_name, data_type::text AS data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND (data_type LIKE 'timestamp%' OR column_name LIKE '%\\_at' OR column_name LIKE '%time')`,
      { type: QueryTypes.SELECT },
    );
    expect(cols.length).toBeGreaterThan(20);
    for (const c of cols) expect(`${c.column_name}: ${c.data_type}`).toBe(`${c.column_name}: timestamp with time zone`);
    // the session and the stored value agree on UTC regardless of the server's TimeZone
    const [row] = await db.sequelize.query<{ utc: string }>(
      `SELECT to_char(from_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS utc FROM sync_run WHERE id = $1`,
      { bind: [run.id], type: QueryTypes.SELECT },
    );
    expect(row?.utc).toBe("2025-03-01T00:30:00");
  });

  it("uses snake_case columns and JSONB defaults", async () => {
    const job = await db.models.SyncJob.create({ tenantId, connectionId, jobName: "sales" });
    expect(job.lastCursor).toEqual({});
    expect(job.status).toBe("idle");
    await job.update({ lastCursor: { sal_out_bound: { watermark: "2025-01-01T00:00:00Z" } } });
    const [row] = await db.sequelize.query<{ last_cursor: unknown }>(`SELECT last_cursor FROM sync_job WHERE id = $1`, {
      bind: [job.id],
      type: QueryTypes.SELECT,
    });
    expect(row?.last_cursor).toEqual({ sal_out_bound: { watermark: "2025-01-01T00:00:00Z" } });
  });

  it("keys sync jobs by connection × job, and gives every sync run a connection", async () => {
    await expect(db.models.SyncJob.create({ tenantId, connectionId, jobName: "sales" })).rejects.toMatchObject(uniqueViolation("sync_job_connection_job_key"));
    // A second connection of the tenant has a job of the same name of its own.
    const [second] = await sql<{ id: string }>(`INSERT INTO connection (tenant_id, kind, name) VALUES ($1, 'kingdee_jdy', 'second') RETURNING id`, [tenantId]);
    await db.models.SyncJob.create({ tenantId, connectionId: second!.id, jobName: "sales" });
    await expect(sql(`INSERT INTO sync_run (tenant_id, job_name, trigger) VALUES ($1, 'sales', 'manual')`, [tenantId])).rejects.toThrow(
      /sync_run_sync_connection_check/,
    );
    await sql(`INSERT INTO sync_run (kind, tenant_id, job_name, trigger) VALUES ('probe', $1, 'erp', 'schedule') RETURNING id`, [tenantId]);
  });

  it("enforces one open failure per document", async () => {
    const failure = `INSERT INTO sync_failure (tenant_id, biz_type, biz_id, reason) VALUES ($1, 'sal_out_bound', '1', $2)`;
    const first = await insert(failure, [tenantId, "bad qty"]);
    await expect(insert(failure, [tenantId, "again"])).rejects.toMatchObject(uniqueViolation("sync_failure_open_key"));
    await sql(`UPDATE sync_failure SET resolved_at = now() WHERE id = $1 RETURNING id`, [first]);
    await insert(failure, [tenantId, "failed again later"]);
  });

  it("keeps a confirmed statement immutable; changes go to a new revision", async () => {
    const statement = (period: string, revision: number, total: string, status = "OPEN") =>
      insert(
        `INSERT INTO statement (tenant_id, customer_id, period, revision, total_amount, status, content_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [tenantId, customerId, period, revision, total, status, sha256(`${period}/${revision}`)],
      );
    const line = (statementId: string, docId: string) =>
      insert(`INSERT INTO statement_line (statement_id, doc_type, doc_id, amount) VALUES ($1, 'delivery', $2, '10.00')`, [statementId, docId]);
    const update = (query: string, bind: unknown[]) => sql(`${query} RETURNING id`, bind);

    const s1 = await statement("2025-01", 1, "100.00");
    await line(s1, "SO-1");
    await update(`UPDATE statement SET total_amount = '110.00' WHERE id = $1`, [s1]); // OPEN: editable
    await update(`UPDATE statement SET status = 'CONFIRMED' WHERE id = $1`, [s1]);
    await insert(
      `INSERT INTO statement_confirmation (statement_id, customer_id, revision, confirmed_at, confirmed_by) VALUES ($1, $2, 1, now(), 'wx:openid-1')`,
      [s1, customerId],
    );

    await expect(update(`UPDATE statement SET total_amount = '120.00' WHERE id = $1`, [s1])).rejects.toThrow(/is CONFIRMED and cannot be changed/);
    await expect(line(s1, "SO-2")).rejects.toThrow(/cannot be changed/);
    await expect(update(`DELETE FROM statement_line WHERE statement_id = $1`, [s1])).rejects.toThrow(/cannot be changed/);
    await expect(update(`DELETE FROM statement WHERE id = $1`, [s1])).rejects.toThrow(/cannot be deleted/);
    // a second live revision for the same month is refused until the confirmed one is superseded
    await expect(statement("2025-01", 2, "120.00")).rejects.toMatchObject(uniqueViolation("statement_live_revision_key"));

    await db.sequelize.transaction(async (transaction) => {
      await db.sequelize.query(`UPDATE statement SET status = 'SUPERSEDED' WHERE id = $1`, { bind: [s1], transaction });
      await db.sequelize.query(
        `INSERT INTO statement (tenant_id, customer_id, period, revision, total_amount) VALUES ($1, $2, '2025-01', 2, '120.00')`,
        { bind: [tenantId, customerId], transaction },
      );
    });
    const revisions = await sql<{ revision: number; status: string; total_amount: string }>(
      `SELECT revision, status, total_amount FROM statement WHERE customer_id = $1 AND period = '2025-01' ORDER BY revision`,
      [customerId],
    );
    expect(revisions.map((r) => [r.revision, r.status, r.total_amount])).toEqual([
      [1, "SUPERSEDED", "110.00"],
      [2, "OPEN", "120.00"],
    ]);
    await expect(update(`UPDATE statement SET status = 'OPEN' WHERE id = $1`, [s1])).rejects.toThrow(/cannot be changed/);
    await expect(statement("2025-13", 1, "0")).rejects.toThrow(/statement_period_check/);
  });

  it("keeps one sign-off per delivery, with the snapshot the customer saw", async () => {
    const deliveryId = await insert(
      `INSERT INTO delivery (tenant_id, customer_id, kingdee_id, bill_no, bill_date) VALUES ($1, $2, 'SO-9', 'XSCK-9', '2025-02-01')`,
      [tenantId, customerId],
    );
    const signoff = `INSERT INTO delivery_signoff (delivery_id, customer_id, signer_name, signed_at, signature_path, snapshot) VALUES ($1, $2, $3, $4, $5, $6)`;
    const snapshot = { customerName: "Customer One", address: "1 Road", items: [{ seq: 1, materialName: "Bolt", qty: "3.0000" }] };
    await insert(signoff, [deliveryId, customerId, "Li", "2025-02-02T01:02:03Z", "sig/1.png", JSON.stringify(snapshot)]);
    await expect(insert(signoff, [deliveryId, customerId, "X", new Date().toISOString(), "s", "{}"])).rejects.toMatchObject(uniqueViolation("delivery_signoff_delivery_id_key"));
    const [row] = await sql<{ photo_paths: unknown; snapshot: typeof snapshot; signed_at: Date }>(
      `SELECT photo_paths, snapshot, signed_at FROM delivery_signoff WHERE delivery_id = $1`,
      [deliveryId],
    );
    expect(row?.photo_paths).toEqual([]);
    expect(row?.snapshot.items[0]?.qty).toBe("3.0000");
    expect(row?.signed_at.toISOString()).toBe("2025-02-02T01:02:03.000Z");
  });
});
