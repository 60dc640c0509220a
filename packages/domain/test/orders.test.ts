import { Redis } from "ioredis";
import { QueryTypes } from "sequelize";
import { transactionSql } from "../src/db/sql.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kingdeeTime } from "../src/connectors/index.js";
import {
  createOrderFreshCache, findOrderRef, getOrder, getOrderProgress, OrderDocumentError, searchOrders, storeOrderVersion,
  type OrderStatusFilter,
} from "../src/orders/index.js";
import { contentHash, upsertRecordVersions } from "../src/sync/index.js";
import { projectDeliveries } from "../src/connectors/jdy/mappers/deliveries.js";
import { addJdyConnection, setupDomainDb, type TestDomainDb } from "./helpers.js";

// Customer orders straight from source_record: scope, search (keyword, status, paging), lines,
// ordered vs delivered per material in SQL numeric, and live-refresh versioning.

let db: TestDomainDb;
let tenantId: string;
let otherTenantId: string;
let A: string; // customer ids (ours)
let B: string;
let otherTenantA: string;

type Doc = Record<string, unknown>;
const line = (seq: number, materialId: string, qty: unknown, extra: Doc = {}): Doc => ({
  id: `L${seq}`,
  seq,
  material_id: materialId,
  material_number: `NO-${materialId}`,
  material_name: `Name ${materialId}`,
  unit_name: "个",
  qty,
  price: 2.5,
  tax_price: 2.83,
  amount: 25,
  all_amount: 28.25,
  ...extra,
});
const order = (id: string, billNo: string, customerId: string, billDate: string, status: string, lines: Doc[], extra: Doc = {}): Doc => ({
  id,
  bill_no: billNo,
  bill_date: billDate,
  bill_status: status,
  customer_id: customerId,
  customer_name: `Customer ${customerId}`,
  total_amount: 123.45,
  modify_time: "2025-03-01 10:00:00",
  material_entity: lines,
  ...extra,
});
const outBound = (id: string, customerId: string, entries: Array<[string, string, unknown]>): Doc => ({
  id,
  bill_no: `XSCK-${id}`,
  bill_date: "2025-03-05",
  customer_id: customerId,
  customer_name: `Customer ${customerId}`,
  total_amount: "1.00",
  material_entity: entries.map(([src, materialId, qty], i) => ({
    seq: i + 1,
    material_id: materialId,
    material_number: `NO-${materialId}`,
    material_name: `Name ${materialId}`,
    qty,
    amount: "1.00",
    src_bill_no: src,
  })),
});

/** Each tenant's JDY connection: what its stored orders are keyed by. */
const connectionOf = new Map<string, string>();
async function storeOrders(tenant: string, docs: Doc[]) {
  await db.sequelize.transaction((t) =>
    upsertRecordVersions(
      transactionSql(t),
      { connectionId: connectionOf.get(tenant)!, tenantId: tenant, stream: "sal_order" },
      docs.map((d) => ({ recordId: String(d.id), data: d, hash: contentHash(d), cursorValue: kingdeeTime(d.modify_time) ?? null })),
      null,
    ),
  );
}
async function storeDeliveries(tenant: string, docs: Doc[]) {
  await db.sequelize.transaction(async (transaction) => {
    const failures = await projectDeliveries({ sql: transactionSql(transaction), tenantId: tenant }, docs.map((d) => ({ bizId: String(d.id), data: d })));
    expect(failures).toEqual([]);
  });
}

beforeAll(async () => {
  db = await setupDomainDb();
  tenantId = (await db.models.Tenant.create({ name: "Orders" })).id;
  otherTenantId = (await db.models.Tenant.create({ name: "Other" })).id;
  for (const tenant of [tenantId, otherTenantId]) connectionOf.set(tenant, await addJdyConnection(db, tenant));
  A = (await db.models.Customer.create({ tenantId, kingdeeCustomerId: "CA", name: "A" })).id;
  B = (await db.models.Customer.create({ tenantId, kingdeeCustomerId: "CB", name: "B" })).id;
  otherTenantA = (await db.models.Customer.create({ tenantId: otherTenantId, kingdeeCustomerId: "CA", name: "A elsewhere" })).id;

  await storeOrders(tenantId, [
    // M1 twice (ordered 12), M2 as a decimal string: delivered in full by two out-bounds.
    order("O1", "XSDD-001", "CA", "2025-03-01", "C", [line(1, "M1", 10), line(2, "M2", "5.5"), line(3, "M1", 2)]),
    // Partly delivered; a material with a distinctive name and number.
    order("O2", "XSDD-002", "CA", "2025-03-02", "Z", [line(1, "M3", 3, { material_name: "无线鼠标", material_number: "WL-Mouse" })]),
    // Over-delivered: M1 1 ordered, 2 delivered; M9 delivered but not ordered.
    order("O3", "XSDD-003", "CA", "2025-02-01", "C", [line(1, "M1", 1)]),
    // LIKE wildcards in the bill no; an unreadable quantity counts as 0; no deliveries.
    order("O4", "XSDD_004%", "CA", "2025-01-15", "Z", [line(1, "M4", "abc"), line(2, "M5", 0.1)], { total_amount: "n/a" }),
    // Another customer's order.
    order("O5", "XSDD-005", "CB", "2025-03-03", "C", [line(1, "M1", 4)]),
    // Not an object of lines at all.
    order("O6", "XSDD-006", "CA", "2024-12-31", "C", [], { material_entity: { broken: true } }),
  ]);
  await storeDeliveries(tenantId, [
    outBound("D1", "CA", [["XSDD-001", "M1", 7], ["XSDD-001", "M2", "5.5"], ["", "M7", 3]]),
    outBound("D2", "CA", [["XSDD-001", "M1", 5], ["XSDD-002", "M3", "1.2500"]]),
    outBound("D3", "CA", [["XSDD-003", "M1", 2], ["XSDD-003", "M9", 1]]),
    outBound("D4", "CB", [["XSDD-005", "M1", 4]]),
  ]);
  // The same bill no in another tenant must not count here.
  await storeOrders(otherTenantId, [order("X1", "XSDD-001", "CA", "2025-03-01", "C", [line(1, "M1", 10)])]);
  await storeDeliveries(otherTenantId, [outBound("XD1", "CA", [["XSDD-001", "M1", 100]])]);
});
afterAll(async () => {
  await db?.teardown();
});

const scopeA = () => ({ tenantId, customerId: A });

describe("searchOrders", () => {
  it("lists only the customer's orders, newest first, with progress", async () => {
    const page = await searchOrders(db.sequelize, { ...scopeA(), page: 1, pageSize: 20 });
    expect(page.total).toBe(5);
    expect(page.rows.map((r) => r.id)).toEqual(["O2", "O1", "O3", "O4", "O6"]);
    const byId = new Map(page.rows.map((r) => [r.id, r]));
    expect(byId.get("O1")).toMatchObject({
      billNo: "XSDD-001", billDate: "2025-03-01", billStatus: "C", audited: true, totalAmount: "123.45", lineCount: 3,
      progressStatus: "delivered", orderedQty: "17.5000", deliveredQty: "17.5000", remainingQty: "0.0000",
    });
    expect(byId.get("O2")).toMatchObject({ audited: false, progressStatus: "partially_delivered", orderedQty: "3.0000", deliveredQty: "1.2500", remainingQty: "1.7500" });
    expect(byId.get("O3")).toMatchObject({ progressStatus: "over_delivered", orderedQty: "1.0000", deliveredQty: "3.0000", remainingQty: "0.0000" });
    expect(byId.get("O4")).toMatchObject({ progressStatus: "not_delivered", orderedQty: "0.1000", deliveredQty: "0.0000", totalAmount: null });
    expect(byId.get("O6")).toMatchObject({ lineCount: 0, progressStatus: "not_delivered", orderedQty: "0.0000" });
    expect(byId.get("O1")!.syncedAt).toBeInstanceOf(Date);
    expect(byId.get("O1")!.modifiedAt).toEqual(new Date("2025-03-01T02:00:00Z"));
  });

  it("pages", async () => {
    const p1 = await searchOrders(db.sequelize, { ...scopeA(), page: 1, pageSize: 2 });
    const p2 = await searchOrders(db.sequelize, { ...scopeA(), page: 2, pageSize: 2 });
    const p3 = await searchOrders(db.sequelize, { ...scopeA(), page: 3, pageSize: 2 });
    const p9 = await searchOrders(db.sequelize, { ...scopeA(), page: 9, pageSize: 2 });
    expect([p1.total, p2.total, p3.total, p9.total]).toEqual([5, 5, 5, 5]);
    expect([...p1.rows, ...p2.rows, ...p3.rows].map((r) => r.id)).toEqual(["O2", "O1", "O3", "O4", "O6"]);
    expect(p9.rows).toEqual([]);
  });

  it("filters by keyword: bill no, material name or number, wildcards literal", async () => {
    const ids = async (keyword: string) => (await searchOrders(db.sequelize, { ...scopeA(), keyword, page: 1, pageSize: 20 })).rows.map((r) => r.id);
    expect(await ids("xsdd-001")).toEqual(["O1"]);
    expect(await ids("鼠标")).toEqual(["O2"]);
    expect(await ids("wl-mouse")).toEqual(["O2"]);
    expect(await ids("NO-M1")).toEqual(["O1", "O3"]);
    expect(await ids("_")).toEqual(["O4"]);
    expect(await ids("%")).toEqual(["O4"]);
    expect(await ids("XSDD-005")).toEqual([]); // B's
    expect(await ids("  ")).toHaveLength(5);
  });

  it("filters by audit and progress status (OR within a group, AND across)", async () => {
    const ids = async (...statuses: OrderStatusFilter[]) => {
      const page = await searchOrders(db.sequelize, { ...scopeA(), statuses, page: 1, pageSize: 20 });
      expect(page.total).toBe(page.rows.length);
      return page.rows.map((r) => r.id);
    };
    expect(await ids("audited")).toEqual(["O1", "O3", "O6"]);
    expect(await ids("unaudited")).toEqual(["O2", "O4"]);
    expect(await ids("audited", "unaudited")).toHaveLength(5);
    expect(await ids("delivered")).toEqual(["O1"]);
    expect(await ids("partially_delivered")).toEqual(["O2"]);
    expect(await ids("over_delivered")).toEqual(["O3"]);
    expect(await ids("not_delivered")).toEqual(["O4", "O6"]);
    expect(await ids("not_delivered", "over_delivered")).toEqual(["O3", "O4", "O6"]);
    expect(await ids("audited", "not_delivered")).toEqual(["O6"]);
    const paged = await searchOrders(db.sequelize, { ...scopeA(), statuses: ["not_delivered", "over_delivered"], page: 2, pageSize: 2 });
    expect(paged).toMatchObject({ total: 3, rows: [{ id: "O6" }] });
  });

  it("uses the customer index for the list", async () => {
    await db.sequelize.transaction(async (transaction) => {
      await db.sequelize.query(`SET LOCAL enable_seqscan = off`, { transaction });
      const plan = await db.sequelize.query<{ "QUERY PLAN": string }>(
        `EXPLAIN SELECT record_id FROM source_record k
          WHERE k.tenant_id = $1 AND k.stream = 'sal_order' AND k.is_current
            AND (k.data ->> 'customer_id') = (SELECT c.kingdee_customer_id FROM customer c WHERE c.id = $2 AND c.tenant_id = $1)
          ORDER BY k.data ->> 'bill_date' DESC, k.data ->> 'bill_no' DESC, k.record_id DESC LIMIT 20`,
        { bind: [tenantId, A], type: QueryTypes.SELECT, transaction },
      );
      const text = plan.map((p) => p["QUERY PLAN"]).join("\n");
      expect(text).toContain("source_record_sal_order_customer_idx");
      expect(text).not.toMatch(/Sort/);
    });
  });
});

describe("getOrder / getOrderProgress", () => {
  it("returns the lines as decimal strings", async () => {
    const o1 = await getOrder(db.sequelize, { ...scopeA(), orderId: "O1" });
    expect(o1).toMatchObject({ id: "O1", billNo: "XSDD-001", customerName: "Customer CA", remark: null, progressStatus: "delivered" });
    expect(o1!.lines).toEqual([
      { seq: 1, materialId: "M1", materialNumber: "NO-M1", materialName: "Name M1", unitName: "个", qty: "10.0000", price: "2.8300", amount: "28.25" },
      { seq: 2, materialId: "M2", materialNumber: "NO-M2", materialName: "Name M2", unitName: "个", qty: "5.5000", price: "2.8300", amount: "28.25" },
      { seq: 3, materialId: "M1", materialNumber: "NO-M1", materialName: "Name M1", unitName: "个", qty: "2.0000", price: "2.8300", amount: "28.25" },
    ]);
    expect((await getOrder(db.sequelize, { ...scopeA(), orderId: "O4" }))!.lines.map((l) => l.qty)).toEqual(["0.0000", "0.1000"]);
    expect((await getOrder(db.sequelize, { ...scopeA(), orderId: "O6" }))!.lines).toEqual([]);
  });

  it("ordered vs delivered per material; over-delivery stays visible", async () => {
    const p1 = await getOrderProgress(db.sequelize, { ...scopeA(), orderId: "O1" });
    expect(p1).toMatchObject({ id: "O1", billNo: "XSDD-001", progressStatus: "delivered", orderedQty: "17.5000", deliveredQty: "17.5000", remainingQty: "0.0000" });
    expect(p1!.materials.map((m) => [m.materialId, m.orderedQty, m.deliveredQty, m.remainingQty, m.overDelivered])).toEqual([
      ["M1", "12.0000", "12.0000", "0.0000", false],
      ["M2", "5.5000", "5.5000", "0.0000", false],
    ]);
    const p3 = await getOrderProgress(db.sequelize, { ...scopeA(), orderId: "O3" });
    expect(p3!.materials).toEqual([
      { materialId: "M1", materialNumber: "NO-M1", materialName: "Name M1", unitName: "个", orderedQty: "1.0000", deliveredQty: "2.0000", remainingQty: "0.0000", overDelivered: true, overDeliveredQty: "1.0000" },
      { materialId: "M9", materialNumber: "NO-M9", materialName: "Name M9", unitName: null, orderedQty: "0.0000", deliveredQty: "1.0000", remainingQty: "0.0000", overDelivered: true, overDeliveredQty: "1.0000" },
    ]);
    const p2 = await getOrderProgress(db.sequelize, { ...scopeA(), orderId: "O2" });
    expect(p2!.materials).toMatchObject([{ materialId: "M3", orderedQty: "3.0000", deliveredQty: "1.2500", remainingQty: "1.7500", overDelivered: false, overDeliveredQty: "0.0000" }]);
  });

  it("another customer's, another tenant's or an unknown order is not found", async () => {
    for (const orderId of ["O5", "X1", "nope"]) {
      expect(await getOrder(db.sequelize, { ...scopeA(), orderId })).toBeNull();
      expect(await getOrderProgress(db.sequelize, { ...scopeA(), orderId })).toBeNull();
      expect(await findOrderRef(db.sequelize, { ...scopeA(), orderId })).toBeNull();
    }
    expect(await getOrder(db.sequelize, { tenantId, customerId: B, orderId: "O5" })).not.toBeNull();
    // Same Kingdee customer id in another tenant: sees only that tenant's order, with that tenant's deliveries.
    const other = await getOrderProgress(db.sequelize, { tenantId: otherTenantId, customerId: otherTenantA, orderId: "X1" });
    expect(other).toMatchObject({ progressStatus: "over_delivered", orderedQty: "10.0000", deliveredQty: "100.0000" });
    expect(await getOrder(db.sequelize, { tenantId: otherTenantId, customerId: A, orderId: "X1" })).toBeNull();
  });
});

describe("storeOrderVersion", () => {
  const versions = async (bizId: string) =>
    db.sequelize.query<{ is_current: boolean; hash: string; list_hash: string | null; sync_run_id: string | null }>(
      `SELECT is_current, hash, list_hash, sync_run_id FROM source_record WHERE tenant_id = $1 AND stream = 'sal_order' AND record_id = $2 ORDER BY pulled_at, is_current`,
      { bind: [tenantId, bizId], type: QueryTypes.SELECT },
    );

  it("writes a version only when the content changed; an older document never wins", async () => {
    const base = order("O7", "XSDD-007", "CA", "2025-03-04", "C", [line(1, "M1", 3)]);
    await storeOrders(tenantId, [base]);
    expect(await storeOrderVersion(db.sequelize, tenantId, "O7", structuredClone(base))).toEqual({ outcome: "unchanged", hash: contentHash(base) });
    const changed = { ...base, modify_time: "2025-03-04 12:00:00", material_entity: [line(1, "M1", 4)] };
    expect((await storeOrderVersion(db.sequelize, tenantId, "O7", changed)).outcome).toBe("updated");
    const older = { ...base, modify_time: "2025-03-04 11:00:00", remark: "older" };
    expect((await storeOrderVersion(db.sequelize, tenantId, "O7", older)).outcome).toBe("stale");
    const rows = await versions("O7");
    expect(rows.map((r) => r.is_current)).toEqual([false, true]);
    expect(rows[1]).toMatchObject({ hash: contentHash(changed), list_hash: null, sync_run_id: null });
    expect((await getOrder(db.sequelize, { ...scopeA(), orderId: "O7" }))!.lines[0]!.qty).toBe("4.0000");
  });

  it("concurrent refreshes of one order are serialised: one current version", async () => {
    const docs = [1, 2, 3, 4, 5].map((n) =>
      order("O8", "XSDD-008", "CA", "2025-03-04", "C", [line(1, "M1", n)], { modify_time: `2025-03-05 10:00:0${n}` }),
    );
    await storeOrders(tenantId, [docs[0]!]);
    const results = await Promise.all(docs.slice(1).map((d) => storeOrderVersion(db.sequelize, tenantId, "O8", d)));
    expect(results.every((r) => r.outcome === "updated" || r.outcome === "stale")).toBe(true);
    const rows = await versions("O8");
    expect(rows.filter((r) => r.is_current)).toHaveLength(1);
  });

  it("refuses a reply that is not the order asked for", async () => {
    await expect(storeOrderVersion(db.sequelize, tenantId, "O1", { id: "O2" })).rejects.toBeInstanceOf(OrderDocumentError);
    await expect(storeOrderVersion(db.sequelize, tenantId, "O1", null)).rejects.toBeInstanceOf(OrderDocumentError);
  });
});

describe("createOrderFreshCache", () => {
  it("in process: expires after the TTL, invalidates, stays bounded", async () => {
    const cache = createOrderFreshCache({ ttlMs: 50, maxEntries: 2 });
    expect(cache.kind).toBe("memory");
    const entry = { fetchedAt: new Date().toISOString(), hash: "h" };
    await cache.set("t", "o1", entry);
    expect(await cache.get("t", "o1")).toEqual(entry);
    expect(await cache.get("t2", "o1")).toBeUndefined();
    await cache.invalidate("t", "o1");
    expect(await cache.get("t", "o1")).toBeUndefined();
    await cache.set("t", "o1", entry);
    await new Promise((r) => setTimeout(r, 70));
    expect(await cache.get("t", "o1")).toBeUndefined();
    await cache.set("t", "a", entry);
    await cache.set("t", "b", entry);
    await cache.set("t", "c", entry);
    expect(await cache.get("t", "a")).toBeUndefined();
    expect(await cache.get("t", "c")).toEqual(entry);
  });

  it.runIf(process.env.REDIS_URL)("in Redis: per tenant × order, with a TTL", async () => {
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      const prefix = `erpbridge:test:orders:${Date.now()}:`;
      const cache = createOrderFreshCache({ redis, ttlMs: 200, prefix });
      expect(cache.kind).toBe("redis");
      const entry = { fetchedAt: new Date().toISOString(), hash: "h" };
      await cache.set("t", "o1", entry);
      expect(await cache.get("t", "o1")).toEqual(entry);
      const ttl = await redis.pttl(`${prefix}t:o1`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(200);
      await cache.invalidate("t", "o1");
      expect(await redis.exists(`${prefix}t:o1`)).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it("a failing Redis is a miss, not an error", async () => {
    const redis = new Redis("redis://127.0.0.1:1", { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    const errors: unknown[] = [];
    const cache = createOrderFreshCache({ redis, onError: (e) => errors.push(e) });
    await cache.set("t", "o", { fetchedAt: "x", hash: "h" });
    expect(await cache.get("t", "o")).toBeUndefined();
    expect(errors.length).toBeGreaterThan(0);
    redis.disconnect();
  });
});
