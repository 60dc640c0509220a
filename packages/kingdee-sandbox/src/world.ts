import { Rng } from "./random.js";
import type { StoredResource } from "./resources.js";
import { formatDate } from "./time.js";

/** A document as served by a detail endpoint (without its create/modify timestamps filled in). */
export type Doc = Record<string, unknown>;

export interface Ref {
  id: string;
  number: string;
  name: string;
}

export type ShipPart = "full" | "first" | "second" | "partial";

/** One stored row: a skeleton that is cheap to create, plus the materialized document once it changed. */
export interface Rec {
  resource: StoredResource;
  /** Row key: `id` (inventory: material_id|stock_id|sp_id|aux_prop_id|batch_no). */
  id: string;
  /** bill_no / number ("" for inventory). */
  number: string;
  createMs: number;
  modifyMs: number;
  /** Seed of the lazily generated document. */
  seed: number;
  status: string;
  /** Counterparty (customer/supplier) for bills. */
  partyId: string;
  partyNumber: string;
  partyName: string;
  party?: Rec;
  /** Name used by `search` (master data) */
  name: string;
  /** Unit price in cents (materials). */
  priceCents?: number;
  /** Materialized current document; absent while the document is still the seeded one. */
  doc?: Doc;
  /** sal_out_bound → the sal_order it delivers. */
  link?: { order: Rec; part: ShipPart };
  /** sal_order: parts shipped by seeded sal_out_bound documents. */
  shipped?: ShipPart[];
  /** inventory: what the row is about. */
  inv?: { material: Rec; stock: Ref; batch: string };
  mutations: number;
}

const CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "苏州", "西安", "重庆", "天津", "长沙", "郑州", "青岛", "厦门"];
const WORDS = ["华联", "鑫源", "恒达", "宏远", "金桥", "博文", "瑞丰", "永盛", "德隆", "海纳", "天成", "嘉禾", "汇通", "盛世", "祥和", "启明"];
const TRADES = ["商贸", "贸易", "科技", "实业", "电子", "食品", "建材", "百货"];
const SUPPLIER_TRADES = ["制造", "供应链", "包装", "五金", "纸业", "塑胶", "化工", "机电"];
const SURNAMES = ["张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"];
const GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "军", "杰", "娟", "涛", "明", "超", "霞"];
const STREETS = ["人民路", "解放路", "中山路", "建设路", "和平路", "长江路", "黄河路", "新华路"];
const GOODS = [
  ["A4复印纸", "包"],
  ["中性笔", "盒"],
  ["文件夹", "个"],
  ["订书机", "个"],
  ["计算器", "台"],
  ["打印机墨盒", "个"],
  ["U盘64G", "个"],
  ["无线鼠标", "个"],
  ["机械键盘", "台"],
  ["显示器27寸", "台"],
  ["路由器", "台"],
  ["超五类网线", "箱"],
  ["插线板", "个"],
  ["收纳箱", "个"],
  ["白板", "块"],
  ["办公椅", "把"],
  ["咖啡豆", "千克"],
  ["矿泉水", "箱"],
  ["绿茶", "盒"],
  ["抽纸", "提"],
] as const;
const CATEGORIES = ["办公用品", "电脑外设", "网络设备", "办公家具", "食品饮料", "日用百货"];
const BRANDS = ["得力", "晨光", "联想", "罗技", "华为", "无品牌"];
const BANKS = ["中国工商银行", "中国建设银行", "招商银行", "中国银行", "交通银行"];
const LEVELS = ["普通客户", "银牌客户", "金牌客户", "VIP客户"];
const CUSTOMER_GROUPS = ["批发客户", "零售客户", "线上客户", "大客户"];
const SUPPLIER_GROUPS = ["原材料供应商", "办公用品供应商", "外包服务商"];
const EMPLOYEES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强"];
const DEPTS = ["销售一部", "销售二部", "采购部", "财务部"];
const STOCKS = ["总仓", "华东仓", "华南仓", "华北仓"];
const SETTLE_ACCOUNTS = ["工商银行基本户", "招商银行一般户", "现金", "微信收款"];
const EXPRESS = ["顺丰速运", "中通快递", "圆通速递", "京东物流"];

/** Fixed per-tenant reference data: people, warehouses, accounts. */
export class World {
  readonly employees: Ref[];
  readonly depts: Ref[];
  readonly stocks: Ref[];
  readonly settleAccounts: Ref[];
  readonly units: Map<string, Ref>;
  readonly categories: Ref[];
  readonly brands: Ref[];
  readonly levels: Ref[];
  readonly customerGroups: Ref[];
  readonly supplierGroups: Ref[];
  readonly currency: Ref;
  readonly accounts: Record<"receivable" | "revenue" | "outputVat" | "bank" | "payable" | "goods", Ref>;
  readonly voucherWord: Ref;

  constructor(seed: number) {
    const r = new Rng(seed);
    const id = () => "1" + r.digits(18);
    const refs = (names: readonly string[], prefix: string): Ref[] =>
      names.map((name, i) => ({ id: id(), number: `${prefix}${String(i + 1).padStart(3, "0")}`, name }));
    this.employees = refs(EMPLOYEES, "YG");
    this.depts = refs(DEPTS, "BM");
    this.stocks = refs(STOCKS, "CK");
    this.settleAccounts = refs(SETTLE_ACCOUNTS, "ZH");
    const unitNames = [...new Set(GOODS.map((g) => g[1]))];
    this.units = new Map(refs(unitNames, "DW").map((u) => [u.name, u]));
    this.categories = refs(CATEGORIES, "LB");
    this.brands = refs(BRANDS, "PP");
    this.levels = refs(LEVELS, "DJ");
    this.customerGroups = refs(CUSTOMER_GROUPS, "KHLB");
    this.supplierGroups = refs(SUPPLIER_GROUPS, "GYSLB");
    this.currency = { id: id(), number: "CNY", name: "人民币" };
    this.accounts = {
      receivable: { id: id(), number: "1122", name: "应收账款" },
      revenue: { id: id(), number: "6001", name: "主营业务收入" },
      outputVat: { id: id(), number: "2221.01.02", name: "应交税费_应交增值税_销项税额" },
      bank: { id: id(), number: "1002", name: "银行存款" },
      payable: { id: id(), number: "2202", name: "应付账款" },
      goods: { id: id(), number: "1405", name: "库存商品" },
    };
    this.voucherWord = { id: id(), number: "JI", name: "记" };
  }
}

// ---------- money ----------

export const yuan = (cents: number) => cents / 100;
export const cents = (value: unknown) => Math.round(Number(value ?? 0) * 100);
/** Decimal string with two places from cents ("1234.50"). */
export function centsString(c: number): string {
  const neg = c < 0;
  const a = Math.abs(Math.round(c));
  const s = `${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
  return neg ? "-" + s : s;
}
export const decString = (value: unknown) => centsString(cents(value));

// ---------- names ----------

/** Unique company-like name for index i (a permutation of the name space, offset by seed). */
export function companyName(i: number, seed: number, trades: readonly string[], suffix: string): string {
  const space = CITIES.length * WORDS.length * trades.length;
  const k = (i * 613 + (seed % space)) % space;
  const city = CITIES[k % CITIES.length]!;
  const word = WORDS[Math.floor(k / CITIES.length) % WORDS.length]!;
  const trade = trades[Math.floor(k / (CITIES.length * WORDS.length)) % trades.length]!;
  const round = Math.floor(i / space);
  return `${city}${word}${trade}${round ? round + 1 : ""}${suffix}`;
}

export const personName = (r: Rng) => r.pick(SURNAMES) + r.pick(GIVEN) + (r.chance(0.5) ? r.pick(GIVEN) : "");
export const mobile = (r: Rng) => "1" + r.pick(["3", "5", "7", "8", "9"]) + r.digits(9);
export const address = (r: Rng) => `${r.pick(CITIES)}市${r.pick(STREETS)}${r.int(1, 999)}号`;

// ---------- master data ----------

export function genCustomer(w: World, rec: Rec, index: number, tenantSeed: number): Doc {
  const r = new Rng(rec.seed);
  const name = rec.name || companyName(index, tenantSeed, TRADES, "有限公司");
  const group = r.pick(w.customerGroups);
  const level = r.pick(w.levels);
  return {
    id: rec.id,
    number: rec.number,
    name,
    enable: "1",
    group_id: group.id,
    group_name: group.name,
    group_number: group.number,
    c_level_id: level.id,
    c_level_name: level.name,
    taxpayer_no: "91" + r.digits(16),
    invoice_name: name,
    bank: r.pick(BANKS),
    bank_account: "6222" + r.digits(15),
    rate: "13",
    remark: "",
    create_time: "",
    modify_time: "",
    bomentity: [
      {
        id: rec.id + "01",
        contact_person: personName(r),
        mobile: mobile(r),
        phone: "0" + r.int(10, 999) + "-" + r.digits(8),
        contact_address: address(r),
        is_default: true,
      },
    ],
  };
}

export function genSupplier(w: World, rec: Rec, index: number, tenantSeed: number): Doc {
  const r = new Rng(rec.seed);
  const name = rec.name || companyName(index, tenantSeed + 7, SUPPLIER_TRADES, "有限公司");
  const group = r.pick(w.supplierGroups);
  return {
    id: rec.id,
    number: rec.number,
    name,
    enable: "1",
    group_id: group.id,
    group_name: group.name,
    group_number: group.number,
    taxpayer_no: "91" + r.digits(16),
    invoice_name: name,
    bank: r.pick(BANKS),
    bank_account: "6217" + r.digits(15),
    rate: "13",
    remark: "",
    create_time: "",
    modify_time: "",
    bom_entity: [
      {
        id: rec.id + "01",
        contact_person: personName(r),
        mobile: mobile(r),
        contact_address: address(r),
        is_default: true,
      },
    ],
  };
}

export function genMaterial(w: World, rec: Rec, index: number): Doc {
  const r = new Rng(rec.seed);
  const good = GOODS[index % GOODS.length]!;
  const variant = Math.floor(index / GOODS.length);
  const name = rec.name || (variant ? `${good[0]} 规格${variant + 1}` : good[0]);
  const unit = w.units.get(good[1])!;
  const category = w.categories[index % w.categories.length]!;
  const brand = r.pick(w.brands);
  const price = rec.priceCents ?? 100;
  return {
    id: rec.id,
    number: rec.number,
    name,
    model: `M-${r.int(100, 999)}`,
    barcode: "69" + r.digits(11),
    base_unit_id: unit.id,
    base_unit_name: unit.name,
    base_unit_number: unit.number,
    parent_id: category.id,
    parent_name: category.name,
    parent_number: category.number,
    brand_id: brand.id,
    brand_name: brand.name,
    brand_number: brand.number,
    check_type: 1,
    is_batch: false,
    is_serial: false,
    is_multi_unit: false,
    is_kf_period: false,
    enable: "1",
    units: [
      {
        unit_id: unit.id,
        unit_name: unit.name,
        unit_number: unit.number,
        is_base: true,
        coefficient: 1,
        sale_price: yuan(price),
        purchase_price: yuan(Math.round(price * 0.7)),
      },
    ],
    stock_id: w.stocks[index % w.stocks.length]!.id,
    url: "",
    remark: "",
    create_time: "",
    modify_time: "",
  };
}

// ---------- entries ----------

export interface EntryInput {
  material: Doc;
  qty: number;
  priceCents: number;
  stock: Ref;
  src?: { billId: string; billNo: string; entryId: string };
}

/** A material entry with amounts computed in integer cents. */
export function makeEntry(docId: string, seq: number, e: EntryInput, withCost: boolean): Doc {
  const amount = e.priceCents * e.qty;
  const tax = Math.round((amount * 13) / 100);
  const entry: Doc = {
    id: `${docId}${String(seq).padStart(2, "0")}`,
    seq,
    material_id: e.material.id,
    material_name: e.material.name,
    material_number: e.material.number,
    material_model: e.material.model ?? "",
    unit_id: e.material.base_unit_id ?? "",
    unit_name: e.material.base_unit_name ?? "",
    qty: e.qty,
    base_qty: e.qty,
    price: yuan(e.priceCents),
    tax_price: yuan(Math.round((e.priceCents * 113) / 100)),
    dis_rate: 0,
    amount: yuan(amount),
    tax_amount: yuan(tax),
    all_amount: yuan(amount + tax),
    cess: 13,
    stock_id: e.stock.id,
    stock_name: e.stock.name,
    batch_no: "",
    is_free: false,
    comment: "",
  };
  if (withCost) {
    entry.cost = yuan(Math.round(e.priceCents * 0.7) * e.qty);
    entry.entry_ivc_status = "A";
    entry.src_bill_id = e.src?.billId ?? "";
    entry.src_bill_no = e.src?.billNo ?? "";
    entry.src_bill_entry_id = e.src?.entryId ?? "";
  }
  return entry;
}

/** Recomputes an entry's amounts from qty and price (cents-exact). */
export function recomputeEntry(entry: Doc): void {
  const qty = Number(entry.qty ?? 0);
  const price = cents(entry.price);
  const amount = Math.round(price * qty);
  const tax = Math.round((amount * Number(entry.cess ?? 13)) / 100);
  entry.base_qty = qty;
  entry.tax_price = yuan(Math.round((price * (100 + Number(entry.cess ?? 13))) / 100));
  entry.amount = yuan(amount);
  entry.tax_amount = yuan(tax);
  entry.all_amount = yuan(amount + tax);
  if ("cost" in entry) entry.cost = yuan(Math.round(Math.round(price * 0.7) * qty));
}

/** Header totals from entries: total_amount = Σ all_amount exactly; material_qty = Σ qty. */
export function recomputeTotals(doc: Doc): void {
  const entries = (doc.material_entity as Doc[] | undefined) ?? [];
  let total = 0;
  let qty = 0;
  for (const e of entries) {
    total += cents(e.all_amount);
    qty += Number(e.qty ?? 0);
  }
  doc.total_amount = yuan(total);
  doc.material_qty = Math.round(qty * 10_000) / 10_000;
  if ("bill_dis_before_amount" in doc) doc.bill_dis_before_amount = yuan(total);
  if ("total_tax_amount" in doc) {
    doc.total_tax_amount = yuan(entries.reduce((s, e) => s + cents(e.tax_amount), 0));
  }
}

export const deliveredQty = (part: ShipPart, ordered: number): number => {
  const first = ordered > 1 ? Math.ceil(ordered * 0.6) : ordered;
  switch (part) {
    case "full":
      return ordered;
    case "first":
      return first;
    case "second":
      return ordered - first;
    case "partial":
      return Math.ceil(ordered / 2);
  }
};

// ---------- bills ----------

export interface GenContext {
  world: World;
  materials: readonly Rec[];
  /** Seed-time sal_out_bound records per customer id (ar_credit sources). */
  outboundsByCustomer: Map<string, Rec[]>;
  /** Seed-time sal_out_bound records (voucher sources). */
  outbounds: readonly Rec[];
  materialDoc(rec: Rec): Doc;
  materialById(id: string): Rec | undefined;
  /** The seeded (unmutated) document of a record. */
  baseDoc(rec: Rec): Doc;
  partyDoc(rec: Rec): Doc | undefined;
}

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

const materialGroup = (entries: Doc[]) =>
  entries.length === 0 ? "" : `${entries[0]!.material_name}${entries.length > 1 ? "等" : ""}`;

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

export function genVoucher(ctx: GenContext, rec: Rec, seqNo: number): Doc {
  const r = new Rng(rec.seed);
  const w = ctx.world;
  const amount = r.int(100, 80_000) * 100 + r.int(0, 99);
  const tax = Math.round((amount * 13) / 100);
  const src = ctx.outbounds.length ? r.pick(ctx.outbounds) : undefined;
  const explanation = src ? `销售出库 ${src.number}` : "销售收入";
  const line = (seq: number, acct: Ref, debit: number, credit: number): Doc => ({
    id: `${rec.id}${String(seq).padStart(2, "0")}`,
    seq,
    account_id: acct.id,
    account_name: acct.name,
    account_number: acct.number,
    explanation,
    debit_amount: yuan(debit),
    credit_amount: yuan(credit),
    dc: debit ? 1 : -1,
    currency_id: w.currency.id,
    currency_name: w.currency.name,
    currency_number: w.currency.number,
    amount_for: yuan(debit || credit),
    quantity: 0,
    price: 0,
    assist: [],
  });
  const entries = [
    line(1, w.accounts.receivable, amount + tax, 0),
    line(2, w.accounts.revenue, 0, amount),
    line(3, w.accounts.outputVat, 0, tax),
  ];
  const date = formatDate(rec.createMs);
  return {
    id: rec.id,
    number: rec.number,
    voucher_no: `${w.voucherWord.name}-${seqNo}`,
    date,
    period: date.slice(0, 7),
    year: Number(date.slice(0, 4)),
    bill_status: rec.status,
    debit_total: yuan(amount + tax),
    credit_total: yuan(amount + tax),
    group_id: w.voucherWord.id,
    group_name: w.voucherWord.name,
    is_reverse: false,
    have_reverse: false,
    attachments: r.int(0, 3),
    remark: "",
    source_bill_no: src?.number ?? "",
    src_bill: src ? [{ bill_id: src.id, bill_no: src.number, bill_type: "sal_out_bound" }] : [],
    create_time: "",
    modify_time: "",
    entry_list: entries,
  };
}

export function genInventory(ctx: GenContext, rec: Rec): Doc {
  const r = new Rng(rec.seed);
  const inv = rec.inv!;
  const m = ctx.materialDoc(inv.material);
  const qty = r.int(0, 500);
  const valid = Math.max(0, qty - r.int(0, Math.min(qty, 50)));
  return {
    material_id: m.id,
    material_name: m.name,
    material_number: m.number,
    material_model: m.model ?? "",
    base_unit_name: m.base_unit_name ?? "",
    stock_id: inv.stock.id,
    stock_name: inv.stock.name,
    stock_number: inv.stock.number,
    sp_id: "0",
    sp_name: "",
    aux_prop_id: "0",
    batch_no: inv.batch,
    kf_date: "",
    valid_date: "",
    qty: centsString(qty * 100),
    valid_qty: centsString(valid * 100),
    aux_qty: "0.00",
    qty_package: "",
    modify_time: "",
  };
}

/** Content change applied by `data.mutate`: remark always, plus one entry / amount where the document has them. */
export function mutateDoc(resource: StoredResource, doc: Doc, k: number): void {
  if (resource !== "inventory") doc.remark = `sandbox mutation #${k}`;
  const entries = doc.material_entity as Doc[] | undefined;
  if (entries && entries.length > 0) {
    const e = entries[(k - 1) % entries.length]!;
    const qty = Number(e.qty);
    if (resource === "sal_out_bound") {
      // keep delivered ≤ ordered: deliver less, or re-price a single-unit line
      if (qty > 1) e.qty = qty - 1;
      else e.price = yuan(cents(e.price) + 100);
    } else {
      e.qty = qty + 1;
    }
    recomputeEntry(e);
    recomputeTotals(doc);
    if (resource === "sal_out_bound" || resource === "sal_invoice") doc.material_group = materialGroup(entries);
    return;
  }
  const pay = doc.pay_entry_list as Doc[] | undefined;
  if (pay && pay.length > 0) {
    const p = pay[0]!;
    p.amount = yuan(cents(p.amount) + 100);
    p.amount_for = p.amount;
    const total = pay.reduce((s, e) => s + cents(e.amount), 0);
    doc.total_amount = yuan(total);
    doc.total_amount_for = yuan(total);
    return;
  }
  const lines = doc.entry_list as Doc[] | undefined;
  if (lines && lines.length >= 2) {
    const debit = lines.find((l) => cents(l.debit_amount) > 0);
    const credit = lines.find((l) => cents(l.credit_amount) > 0);
    if (debit && credit) {
      debit.debit_amount = yuan(cents(debit.debit_amount) + 100);
      debit.amount_for = debit.debit_amount;
      credit.credit_amount = yuan(cents(credit.credit_amount) + 100);
      credit.amount_for = credit.credit_amount;
      const total = lines.reduce((s, l) => s + cents(l.debit_amount), 0);
      doc.debit_total = yuan(total);
      doc.credit_total = yuan(total);
    }
    return;
  }
  if (resource === "inventory") {
    doc.qty = centsString(cents(doc.qty) + 100);
    doc.valid_qty = centsString(cents(doc.valid_qty) + 100);
  }
}
