import { DEFAULT_ORDER_FRESH_TTL_MS, type OrderStatusFilter } from "@erpbridge/domain/orders";
import { contentHash } from "@erpbridge/domain/sync";
import { TRPCClientError } from "@trpc/client";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApi, startTestApi, waitForRun } from "./harness.js";

// Customer orders over HTTP with the typed client, against data synced from the Kingdee sandbox:
// search (keyword, paging, status), get (lines), ordered vs delivered per material checked against
// the sandbox's own documents, live refresh with its cache and versioning, scope, validation.

const DETAIL = "/jdy/v2/scm/sal_order_detail";

let api: TestApi;
let tenantId: string;

interface Session {
  customerId: string;
  kingdeeCustomerId: string;
  client: TestApi["admin"];
}
let A: Session;
let B: Session;

interface ErrorData {
  code: string;
  httpStatus: number;
  fieldErrors: Array<{ path: string; message: string }> | null;
}
async function failure(promise: Promise<unknown>): Promise<ErrorData> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) return error.data as ErrorData;
    throw error;
  }
  throw new Error("expected the call to fail");
}
const codeOf = async (promise: Promise<unknown>) => (await failure(promise)).code;
const badPaths = async (promise: Promise<unknown>) => {
  const data = await failure(promise);
  expect(data.code).toBe("BAD_REQUEST");
  expect(data.httpStatus).toBe(400);
  return (data.fieldErrors ?? []).map((f) => f.path).sort();
};

const sql = <T extends object>(query: string, bind: unknown[] = []) =>
  api.services.db.sequelize.query<T>(query, { bind, type: QueryTypes.SELECT });

async function signIn(customerId: string, kingdeeCustomerId: string): Promise<Session> {
  const issued = await api.admin.admin.customers.issueToken.mutate({ customerId });
  const { sessionToken } = await api.client().mini.auth.login.mutate({ token: issued.token });
  return { customerId, kingdeeCustomerId, client: api.client(sessionToken) };
}

// ---------- the sandbox's own view, computed independently ----------

type Doc = Record<string, unknown>;
const entriesOf = (doc: Doc) => (doc.material_entity as Doc[] | undefined) ?? [];
const q4 = (n: number) => {
  expect(Number.isInteger(n * 10_000)).toBe(true);
  return n.toFixed(4);
};
const sandboxOrders = (kingdeeCustomerId: string) =>
  api.sandbox.data.rows("sal_order").filter((o) => o.customer_id === kingdeeCustomerId);
const sandboxOrder = (id: string) => api.sandbox.data.rows("sal_order").find((o) => o.id === id)!;

function expectedProgress(order: Doc) {
  const ordered = new Map<string, number>();
  const delivered = new Map<string, number>();
  for (const e of entriesOf(order)) ordered.set(String(e.material_id), (ordered.get(String(e.material_id)) ?? 0) + Number(e.qty));
  for (const out of api.sandbox.data.rows("sal_out_bound")) {
    for (const e of entriesOf(out)) {
      if (e.src_bill_no !== order.bill_no) continue;
      delivered.set(String(e.material_id), (delivered.get(String(e.material_id)) ?? 0) + Number(e.qty));
    }
  }
  const ids = [...new Set([...ordered.keys(), ...delivered.keys()])].sort();
  const materials = ids.map((materialId) => {
    const o = ordered.get(materialId) ?? 0;
    const d = delivered.get(materialId) ?? 0;
    return { materialId, orderedQty: q4(o), deliveredQty: q4(d), remainingQty: q4(Math.max(o - d, 0)), overDelivered: d > o };
  });
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const over = ids.some((id) => (delivered.get(id) ?? 0) > (ordered.get(id) ?? 0));
  const complete = ids.every((id) => (delivered.get(id) ?? 0) >= (ordered.get(id) ?? 0));
  const status = over ? "over_delivered" : sum(delivered) === 0 ? "not_delivered" : complete ? "delivered" : "partially_delivered";
  return {
    status,
    orderedQty: q4(sum(ordered)),
    deliveredQty: q4(sum(delivered)),
    remainingQty: q4(ids.reduce((s, id) => s + Math.max((ordered.get(id) ?? 0) - (delivered.get(id) ?? 0), 0), 0)),
    materials,
    hasDeliveries: delivered.size > 0,
  };
}

const newestFirst = (a: Doc, b: Doc) =>
  String(b.bill_date).localeCompare(String(a.bill_date)) || String(b.bill_no).localeCompare(String(a.bill_no)) || String(b.id).localeCompare(String(a.id));

beforeAll(async () => {
  api = await startTestApi();
  tenantId = await api.createSandboxTenant();
  for (const jobName of ["master_data_full", "documents_incremental"] as const) {
    const run = await waitForRun(api, (await api.admin.admin.sync.run.mutate({ tenantId, jobName })).id);
    expect(run.status).toBe("success");
  }
  // The two customers with the most orders that have deliveries.
  const customers = await sql<{ id: string; kingdeeCustomerId: string }>(
    `SELECT c.id, c.kingdee_customer_id AS "kingdeeCustomerId"
       FROM customer c
       JOIN source_record k ON k.tenant_id = c.tenant_id AND k.stream = 'sal_order' AND k.is_current
                         AND k.data ->> 'customer_id' = c.kingdee_customer_id
      WHERE c.tenant_id = $1
        AND EXISTS (SELECT 1 FROM delivery_item di JOIN delivery d ON d.id = di.delivery_id
                     WHERE d.tenant_id = $1 AND di.src_bill_no = k.data ->> 'bill_no')
      GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 2`,
    [tenantId],
  );
  expect(customers).toHaveLength(2);
  A = await signIn(customers[0]!.id, customers[0]!.kingdeeCustomerId);
  B = await signIn(customers[1]!.id, customers[1]!.kingdeeCustomerId);
}, 120_000);
afterAll(() => api?.close());

describe("mini.orders.search", () => {
  it("lists every synced order of the customer, newest first, and nothing else", async () => {
    const expected = sandboxOrders(A.kingdeeCustomerId).sort(newestFirst);
    expect(expected.length).toBeGreaterThan(1);
    const all = await A.client.mini.orders.search.query({ pageSize: 100 });
    expect(all.total).toBe(expected.length);
    expect(all.orders.map((o) => o.id)).toEqual(expected.map((o) => o.id));
    for (const o of all.orders) {
      const doc = expected.find((d) => d.id === o.id)!;
      expect(o).toMatchObject({
        billNo: doc.bill_no,
        billDate: doc.bill_date,
        billStatus: doc.bill_status,
        audited: doc.bill_status === "C",
        totalAmount: Number(doc.total_amount).toFixed(2),
        lineCount: entriesOf(doc).length,
      });
      expect(o.syncedAt).toBeInstanceOf(Date);
    }
  });

  it("pages", async () => {
    const all = (await A.client.mini.orders.search.query({ pageSize: 100 })).orders.map((o) => o.id);
    const seen: string[] = [];
    for (let page = 1; page <= Math.ceil(all.length / 3); page++) {
      const p = await A.client.mini.orders.search.query({ page, pageSize: 3 });
      expect(p).toMatchObject({ page, pageSize: 3, total: all.length });
      seen.push(...p.orders.map((o) => o.id));
    }
    expect(seen).toEqual(all);
    const beyond = await A.client.mini.orders.search.query({ page: 1000, pageSize: 3 });
    expect(beyond).toMatchObject({ total: all.length, orders: [] });
    expect((await A.client.mini.orders.search.query({})).pageSize).toBe(20);
  });

  it("finds an order by bill no (case-insensitive, partial) and by material name or number", async () => {
    const doc = sandboxOrders(A.kingdeeCustomerId)[0]!;
    const billNo = String(doc.bill_no);
    const exact = await A.client.mini.orders.search.query({ keyword: billNo });
    expect(exact.orders.map((o) => o.id)).toEqual([doc.id]);
    expect((await A.client.mini.orders.search.query({ keyword: billNo.slice(-6).toLowerCase() })).orders.map((o) => o.id)).toContain(doc.id);

    const material = entriesOf(doc)[0]!;
    for (const keyword of [String(material.material_name), String(material.material_number)]) {
      const expected = sandboxOrders(A.kingdeeCustomerId)
        .filter((o) => String(o.bill_no).toLowerCase().includes(keyword.toLowerCase())
          || entriesOf(o).some((e) => [e.material_name, e.material_number].some((v) => String(v).toLowerCase().includes(keyword.toLowerCase()))))
        .map((o) => o.id)
        .sort();
      const found = await A.client.mini.orders.search.query({ keyword, pageSize: 100 });
      expect(found.orders.map((o) => o.id).sort()).toEqual(expected);
      expect(found.total).toBe(expected.length);
    }
    // Another customer's bill no finds nothing.
    const theirs = sandboxOrders(B.kingdeeCustomerId)[0]!;
    expect((await A.client.mini.orders.search.query({ keyword: String(theirs.bill_no) })).total).toBe(0);
  });

  it("filters by audit status and by delivery progress, as the sandbox's documents say", async () => {
    const docs = sandboxOrders(A.kingdeeCustomerId);
    const idsOf = async (status: OrderStatusFilter | OrderStatusFilter[]) =>
      (await A.client.mini.orders.search.query({ status, pageSize: 100 })).orders.map((o) => o.id).sort();
    expect(await idsOf("audited")).toEqual(docs.filter((d) => d.bill_status === "C").map((d) => d.id).sort());
    expect(await idsOf("unaudited")).toEqual(docs.filter((d) => d.bill_status !== "C").map((d) => d.id).sort());
    const progress = new Map(docs.map((d) => [String(d.id), expectedProgress(d).status]));
    expect(new Set(progress.values()).size).toBeGreaterThan(1);
    for (const status of ["not_delivered", "partially_delivered", "delivered", "over_delivered"] as const) {
      expect({ status, ids: await idsOf(status) }).toEqual({ status, ids: docs.filter((d) => progress.get(String(d.id)) === status).map((d) => d.id).sort() });
    }
    expect(await idsOf(["audited", "delivered"])).toEqual(
      docs.filter((d) => d.bill_status === "C" && progress.get(String(d.id)) === "delivered").map((d) => d.id).sort(),
    );
    const all = await A.client.mini.orders.search.query({ pageSize: 100 });
    for (const o of all.orders) {
      const e = expectedProgress(docs.find((d) => d.id === o.id)!);
      expect(o).toMatchObject({ progressStatus: e.status, orderedQty: e.orderedQty, deliveredQty: e.deliveredQty, remainingQty: e.remainingQty });
    }
  });
});

describe("mini.orders.get / materials", () => {
  it("returns an order with its lines as in the ERP", async () => {
    const doc = sandboxOrders(A.kingdeeCustomerId)[0]!;
    const order = await A.client.mini.orders.get.query({ id: String(doc.id) });
    expect(order).toMatchObject({
      id: doc.id,
      billNo: doc.bill_no,
      billDate: doc.bill_date,
      customerName: doc.customer_name,
      source: "stored",
      cacheHit: false,
      fetchedAt: null,
      freshError: null,
    });
    expect(order.queryTime).toBeGreaterThanOrEqual(0);
    expect(order.lines).toEqual(
      entriesOf(doc).map((e) => ({
        seq: e.seq,
        materialId: e.material_id,
        materialNumber: e.material_number,
        materialName: e.material_name,
        unitName: e.unit_name,
        qty: q4(Number(e.qty)),
        price: Number(e.tax_price).toFixed(4),
        amount: Number(e.all_amount).toFixed(2),
      })),
    );
  });

  it("ordered vs delivered per material equals the sandbox's sales orders and out-bound entries", async () => {
    let withDeliveries = 0;
    for (const doc of sandboxOrders(A.kingdeeCustomerId)) {
      const expected = expectedProgress(doc);
      if (expected.hasDeliveries) withDeliveries++;
      const progress = await A.client.mini.orders.materials.query({ id: String(doc.id) });
      expect(progress).toMatchObject({
        id: doc.id,
        billNo: doc.bill_no,
        progressStatus: expected.status,
        orderedQty: expected.orderedQty,
        deliveredQty: expected.deliveredQty,
        remainingQty: expected.remainingQty,
      });
      const got = progress.materials
        .map((m) => ({ materialId: m.materialId, orderedQty: m.orderedQty, deliveredQty: m.deliveredQty, remainingQty: m.remainingQty, overDelivered: m.overDelivered }))
        .sort((a, b) => String(a.materialId).localeCompare(String(b.materialId)));
      expect(got).toEqual(expected.materials);
      for (const m of progress.materials) {
        expect(Number(m.remainingQty)).toBeGreaterThanOrEqual(0);
        expect(m.materialName).toBeTruthy();
      }
    }
    expect(withDeliveries).toBeGreaterThan(0);
  });

  it("another customer's order is NOT_FOUND on get and materials, live or not, without a Kingdee call", async () => {
    const theirs = String(sandboxOrders(B.kingdeeCustomerId)[0]!.id);
    expect((await B.client.mini.orders.get.query({ id: theirs })).id).toBe(theirs);
    const calls = api.sandbox.calls.count(DETAIL);
    expect(await codeOf(A.client.mini.orders.get.query({ id: theirs }))).toBe("NOT_FOUND");
    expect(await codeOf(A.client.mini.orders.get.query({ id: theirs, fresh: true }))).toBe("NOT_FOUND");
    expect(await codeOf(A.client.mini.orders.materials.query({ id: theirs }))).toBe("NOT_FOUND");
    expect(await codeOf(A.client.mini.orders.get.query({ id: "1234567890123456789", fresh: true }))).toBe("NOT_FOUND");
    expect(api.sandbox.calls.count(DETAIL)).toBe(calls);
  });
});

describe("mini.orders.get with fresh: true", () => {
  let id: string;
  const versions = (bizId: string) =>
    sql<{ is_current: boolean; hash: string; remark: string | null }>(
      `SELECT is_current, hash, data ->> 'remark' AS remark FROM source_record
        WHERE tenant_id = $1 AND stream = 'sal_order' AND record_id = $2 ORDER BY pulled_at, is_current`,
      [tenantId, bizId],
    );
  /** Ends the cache window now (the Redis key, or the in-process entry without Redis). */
  const expireCache = async () => {
    if (api.services.redis) expect(await api.services.redis.del(`erpbridge:orders:fresh:${tenantId}:${id}`)).toBe(1);
    else await api.services.liveOrders.cache.invalidate(tenantId, id);
  };

  beforeAll(() => {
    id = String(sandboxOrders(A.kingdeeCustomerId).find((d) => expectedProgress(d).hasDeliveries)!.id);
  });

  it("fetches live once, then answers from the cache within the TTL", async () => {
    const before = api.sandbox.calls.count(DETAIL);
    const first = await A.client.mini.orders.get.query({ id, fresh: true });
    expect(first).toMatchObject({ id, source: "kingdee", cacheHit: false, freshError: null });
    expect(first.fetchedAt).toBeInstanceOf(Date);
    expect(typeof first.queryTime).toBe("number");
    expect(api.sandbox.calls.count(DETAIL)).toBe(before + 1);

    const second = await A.client.mini.orders.get.query({ id, fresh: true });
    expect(second).toMatchObject({ id, source: "cache", cacheHit: true, fetchedAt: first.fetchedAt, lines: first.lines });
    expect(api.sandbox.calls.count(DETAIL)).toBe(before + 1);
    // Unchanged content: no new version.
    expect(await versions(id)).toHaveLength(1);
    expect(api.services.liveOrders.cache.ttlMs).toBe(DEFAULT_ORDER_FRESH_TTL_MS);
    if (api.services.redis) {
      const ttl = await api.services.redis.pttl(`erpbridge:orders:fresh:${tenantId}:${id}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(DEFAULT_ORDER_FRESH_TTL_MS);
    }
  });

  it("after a change in Kingdee and the cache window, returns the new content and stores a new version", async () => {
    const before = expectedProgress(sandboxOrder(id)).status;
    expect(api.sandbox.data.mutate("sal_order", [id])).toEqual([id]);
    const changed = sandboxOrder(id);
    expect(changed.remark).toMatch(/sandbox mutation/);

    // Still within the window: the cached (stored) version, no Kingdee call.
    const calls = api.sandbox.calls.count(DETAIL);
    const cached = await A.client.mini.orders.get.query({ id, fresh: true });
    expect(cached).toMatchObject({ cacheHit: true, remark: null });
    expect(api.sandbox.calls.count(DETAIL)).toBe(calls);

    await expireCache();
    const fresh = await A.client.mini.orders.get.query({ id, fresh: true });
    expect(fresh).toMatchObject({ id, source: "kingdee", cacheHit: false, remark: changed.remark, totalAmount: Number(changed.total_amount).toFixed(2) });
    expect(fresh.lines.map((l) => l.qty)).toEqual(entriesOf(changed).map((e) => q4(Number(e.qty))));
    expect(api.sandbox.calls.count(DETAIL)).toBe(calls + 1);

    const stored = await versions(id);
    expect(stored.map((v) => v.is_current)).toEqual([false, true]);
    expect(stored[1]).toMatchObject({ remark: changed.remark, hash: contentHash(changed) });

    // Everything else reads the new version too: a plain get, and progress with the new ordered quantity.
    expect((await A.client.mini.orders.get.query({ id })).remark).toBe(changed.remark);
    const expected = expectedProgress(changed);
    const progress = await A.client.mini.orders.materials.query({ id });
    expect(progress).toMatchObject({ orderedQty: expected.orderedQty, deliveredQty: expected.deliveredQty, progressStatus: expected.status });
    // One line now orders one more than was delivered: a delivered order became partially delivered.
    if (before === "delivered") expect(expected.status).toBe("partially_delivered");
    const filtered = await A.client.mini.orders.search.query({ status: expected.status as OrderStatusFilter, pageSize: 100 });
    expect(filtered.orders.find((o) => o.id === id)).toMatchObject({ progressStatus: expected.status, remainingQty: expected.remainingQty });

    // The next sync finds the same content: no further version.
    const run = await waitForRun(api, (await api.admin.admin.sync.run.mutate({ tenantId, resource: "sal_order" })).id);
    expect(run.status).toBe("success");
    expect(await versions(id)).toHaveLength(2);
  });

  it("when Kingdee fails, answers with the stored version and says why", async () => {
    await expireCache().catch(() => undefined);
    await api.services.liveOrders.cache.invalidate(tenantId, id);
    api.sandbox.faults.inject({ kind: "http_error", status: 503, times: 20, path: DETAIL });
    try {
      const order = await A.client.mini.orders.get.query({ id, fresh: true });
      expect(order).toMatchObject({ id, source: "stored", cacheHit: false, fetchedAt: null, freshError: "kingdee_unavailable" });
      expect(order.lines.length).toBeGreaterThan(0);
    } finally {
      api.sandbox.faults.clear();
    }
    // A failed fetch is not cached: the next fresh read calls Kingdee.
    expect(await A.client.mini.orders.get.query({ id, fresh: true })).toMatchObject({ source: "kingdee", cacheHit: false });
  });
});

describe("mini.orders input and auth", () => {
  it("bad input is BAD_REQUEST with field paths", async () => {
    expect(await badPaths(A.client.mini.orders.search.query({ page: 0, pageSize: 101 }))).toEqual(["page", "pageSize"]);
    expect(await badPaths(A.client.mini.orders.search.query({ status: "shipped" as never }))).toEqual(["status"]);
    expect(await badPaths(A.client.mini.orders.search.query({ status: [] as never, keyword: "x".repeat(101) }))).toEqual(["keyword", "status"]);
    expect(await badPaths(A.client.mini.orders.search.query({ pageSize: 2.5 }))).toEqual(["pageSize"]);
    expect(await badPaths(A.client.mini.orders.get.query({ id: "" }))).toEqual(["id"]);
    expect(await badPaths(A.client.mini.orders.get.query({ id: "1; DROP TABLE" }))).toEqual(["id"]);
    expect(await badPaths(A.client.mini.orders.get.query({ id: "1", fresh: "yes" as never }))).toEqual(["fresh"]);
    expect(await badPaths(A.client.mini.orders.materials.query({ id: 42 as never }))).toEqual(["id"]);
    expect(await badPaths(A.client.mini.orders.materials.query({} as never))).toEqual(["id"]);
  });

  it("needs a customer session", async () => {
    expect(await codeOf(api.client().mini.orders.search.query({}))).toBe("UNAUTHORIZED");
    expect(await codeOf(api.admin.mini.orders.get.query({ id: "1" }))).toBe("UNAUTHORIZED");
    expect(await codeOf(api.client("x".repeat(43)).mini.orders.materials.query({ id: "1" }))).toBe("UNAUTHORIZED");
  });
});
