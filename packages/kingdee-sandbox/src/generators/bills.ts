import { Rng } from "../random.js";
import { formatDate } from "../time.js";
import { EXPRESS, cents, yuan, type Doc, type GenContext, type Rec, type ShipPart, type World } from "../world.js";
import { deliveredQty, makeEntry, materialGroup, recomputeEntry, recomputeTotals } from "./entries.js";

/** Bills: sales orders, deliveries and invoices, purchases, receivables/payables — generated from a record's seed. */

function header(w: World, rec: Rec, r: Rng, partyKey: "customer" | "supplier"): Doc {
  const emp = r.pick(w.employees);
  const dept = r.pick(w.depts);
  // static keys in both branches keep V8 objects in fast mode (computed keys + spread made generation 10x slower)
  const base =
    partyKey === "customer"
      ? {
          id: rec.id,
          bill_no: rec.number,
          bill_date: formatDate(rec.createMs),
          bill_status: rec.status,
          customer_id: rec.partyId,
          customer_name: rec.partyName,
          customer_number: rec.partyNumber,
          emp_id: emp.id,
          emp_name: emp.name,
          emp_number: emp.number,
          dept_id: dept.id,
          dept_name: dept.name,
          dept_number: dept.number,
        }
      : {
          id: rec.id,
          bill_no: rec.number,
          bill_date: formatDate(rec.createMs),
          bill_status: rec.status,
          supplier_id: rec.partyId,
          supplier_name: rec.partyName,
          supplier_number: rec.partyNumber,
          emp_id: emp.id,
          emp_name: emp.name,
          emp_number: emp.number,
          dept_id: dept.id,
          dept_name: dept.name,
          dept_number: dept.number,
        };
  return base as Doc;
}

function randomEntries(ctx: GenContext, r: Rng, docId: string, n: number, startSeq: number, withCost: boolean): Doc[] {
  const out: Doc[] = [];
  if (ctx.materials.length === 0) return out;
  for (let i = 0; i < n; i++) {
    const m = r.pick(ctx.materials);
    out.push(
      makeEntry(
        docId,
        startSeq + i,
        { material: ctx.materialDoc(m), qty: r.int(1, 30), priceCents: m.priceCents ?? 100, stock: r.pick(ctx.world.stocks) },
        withCost,
      ),
    );
  }
  return out;
}

function ioStatus(shipped: ShipPart[] | undefined): string {
  if (!shipped || shipped.length === 0) return "A";
  if (shipped.includes("full") || shipped.includes("second")) return "C";
  return "B";
}

export function genSalOrder(ctx: GenContext, rec: Rec): Doc {
  const r = new Rng(rec.seed);
  const entries = randomEntries(ctx, r, rec.id, r.int(1, 5), 1, false);
  const io = ioStatus(rec.shipped);
  const doc: Doc = Object.assign(header(ctx.world, rec, r, "customer"), {
    currency_id: ctx.world.currency.id,
    exchange_rate: 1,
    total_amount: 0,
    total_tax_amount: 0,
    material_qty: 0,
    io_status: io,
    real_io_status: io,
    settle_status: r.pick(["A", "A", "B", "C"]),
    bill_close_state: io === "C" ? "C" : "A",
    delivery_date: formatDate(rec.createMs + r.int(1, 14) * 86_400_000),
    remark: "",
    custom_field: {},
    create_time: "",
    modify_time: "",
    material_entity: entries,
  });
  recomputeTotals(doc);
  return doc;
}

export function genSalOutBound(ctx: GenContext, rec: Rec): Doc {
  const r = new Rng(rec.seed);
  const entries: Doc[] = [];
  if (rec.link) {
    const order = ctx.baseDoc(rec.link.order);
    for (const oe of (order.material_entity as Doc[]) ?? []) {
      const qty = deliveredQty(rec.link.part, Number(oe.qty));
      if (qty <= 0) continue;
      const material = ctx.materialById(String(oe.material_id));
      entries.push(
        makeEntry(
          rec.id,
          entries.length + 1,
          {
            material: material ? ctx.materialDoc(material) : (oe as Doc),
            qty,
            priceCents: cents(oe.price),
            stock: ctx.world.stocks.find((s) => s.id === oe.stock_id) ?? ctx.world.stocks[0]!,
            src: { billId: String(order.id), billNo: String(order.bill_no), entryId: String(oe.id) },
          },
          true,
        ),
      );
    }
  }
  const n = r.int(1, 5);
  if (entries.length < n) entries.push(...randomEntries(ctx, r, rec.id, rec.link ? Math.min(1, n - entries.length) : n, entries.length + 1, true));
  const party = rec.party ? ctx.partyDoc(rec.party) : undefined;
  const contact = ((party?.bomentity as Doc[] | undefined) ?? [])[0];
  const delivered = r.chance(0.7);
  const auditor = r.pick(ctx.world.employees);
  const doc: Doc = Object.assign(header(ctx.world, rec, r, "customer"), {
    currency_id: ctx.world.currency.id,
    exchange_rate: 1,
    trans_type: r.pick([2, 2, 2, 1]),
    total_amount: 0,
    bill_dis_amount: 0,
    bill_dis_before_amount: 0,
    material_group: "",
    material_qty: 0,
    settle_status: r.pick(["A", "A", "B", "C"]),
    delivery_status: delivered ? "C" : "A",
    ivc_status: r.pick(["A", "A", "C"]),
    auditor_id: rec.status === "C" ? auditor.id : "",
    auditor_name: rec.status === "C" ? auditor.name : "",
    contact_person: contact?.contact_person ?? "",
    contact_phone: contact?.mobile ?? "",
    contact_address: contact?.contact_address ?? "",
    remark: "",
    create_time: "",
    modify_time: "",
    express_entity: delivered
      ? [{ id: rec.id + "90", express_name: r.pick(EXPRESS), express_no: "SF" + r.digits(12) }]
      : [],
    payment_entry: [],
    material_entity: entries,
  });
  doc.material_group = materialGroup(entries);
  recomputeTotals(doc);
  return doc;
}

export function genSalInvoice(ctx: GenContext, rec: Rec): Doc {
  const r = new Rng(rec.seed);
  const entries = randomEntries(ctx, r, rec.id, r.int(1, 4), 1, false);
  const doc: Doc = Object.assign(header(ctx.world, rec, r, "customer"), {
    invoice_type: r.pick(["1", "2"]),
    total_amount: 0,
    bill_dis_amount: 0,
    settle_status: r.pick(["A", "B", "C"]),
    material_group: materialGroup(entries),
    material_qty: 0,
    remark: "",
    create_time: "",
    modify_time: "",
    db_modify_time: "",
    material_entity: entries,
  });
  recomputeTotals(doc);
  return doc;
}

export function genPurchase(ctx: GenContext, rec: Rec): Doc {
  const r = new Rng(rec.seed);
  const entries = randomEntries(ctx, r, rec.id, r.int(1, 5), 1, false);
  for (const e of entries) {
    // purchases at roughly 70 % of the sale price
    e.price = yuan(Math.round(cents(e.price) * 0.7));
    recomputeEntry(e);
  }
  const doc: Doc = header(ctx.world, rec, r, "supplier");
  if (rec.resource === "pur_order" || rec.resource === "pur_inbound") {
    doc.delivery_type_id = "1";
    doc.delivery_type_name = r.pick(["送货上门", "自提", "物流配送"]);
    doc.bill_close_state = "A";
  }
  if (rec.resource === "pur_order") {
    const io = r.pick(["A", "B", "C"]);
    doc.io_status = io;
    doc.real_io_status = io;
  }
  if (rec.resource === "pur_invoice") doc.ivc_type = r.pick(["1", "2"]);
  if (rec.resource !== "pur_order") doc.settle_status = r.pick(["A", "B", "C"]);
  Object.assign(doc, {
    total_amount: 0,
    material_qty: 0,
    remark: "",
    create_time: "",
    modify_time: "",
    material_entity: entries,
  });
  recomputeTotals(doc);
  return doc;
}

export function genCredit(ctx: GenContext, rec: Rec): Doc {
  const r = new Rng(rec.seed);
  const partyKey = rec.resource === "ar_credit" ? "customer" : "supplier";
  const payEntries: Doc[] = [];
  const nPay = r.int(1, 2);
  let total = 0;
  for (let i = 0; i < nPay; i++) {
    const amount = r.int(100, 50_000) * 100 + (r.chance(0.3) ? r.int(1, 99) : 0);
    total += amount;
    const acct = r.pick(ctx.world.settleAccounts);
    payEntries.push({
      id: `${rec.id}${String(i + 1).padStart(2, "0")}`,
      seq: i + 1,
      amount: yuan(amount),
      amount_for: yuan(amount),
      settle_account_id: acct.id,
      settle_account_name: acct.name,
      settle_account_number: acct.number,
      pay_type_id: "1",
      pay_type_name: r.pick(["电汇", "现金", "微信", "承兑汇票"]),
      trans_number: r.digits(12),
      comment: "",
    });
  }
  const sources: Doc[] = [];
  if (rec.resource === "ar_credit") {
    const candidates = ctx.outboundsByCustomer.get(rec.partyId) ?? [];
    const nSrc = Math.min(candidates.length, r.int(0, 2));
    let remaining = total;
    for (let i = 0; i < nSrc; i++) {
      const src = r.pick(candidates);
      const amount = i === nSrc - 1 ? remaining : Math.floor(remaining / 2);
      remaining -= amount;
      sources.push({
        id: `${rec.id}${String(i + 51).padStart(2, "0")}`,
        seq: i + 1,
        source_bill_id: src.id,
        source_bill_no: src.number,
        source_bill_type: "sal_out_bound",
        source_bill_date: formatDate(src.createMs),
        this_settle_amount: yuan(amount),
      });
    }
  }
  const settled = sources.reduce((s, e) => s + cents(e.this_settle_amount), 0);
  const auditDate = rec.status === "C" ? formatDate(rec.createMs + r.int(0, 3) * 86_400_000) : "";
  return Object.assign(header(ctx.world, rec, r, partyKey), {
    audit_date: auditDate,
    currency_id: ctx.world.currency.id,
    currency_name: ctx.world.currency.name,
    currency_number: ctx.world.currency.number,
    exchange_rate: 1,
    total_amount: yuan(total),
    total_amount_for: yuan(total),
    total_discount_amount: 0,
    total_discount_amount_for: 0,
    total_settle_amount: yuan(settled),
    total_settle_amount_for: yuan(settled),
    remark: "",
    create_time: "",
    modify_time: "",
    pay_entry_list: payEntries,
    source_bill_entry_list: sources,
  });
}
