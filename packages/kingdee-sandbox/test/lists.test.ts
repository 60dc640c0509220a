import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOURCES, startKingdeeSandbox, type KingdeeSandbox, type SandboxResource } from "../src/index.js";
import { TestClient, cents, parseBeijing } from "./helpers.js";

let sandbox: KingdeeSandbox;
let client: TestClient;

beforeAll(async () => {
  sandbox = await startKingdeeSandbox({ seed: 5 });
  client = new TestClient(sandbox);
  await client.login();
});
afterAll(() => sandbox.stop());

const SAL_OUT = "/jdy/v2/scm/sal_out_bound";
const INVOICE_DATES = { start_date: "2000-01-01", end_date: "2099-12-31" };

async function fetchAll(path: string, query: Record<string, string | number> = {}, pageSize = 100) {
  const rows: Array<Record<string, unknown>> = [];
  for (let page = 1; ; page++) {
    const res = await client.get(path, { ...query, page, page_size: pageSize });
    expect(res.errcode).toBe(0);
    rows.push(...res.data.rows);
    if (page >= res.data.total_page) return { rows, data: res.data };
  }
}

describe("list envelope and paging", () => {
  const stringCount = new Set(["customer", "supplier", "material", "ap_credit", "ar_credit", "voucher", "sal_invoice"]);

  it("count is a string or an integer per endpoint; current_page only on bd lists", async () => {
    for (const [name, info] of Object.entries(RESOURCES) as Array<[SandboxResource, (typeof RESOURCES)[SandboxResource]]>) {
      if (!info.paginated) continue;
      const res = await client.get(info.listPath, name === "sal_invoice" ? INVOICE_DATES : {});
      expect(res.errcode, name).toBe(0);
      const d = res.data;
      const total = sandbox.data.count(name);
      expect(d.count, name).toBe(stringCount.has(name) ? String(total) : total);
      expect(d.page).toBe(1);
      expect(d.page_size).toBe(10);
      expect(d.total_page).toBe(Math.ceil(total / 10));
      expect(d.current_page_size).toBe(Math.min(10, total));
      expect(d.rows).toHaveLength(Math.min(10, total));
      expect("current_page" in d, name).toBe(name === "customer" || name === "supplier" || name === "material");
      for (const row of d.rows) expect(row, name).toHaveProperty("modify_time");
    }
  });

  it("page_size above 100 is clamped; pages beyond the end are empty", async () => {
    const res = await client.get(SAL_OUT, { page_size: 500 });
    expect(res.data.page_size).toBe(100);
    expect(res.data.rows).toHaveLength(100);
    expect(res.data.total_page).toBe(12);
    const beyond = await client.get(SAL_OUT, { page: 99, page_size: 100 });
    expect(beyond.data.rows).toEqual([]);
    expect(beyond.data.current_page_size).toBe(0);
  });

  it("order is create_time desc then id desc, stable across pages, and matches data.rows()", async () => {
    const { rows } = await fetchAll(SAL_OUT);
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(1200);
    expect(ids).toEqual(sandbox.data.rows("sal_out_bound").map((r) => r.id));
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1]!;
      const b = rows[i]!;
      const ta = parseBeijing(String(a.create_time));
      const tb = parseBeijing(String(b.create_time));
      expect(ta >= tb).toBe(true);
      if (ta === tb) expect(BigInt(String(a.id)) > BigInt(String(b.id))).toBe(true);
    }
    const again = await client.get(SAL_OUT, { page: 3, page_size: 37 });
    expect(again.data.rows.map((r: { id: string }) => r.id)).toEqual(ids.slice(74, 111));
  });

  it("non-numeric page/page_size/time → errcode 1030002001 on HTTP 200", async () => {
    const queries: Array<Record<string, string>> = [{ page: "x" }, { page_size: "1e2" }, { modify_start_time: "2025-01-01" }];
    for (const q of queries) {
      const res = await client.call(SAL_OUT, { query: q });
      expect(res.status).toBe(200);
      expect(res.json.errcode).toBe(1030002001);
    }
  });
});

describe("row shapes", () => {
  it("ids are 19-digit strings, bill numbers like XSCKD-yyyyMMdd-00001, times in UTC+8 strings", async () => {
    const res = await client.get(SAL_OUT, { page_size: 5 });
    for (const row of res.data.rows) {
      expect(row.id).toMatch(/^\d{19}$/);
      expect(row.bill_no).toMatch(/^XSCKD-\d{8}-\d{5}$/);
      expect(row.bill_no.slice(6, 14)).toBe(row.bill_date.replaceAll("-", ""));
      expect(row.create_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(row.bill_date).toBe(row.create_time.slice(0, 10));
      expect(parseBeijing(row.create_time)).toBeLessThanOrEqual(parseBeijing(row.modify_time));
    }
  });

  it("list amounts are decimal strings and sal_out_bound list entries are thin", async () => {
    const row = (await client.get(SAL_OUT, { page_size: 1 })).data.rows[0];
    expect(row.total_amount).toMatch(/^\d+\.\d{2}$/);
    expect(row.material_qty).toMatch(/^\d+\.\d{2}$/);
    for (const e of row.material_entity) expect(Object.keys(e).sort()).toEqual(["cost", "entry_ivc_status", "material_id"]);
    const customer = (await client.get("/jdy/v2/bd/customer", { page_size: 1 })).data.rows[0];
    expect(Object.keys(customer).sort()).toEqual(["c_level_id", "enable", "group_name", "id", "modify_time", "name", "number", "remark"].sort());
  });

  it("detail by id and by number returns the full document with exact totals", async () => {
    const row = (await client.get(SAL_OUT, { page_size: 1 })).data.rows[0];
    const byId = await client.get("/jdy/v2/scm/sal_out_bound_detail", { id: row.id });
    const byNumber = await client.get("/jdy/v2/scm/sal_out_bound_detail", { number: row.bill_no });
    expect(byId.errcode).toBe(0);
    expect(byNumber.data).toEqual(byId.data);
    const d = byId.data;
    expect(typeof d.total_amount).toBe("number");
    expect(cents(d.total_amount)).toBe(cents(row.total_amount));
    expect(d.material_entity.length).toBeGreaterThanOrEqual(1);
    expect(d.material_entity.length).toBeLessThanOrEqual(5);
    let sum = 0;
    for (const e of d.material_entity) {
      expect(e.cess).toBe(13);
      expect(cents(e.amount) + cents(e.tax_amount)).toBe(cents(e.all_amount));
      for (const k of ["price", "amount", "tax_amount", "all_amount"]) expect(Math.abs(e[k] * 100 - Math.round(e[k] * 100))).toBeLessThan(1e-6);
      sum += cents(e.all_amount);
    }
    expect(sum).toBe(cents(d.total_amount));
    const missing = await client.call("/jdy/v2/scm/sal_out_bound_detail", { query: { id: "1" } });
    expect(missing.status).toBe(200);
    expect(missing.json).toMatchObject({ errcode: 1030002003, description: "单据不存在" });
  });

  it("customers carry a contact with a mobile; bd details accept number", async () => {
    const c = sandbox.data.rows("customer")[0]!;
    const res = await client.get("/jdy/v2/bd/customer_detail", { number: String(c.number) });
    expect(res.data.id).toBe(c.id);
    expect(res.data.bomentity[0].mobile).toMatch(/^1\d{10}$/);
  });

  it("some deliveries reference a sales order of the same customer, never delivering more than ordered", () => {
    const orders = new Map(sandbox.data.rows("sal_order").map((o) => [String(o.bill_no), o]));
    const delivered = new Map<string, number>();
    let linked = 0;
    for (const ob of sandbox.data.rows("sal_out_bound")) {
      for (const e of ob.material_entity as Array<Record<string, unknown>>) {
        if (!e.src_bill_no) continue;
        linked++;
        const order = orders.get(String(e.src_bill_no))!;
        expect(order.customer_id).toBe(ob.customer_id);
        const key = `${e.src_bill_no}|${e.src_bill_entry_id}`;
        delivered.set(key, (delivered.get(key) ?? 0) + Number(e.qty));
      }
    }
    expect(linked).toBeGreaterThan(50);
    for (const [key, qty] of delivered) {
      const [billNo, entryId] = key.split("|");
      const entry = (orders.get(billNo!)!.material_entity as Array<Record<string, unknown>>).find((e) => e.id === entryId)!;
      expect(qty).toBeLessThanOrEqual(Number(entry.qty));
    }
  });
});

describe("filters", () => {
  it("modify_start_time/modify_end_time filter inclusively on both bounds", async () => {
    const all = sandbox.data.rows("sal_out_bound");
    const times = all.map((r) => parseBeijing(String(r.modify_time))).sort((a, b) => a - b);
    const from = times[300]!;
    const to = times[700]!;
    const expected = all.filter((r) => {
      const t = parseBeijing(String(r.modify_time));
      return t >= from && t <= to;
    });
    const { rows, data } = await fetchAll(SAL_OUT, { modify_start_time: from, modify_end_time: to });
    expect(data.count).toBe(expected.length);
    expect(rows.map((r) => r.id)).toEqual(expected.map((r) => r.id));
    // exact bounds are included
    const edge = await client.get(SAL_OUT, { modify_start_time: to, modify_end_time: to, page_size: 100 });
    expect(edge.data.count).toBe(times.filter((t) => t === to).length);
  });

  it("bill_no, customer_number, customer_id, bill_status, search", async () => {
    const ob = sandbox.data.rows("sal_out_bound")[10]!;
    const byBill = await client.get(SAL_OUT, { bill_no: String(ob.bill_no) });
    expect(byBill.data.rows.map((r: { id: string }) => r.id)).toEqual([ob.id]);
    const byCustomer = await client.get(SAL_OUT, { customer_number: String(ob.customer_number), page_size: 100 });
    expect(byCustomer.data.count).toBeGreaterThan(0);
    for (const r of byCustomer.data.rows) expect(r.customer_number).toBe(ob.customer_number);
    const byCustomerId = await client.get(SAL_OUT, { customer_id: `["${String(ob.customer_id)}"]`, page_size: 100 });
    expect(byCustomerId.data.count).toBe(byCustomer.data.count);
    const audited = await client.get(SAL_OUT, { bill_status: "C", page_size: 100 });
    for (const r of audited.data.rows) expect(r.bill_status).toBe("C");
    const c = sandbox.data.rows("customer")[3]!;
    const search = await client.get("/jdy/v2/bd/customer", { search: String(c.name).slice(0, 4), page_size: 100 });
    expect(search.data.rows.map((r: { id: string }) => r.id)).toContain(c.id);
  });

  it("sal_invoice_list requires start_date/end_date and filters modify dates with begin_date/expire_date", async () => {
    const path = "/jdy/v2/scm/sal_invoice_list";
    const missing = await client.call(path);
    expect(missing.status).toBe(200);
    expect(missing.json).toEqual({ errcode: 1030002000, description: "start_date 不能为空" });
    const invoices = sandbox.data.rows("sal_invoice");
    const day = String(invoices[20]!.modify_time).slice(0, 10);
    const expected = invoices.filter((r) => String(r.modify_time).slice(0, 10) === day);
    const res = await client.get(path, { ...INVOICE_DATES, begin_date: day, expire_date: day, page_size: 100 });
    expect(res.data.count).toBe(String(expected.length));
    expect(res.data.rows.map((r: { id: string }) => r.id)).toEqual(expected.map((r) => r.id));
  });

  it("pur_invoice uses begin_time/expire_time, -1 meaning no filter", async () => {
    const path = "/jdy/v2/scm/pur_invoice";
    const all = await client.get(path, { begin_time: -1, expire_time: -1, page_size: 100 });
    expect(all.data.count).toBe(30);
    const rows = sandbox.data.rows("pur_invoice");
    const t = parseBeijing(String(rows[5]!.modify_time));
    const some = await client.get(path, { begin_time: t, expire_time: -1, page_size: 100 });
    expect(some.data.count).toBe(rows.filter((r) => parseBeijing(String(r.modify_time)) >= t).length);
  });

  it("inventory list rows and inventory_stock (plain array, material_id required)", async () => {
    const inv = await client.get("/jdy/v2/scm/inventory", { page_size: 100 });
    expect(inv.data.count).toBe(120);
    const row = inv.data.rows[0];
    for (const k of ["material_id", "stock_id", "sp_id", "aux_prop_id", "batch_no", "qty", "valid_qty", "modify_time"]) expect(row).toHaveProperty(k);
    expect(typeof row.qty).toBe("string");
    const stock = await client.get("/jdy/v2/scm/inventory_stock", { material_id: row.material_id });
    expect(Array.isArray(stock.data)).toBe(true);
    expect(stock.data.length).toBeGreaterThan(0);
    expect(stock.data[0]).toHaveProperty("inv_stock_id");
    expect(stock.data.map((s: { inv_stock_id: string }) => s.inv_stock_id)).toContain(row.stock_id);
    const missing = await client.call("/jdy/v2/scm/inventory_stock");
    expect(missing.json.errcode).toBe(1030002000);
  });
});

describe("saves", () => {
  it("creates and updates a customer; update bumps modify_time", async () => {
    const created = await client.call("/jdy/v2/bd/customer", { method: "POST", body: { data: [{ name: "测试客户甲", remark: "new" }] } });
    expect(created.json.errcode).toBe(0);
    const [id] = created.json.data.ids;
    expect(id).toMatch(/^\d{19}$/);
    const detail = await client.get("/jdy/v2/bd/customer_detail", { id });
    expect(detail.data.name).toBe("测试客户甲");
    const before = parseBeijing(detail.data.modify_time);
    await new Promise((r) => setTimeout(r, 1100));
    const updated = await client.call("/jdy/v2/bd/customer", { method: "POST", body: { data: [{ id, remark: "changed" }] } });
    expect(updated.json.data.ids).toEqual([id]);
    const after = await client.get("/jdy/v2/bd/customer_detail", { id });
    expect(after.data.remark).toBe("changed");
    expect(parseBeijing(after.data.modify_time)).toBeGreaterThan(before);
    const invalid = await client.call("/jdy/v2/bd/customer", { method: "POST", body: { data: [{ remark: "no name" }] } });
    expect(invalid.json.errcode).toBe(1030002000);
  });

  it("creates a sales order with computed amounts", async () => {
    const customer = sandbox.data.rows("customer")[0]!;
    const material = sandbox.data.rows("material")[0]!;
    const res = await client.call("/jdy/v2/scm/sal_order", {
      method: "POST",
      body: { data: [{ customer_id: customer.id, material_entity: [{ material_id: material.id, qty: 3, price: 12.5 }] }] },
    });
    expect(res.json.errcode).toBe(0);
    const d = (await client.get("/jdy/v2/scm/sal_order_detail", { id: res.json.data.ids[0] })).data;
    expect(d.customer_name).toBe(customer.name);
    expect(d.material_entity[0]).toMatchObject({ qty: 3, price: 12.5, amount: 37.5, tax_amount: 4.88, all_amount: 42.38 });
    expect(d.total_amount).toBe(42.38);
    const list = await client.get("/jdy/v2/scm/sal_order", { page_size: 1 });
    expect(list.data.rows[0].id).toBe(d.id);
  });
});
