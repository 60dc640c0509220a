import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupDomainDb, sha256, type TestDomainDb } from "./helpers.js";

let db: TestDomainDb;
let tenantId: string;
let customerId: string;

beforeAll(async () => {
  db = await setupDomainDb();
  const tenant = await db.models.Tenant.create({ name: "Acme" });
  tenantId = tenant.id;
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

describe("models", () => {
  it("round-trips decimals exactly, as strings", async () => {
    const { Delivery, DeliveryItem } = db.models;
    const d = await Delivery.create({
      tenantId,
      customerId,
      kingdeeId: "SO-1",
      billNo: "XSCK-0001",
      billDate: "2025-01-31",
      totalAmount: "12345678901234.56",
    });
    await DeliveryItem.create({ deliveryId: d.id, seq: 1, qty: "12345678901234.5678", price: "0.0001", amount: "0.10" });
    const again = await Delivery.findByPk(d.id, { include: [DeliveryItem] });
    expect(again?.totalAmount).toBe("12345678901234.56");
    expect(again?.billDate).toBe("2025-01-31");
    expect(again?.items?.[0]?.qty).toBe("12345678901234.5678");
    expect(again?.items?.[0]?.price).toBe("0.0001");
    expect(again?.items?.[0]?.amount).toBe("0.10");
    // and in SQL, exact arithmetic (no float in the column type)
    const [row] = await db.sequelize.query<{ t: string; ty: string }>(
      `SELECT (total_amount + 0.01)::text AS t, pg_typeof(total_amount)::text AS ty FROM delivery WHERE id = $1`,
      { bind: [d.id], type: QueryTypes.SELECT },
    );
    expect(row).toEqual({ t: "12345678901234.57", ty: "numeric" });
  });

  it("stores times as timestamptz in UTC", async () => {
    const at = new Date("2025-03-01T08:30:00+08:00");
    const run = await db.models.SyncRun.create({ tenantId, jobName: "sales", trigger: "manual", fromTime: at });
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
    const job = await db.models.SyncJob.create({ tenantId, jobName: "sales" });
    expect(job.lastCursor).toEqual({});
    expect(job.status).toBe("idle");
    await job.update({ lastCursor: { sal_out_bound: { watermark: "2025-01-01T00:00:00Z" } } });
    const [row] = await db.sequelize.query<{ last_cursor: unknown }>(`SELECT last_cursor FROM sync_job WHERE id = $1`, {
      bind: [job.id],
      type: QueryTypes.SELECT,
    });
    expect(row?.last_cursor).toEqual({ sal_out_bound: { watermark: "2025-01-01T00:00:00Z" } });
    await expect(db.models.SyncJob.create({ tenantId, jobName: "sales" })).rejects.toMatchObject({ name: "SequelizeUniqueConstraintError" });
  });

  it("enforces one open failure per document", async () => {
    const { SyncFailure } = db.models;
    const f = await SyncFailure.create({ tenantId, bizType: "sal_out_bound", bizId: "1", reason: "bad qty" });
    await expect(SyncFailure.create({ tenantId, bizType: "sal_out_bound", bizId: "1", reason: "again" })).rejects.toThrow();
    await f.update({ resolvedAt: new Date() });
    await SyncFailure.create({ tenantId, bizType: "sal_out_bound", bizId: "1", reason: "failed again later" });
  });

  it("keeps a confirmed statement immutable; changes go to a new revision", async () => {
    const { Statement, StatementLine, StatementConfirmation } = db.models;
    const s1 = await Statement.create({ tenantId, customerId, period: "2025-01", totalAmount: "100.00", contentHash: sha256("a") });
    await StatementLine.create({ statementId: s1.id, docType: "delivery", docId: "SO-1", amount: "100.00" });
    await s1.update({ totalAmount: "110.00" }); // OPEN: editable
    await s1.update({ status: "CONFIRMED" });
    await StatementConfirmation.create({
      statementId: s1.id, customerId, revision: s1.revision, confirmedAt: new Date(), confirmedBy: "wx:openid-1",
    });

    await expect(s1.update({ totalAmount: "120.00" })).rejects.toThrow(/is CONFIRMED and cannot be changed/);
    await expect(StatementLine.create({ statementId: s1.id, docType: "delivery", docId: "SO-2", amount: "10.00" }))
      .rejects.toThrow(/cannot be changed/);
    await expect(StatementLine.destroy({ where: { statementId: s1.id } })).rejects.toThrow(/cannot be changed/);
    await expect(Statement.destroy({ where: { id: s1.id } })).rejects.toThrow(/cannot be deleted/);
    // a second live revision for the same month is refused until the confirmed one is superseded
    await expect(Statement.create({ tenantId, customerId, period: "2025-01", revision: 2 })).rejects.toMatchObject({ name: "SequelizeUniqueConstraintError" });

    await db.sequelize.transaction(async (transaction) => {
      await Statement.update({ status: "SUPERSEDED" }, { where: { id: s1.id }, transaction });
      await Statement.create({ tenantId, customerId, period: "2025-01", revision: 2, totalAmount: "120.00" }, { transaction });
    });
    const revs = await Statement.findAll({ where: { customerId, period: "2025-01" }, order: [["revision", "ASC"]] });
    expect(revs.map((r) => [r.revision, r.status, r.totalAmount])).toEqual([
      [1, "SUPERSEDED", "110.00"],
      [2, "OPEN", "120.00"],
    ]);
    await expect(Statement.update({ status: "OPEN" }, { where: { id: s1.id } })).rejects.toThrow(/cannot be changed/);
    await expect(Statement.create({ tenantId, customerId, period: "2025-13" })).rejects.toThrow(/check/i);
  });

  it("stores a sign-off with the snapshot the customer saw", async () => {
    const { Delivery, DeliverySignoff } = db.models;
    const d = await Delivery.create({ tenantId, customerId, kingdeeId: "SO-9", billNo: "XSCK-9", billDate: "2025-02-01" });
    await DeliverySignoff.create({
      deliveryId: d.id,
      customerId,
      signerName: "Li",
      signedAt: new Date("2025-02-02T01:02:03Z"),
      signaturePath: "sig/1.png",
      snapshot: { customerName: "Customer One", address: "1 Road", items: [{ seq: 1, materialName: "Bolt", qty: "3.0000" }] },
    });
    await expect(
      DeliverySignoff.create({ deliveryId: d.id, customerId, signerName: "X", signedAt: new Date(), signaturePath: "s", snapshot: { customerName: "", items: [] } }),
    ).rejects.toMatchObject({ name: "SequelizeUniqueConstraintError" });
    const found = await Delivery.findByPk(d.id, { include: [DeliverySignoff] });
    expect(found?.signoff?.photoPaths).toEqual([]);
    expect(found?.signoff?.snapshot.items[0]?.qty).toBe("3.0000");
    expect(found?.signoff?.signedAt.toISOString()).toBe("2025-02-02T01:02:03.000Z");
  });

  it("logs API calls", async () => {
    await db.models.ApiCallLog.create({ tenantId, endpoint: "/jdy/v2/scm/sal_out_bound", method: "GET", httpStatus: 200, errcode: "0", latencyMs: 123 });
    expect(await db.models.ApiCallLog.count({ where: { tenantId } })).toBe(1);
  });
});
