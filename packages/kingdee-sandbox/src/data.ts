import { Rng, mixSeed } from "./random.js";
import { RESOURCES, STORED_RESOURCES, type SandboxResource, type StoredResource } from "./resources.js";
import { DAY_MS, compactDate, formatDateTime } from "./time.js";
import {
  World,
  cents,
  centsString,
  decString,
  genCredit,
  genCustomer,
  genInventory,
  genMaterial,
  genPurchase,
  genSalInvoice,
  genSalOrder,
  genSalOutBound,
  genSupplier,
  genVoucher,
  makeEntry,
  mutateDoc,
  recomputeTotals,
  type Doc,
  type GenContext,
  type Rec,
  type Ref,
  type ShipPart,
} from "./world.js";

/** Rows sort like an ERP list: create_time desc, then id desc (numeric). */
function before(a: Rec, b: Rec): number {
  if (a.createMs !== b.createMs) return b.createMs - a.createMs;
  if (a.id.length !== b.id.length) return b.id.length - a.id.length;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

const CACHE_SIZE = 32;

/** One resource's rows, kept sorted, indexed by id and number, with a small query-result cache. */
export class Store {
  list: Rec[] = [];
  version = 0;
  #byId?: Map<string, Rec>;
  #byNumber?: Map<string, Rec>;
  #cache = new Map<string, Rec[]>();
  #cacheVersion = -1;

  constructor(readonly resource: StoredResource) {}

  /** id → row (built on first use: keeps start-up with 100k rows fast). */
  get byId(): Map<string, Rec> {
    if (!this.#byId) this.#buildIndex();
    return this.#byId!;
  }

  /** bill_no / number → row. */
  get byNumber(): Map<string, Rec> {
    if (!this.#byNumber) this.#buildIndex();
    return this.#byNumber!;
  }

  #buildIndex(): void {
    this.#byId = new Map();
    this.#byNumber = new Map();
    for (const r of this.list) this.#index(r);
  }

  load(recs: Rec[]): void {
    this.list = recs.slice().sort(before);
    this.#byId = undefined;
    this.#byNumber = undefined;
    this.version++;
  }

  #index(rec: Rec): void {
    this.#byId?.set(rec.id, rec);
    if (rec.number) this.#byNumber?.set(rec.number, rec);
  }

  insert(rec: Rec): void {
    // binary search for the first position whose row sorts after rec
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.list[mid]!, rec) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.list.splice(lo, 0, rec);
    this.#index(rec);
    this.version++;
  }

  delete(rec: Rec): void {
    const i = this.list.indexOf(rec);
    if (i >= 0) this.list.splice(i, 1);
    this.#byId?.delete(rec.id);
    if (rec.number && this.#byNumber?.get(rec.number) === rec) this.#byNumber.delete(rec.number);
    this.version++;
  }

  touch(): void {
    this.version++;
  }

  #modify = new Float64Array(0);
  #create = new Float64Array(0);
  #arraysVersion = -1;

  /** Times in list order as typed arrays (rebuilt lazily after a change): a 100k-row window scan stays sub-millisecond. */
  #ensureArrays(): void {
    if (this.#arraysVersion === this.version) return;
    const n = this.list.length;
    if (this.#modify.length !== n) {
      this.#modify = new Float64Array(n);
      this.#create = new Float64Array(n);
    }
    for (let i = 0; i < n; i++) {
      const r = this.list[i]!;
      this.#modify[i] = r.modifyMs;
      this.#create[i] = r.createMs;
    }
    this.#arraysVersion = this.version;
  }

  /** Rows matching a filter, in list order; results are cached per filter key until the data changes. */
  query(f: ListFilter, other: ((rec: Rec) => boolean) | null): Rec[] {
    const timed =
      f.modifyFrom !== undefined || f.modifyTo !== undefined || f.createFrom !== undefined || f.createTo !== undefined;
    if (!timed && !other) return this.list;
    if (this.#cacheVersion !== this.version) {
      this.#cache.clear();
      this.#cacheVersion = this.version;
    }
    const key = JSON.stringify(f);
    const hit = this.#cache.get(key);
    if (hit) {
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return hit;
    }
    this.#ensureArrays();
    const mf = f.modifyFrom ?? -Infinity;
    const mt = f.modifyTo ?? Infinity;
    const cf = f.createFrom ?? -Infinity;
    const ct = f.createTo ?? Infinity;
    const M = this.#modify;
    const C = this.#create;
    const L = this.list;
    const out: Rec[] = [];
    for (let i = 0; i < L.length; i++) {
      const m = M[i]!;
      if (m < mf || m > mt) continue;
      const c = C[i]!;
      if (c < cf || c > ct) continue;
      const r = L[i]!;
      if (other && !other(r)) continue;
      out.push(r);
    }
    this.#cache.set(key, out);
    if (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!);
    return out;
  }
}

/** Normalized list filters (all time bounds inclusive epoch ms). */
export interface ListFilter {
  modifyFrom?: number;
  modifyTo?: number;
  createFrom?: number;
  createTo?: number;
  billNo?: string;
  number?: string;
  partyIds?: string[];
  partyNumber?: string;
  search?: string;
  status?: string;
  enable?: string;
  materialIds?: string[];
  materialNumbers?: string[];
  stockIds?: string[];
}

/** Predicate for the non-time filters (time bounds are applied by Store.query on typed arrays). */
export function filterPredicate(resource: StoredResource, f: ListFilter): ((rec: Rec) => boolean) | null {
  const checks: Array<(rec: Rec) => boolean> = [];
  if (f.billNo) {
    const v = f.billNo;
    checks.push((r) => r.number === v);
  }
  if (f.number) {
    const v = f.number;
    checks.push((r) => r.number === v);
  }
  if (f.partyIds && f.partyIds.length) {
    const set = new Set(f.partyIds);
    checks.push((r) => set.has(r.partyId));
  }
  if (f.partyNumber) {
    const v = f.partyNumber;
    checks.push((r) => r.partyNumber === v);
  }
  if (f.search) {
    const v = f.search.toLowerCase();
    const master = RESOURCES[resource].party === null;
    checks.push((r) =>
      master
        ? r.name.toLowerCase().includes(v) || r.number.toLowerCase().includes(v)
        : r.number.toLowerCase().includes(v) || r.partyName.toLowerCase().includes(v),
    );
  }
  if (f.status) {
    const v = f.status;
    checks.push((r) => r.status === v);
  }
  if (f.enable && f.enable !== "-1") {
    const v = f.enable;
    checks.push((r) => String(r.doc?.enable ?? "1") === v);
  }
  if (f.materialIds && f.materialIds.length) {
    const set = new Set(f.materialIds);
    checks.push((r) => !!r.inv && set.has(r.inv.material.id));
  }
  if (f.materialNumbers && f.materialNumbers.length) {
    const set = new Set(f.materialNumbers);
    checks.push((r) => !!r.inv && set.has(r.inv.material.number));
  }
  if (f.stockIds && f.stockIds.length) {
    const set = new Set(f.stockIds);
    checks.push((r) => !!r.inv && set.has(r.inv.stock.id));
  }
  if (checks.length === 0) return null;
  if (checks.length === 1) return checks[0]!;
  return (r) => {
    for (const c of checks) if (!c(r)) return false;
    return true;
  };
}

// ---------- list-row projections ----------

const P = (party: "customer" | "supplier") => [`${party}_id`, `${party}_name`, `${party}_number`];
const EMP = ["emp_id", "emp_name", "emp_number"];
const BILL = ["id", "bill_no", "bill_date", "bill_status"];
const CREDIT_AMOUNTS = [
  "total_amount",
  "total_amount_for",
  "total_discount_amount",
  "total_discount_amount_for",
  "total_settle_amount",
  "total_settle_amount_for",
];
const credit = (party: "customer" | "supplier") => [
  ...BILL,
  "audit_date",
  ...P(party),
  "currency_id",
  "currency_name",
  "currency_number",
  "exchange_rate",
  "dept_id",
  "dept_name",
  "dept_number",
  ...EMP,
  ...CREDIT_AMOUNTS,
  "remark",
  "modify_time",
];

interface Projection {
  pick: string[];
  decimals: Set<string>;
}
const proj = (pick: string[], decimals: string[] = []): Projection => ({ pick, decimals: new Set(decimals) });

const LIST_FIELDS: Record<StoredResource, Projection> = {
  customer: proj(["id", "number", "name", "enable", "group_name", "c_level_id", "remark", "modify_time"]),
  supplier: proj([
    "id",
    "number",
    "name",
    "group_id",
    "group_name",
    "group_number",
    "taxpayer_no",
    "invoice_name",
    "bank",
    "bank_account",
    "rate",
    "remark",
    "bom_entity",
    "modify_time",
  ]),
  material: proj([
    "id",
    "number",
    "name",
    "model",
    "barcode",
    "base_unit_id",
    "base_unit_name",
    "base_unit_number",
    "parent_id",
    "parent_name",
    "parent_number",
    "brand_id",
    "brand_name",
    "brand_number",
    "check_type",
    "is_batch",
    "is_serial",
    "is_multi_unit",
    "is_kf_period",
    "units",
    "stock_id",
    "url",
    "enable",
    "modify_time",
  ]),
  sal_order: proj(
    [
      ...BILL,
      ...P("customer"),
      ...EMP,
      "dept_id",
      "dept_name",
      "dept_number",
      "total_amount",
      "material_qty",
      "io_status",
      "real_io_status",
      "settle_status",
      "bill_close_state",
      "create_time",
      "custom_field",
      "modify_time",
    ],
    ["total_amount", "material_qty"],
  ),
  sal_out_bound: proj(
    [
      ...BILL,
      ...P("customer"),
      ...EMP,
      "total_amount",
      "bill_dis_amount",
      "bill_dis_before_amount",
      "material_group",
      "material_qty",
      "settle_status",
      "delivery_status",
      "ivc_status",
      "create_time",
      "express_entity",
      "material_entity",
      "modify_time",
    ],
    ["total_amount", "bill_dis_amount", "bill_dis_before_amount", "material_qty"],
  ),
  sal_invoice: proj(
    [
      ...BILL,
      ...P("customer"),
      ...EMP,
      "total_amount",
      "bill_dis_amount",
      "settle_status",
      "material_group",
      "material_qty",
      "create_time",
      "db_modify_time",
      "modify_time",
    ],
    ["total_amount", "bill_dis_amount", "material_qty"],
  ),
  pur_order: proj([
    ...BILL,
    ...P("supplier"),
    ...EMP,
    "delivery_type_id",
    "delivery_type_name",
    "bill_close_state",
    "io_status",
    "real_io_status",
    "remark",
    "create_time",
    "modify_time",
  ]),
  // reference §6.1: pur_inbound's list total_amount is a number
  pur_inbound: proj([
    ...BILL,
    ...P("supplier"),
    ...EMP,
    "delivery_type_id",
    "delivery_type_name",
    "bill_close_state",
    "settle_status",
    "total_amount",
    "remark",
    "create_time",
    "modify_time",
  ]),
  pur_invoice: proj([...BILL, ...P("supplier"), ...EMP, "settle_status", "remark", "create_time", "modify_time"]),
  ap_credit: proj(credit("supplier"), CREDIT_AMOUNTS),
  ar_credit: proj(credit("customer"), CREDIT_AMOUNTS),
  voucher: proj(
    [
      "id",
      "number",
      "voucher_no",
      "date",
      "period",
      "bill_status",
      "debit_total",
      "credit_total",
      "group_id",
      "group_name",
      "is_reverse",
      "have_reverse",
      "remark",
      "source_bill_no",
      "src_bill",
      "modify_time",
    ],
    ["debit_total", "credit_total"],
  ),
  inventory: proj([]),
};

// ---------- tenant data ----------

export interface SaveError {
  errcode: number;
  description: string;
}

const BILL_STATUS: Partial<Record<StoredResource, ReadonlyArray<readonly [string, number]>>> = {
  ap_credit: [["C", 0.8], ["A", 1]],
  ar_credit: [["C", 0.8], ["A", 1]],
  voucher: [["C", 0.7], ["B", 0.9], ["A", 0.97], ["D", 1]],
};

const SEED_SPAN_MS = 120 * DAY_MS;

/** All rows of one tenant (account set), generated deterministically from its seed. */
export class TenantData {
  readonly world: World;
  readonly stores = {} as Record<StoredResource, Store>;
  readonly ctx: GenContext;
  readonly #seed: number;
  readonly #rng: Rng;
  #counter = 0;
  readonly #numberCounters = new Map<string, number>();
  readonly #materialById = new Map<string, Rec>();
  readonly #seedIndex = new Map<Rec, number>();

  constructor(seed: number, counts: Record<StoredResource, number>, now: number) {
    this.#seed = seed >>> 0;
    this.#rng = new Rng(mixSeed(this.#seed, 0xadd));
    this.world = new World(mixSeed(this.#seed, 0x3041d));
    for (const r of STORED_RESOURCES) this.stores[r] = new Store(r);
    const outboundsByCustomer = new Map<string, Rec[]>();
    const seedMaterials: Rec[] = [];
    const seedOutbounds: Rec[] = [];
    this.ctx = {
      world: this.world,
      materials: seedMaterials,
      outboundsByCustomer,
      outbounds: seedOutbounds,
      materialDoc: (rec) => this.current(rec),
      materialById: (id) => this.#materialById.get(id),
      baseDoc: (rec) => this.generate(rec),
      partyDoc: (rec) => this.current(rec),
    };
    const nowSec = Math.floor(now / 1000) * 1000;

    // master data (small; materialized eagerly)
    const customers = this.#skeleton("customer", counts.customer, nowSec);
    const suppliers = this.#skeleton("supplier", counts.supplier, nowSec);
    const materials = this.#skeleton("material", counts.material, nowSec, (rec, r) => {
      rec.priceCents = r.int(2, 2000) * 50;
    });
    seedMaterials.push(...materials);
    for (const m of materials) this.#materialById.set(m.id, m);
    for (const [list, res] of [
      [customers, "customer"],
      [suppliers, "supplier"],
      [materials, "material"],
    ] as const) {
      list.forEach((rec, i) => {
        this.#seedIndex.set(rec, i);
        rec.doc = this.generate(rec);
        rec.name = String(rec.doc.name);
      });
      this.stores[res].load(list);
    }

    const withParty = (pool: Rec[]) => (rec: Rec, r: Rng) => {
      if (pool.length === 0) return;
      const p = r.pick(pool);
      rec.party = p;
      rec.partyId = p.id;
      rec.partyNumber = p.number;
      rec.partyName = p.name;
    };

    // sales orders, then deliveries linked to them
    const orders = this.#skeleton("sal_order", counts.sal_order, nowSec, withParty(customers));
    const ordersByCustomer = new Map<string, Rec[]>();
    for (const o of orders) {
      o.shipped = [];
      const list = ordersByCustomer.get(o.partyId) ?? [];
      list.push(o);
      ordersByCustomer.set(o.partyId, list);
    }
    const linkRng = new Rng(mixSeed(this.#seed, 0x11e4));
    const closed = (o: Rec) => o.shipped!.some((p) => p === "full" || p === "partial" || p === "second");
    const outbounds = this.#skeleton("sal_out_bound", counts.sal_out_bound, nowSec, withParty(customers));
    for (const ob of outbounds) {
      // outbounds are in create order: earlier deliveries take the first part of a split
      const list = outboundsByCustomer.get(ob.partyId) ?? [];
      list.push(ob);
      outboundsByCustomer.set(ob.partyId, list);
      if (!linkRng.chance(0.6)) continue;
      const open = (ordersByCustomer.get(ob.partyId) ?? []).filter((o) => o.createMs <= ob.createMs && !closed(o));
      if (open.length === 0) continue;
      const half = open.find((o) => o.shipped!.includes("first"));
      const order = half ?? linkRng.pick(open);
      let part: ShipPart;
      if (half) part = "second";
      else {
        const x = linkRng.next();
        part = x < 0.4 ? "full" : x < 0.7 ? "first" : "partial";
      }
      order.shipped!.push(part);
      ob.link = { order, part };
    }
    seedOutbounds.push(...outbounds);
    this.stores.sal_order.load(orders);
    this.stores.sal_out_bound.load(outbounds);

    const load = (res: StoredResource, pool: Rec[]) =>
      this.stores[res].load(this.#skeleton(res, counts[res], nowSec, withParty(pool)));
    load("sal_invoice", customers);
    load("pur_order", suppliers);
    load("pur_inbound", suppliers);
    load("pur_invoice", suppliers);
    load("ap_credit", suppliers);
    load("ar_credit", customers);
    this.stores.voucher.load(this.#skeleton("voucher", counts.voucher, nowSec));

    // inventory rows: material × warehouse (× batch when more rows are asked for)
    const inv = this.#skeleton("inventory", materials.length ? counts.inventory : 0, nowSec);
    const stocks = this.world.stocks;
    inv.forEach((rec, i) => {
      const material = materials[i % materials.length]!;
      const stock = stocks[Math.floor(i / materials.length) % stocks.length]!;
      const round = Math.floor(i / (materials.length * stocks.length));
      this.#setInventoryKey(rec, material, stock, round ? `B${String(round).padStart(4, "0")}` : "");
    });
    this.stores.inventory.load(inv);
  }

  #setInventoryKey(rec: Rec, material: Rec, stock: Ref, batch: string): void {
    rec.inv = { material, stock, batch };
    rec.id = `${material.id}|${stock.id}|0|0|${batch}`;
    rec.number = "";
    rec.name = material.name;
  }

  #newId(createMs: number, store: Store): string {
    for (;;) {
      const id = `${createMs}${String(this.#counter++ % 1_000_000).padStart(6, "0")}`;
      if (!store.byId.has(id)) return id;
    }
  }

  #newNumber(resource: StoredResource, createMs: number): string {
    const info = RESOURCES[resource];
    if (resource === "inventory") return "";
    if (info.party === null && resource !== "voucher") {
      const n = (this.#numberCounters.get(resource) ?? 0) + 1;
      this.#numberCounters.set(resource, n);
      return `${info.prefix}${String(n).padStart(5, "0")}`;
    }
    const day = compactDate(createMs);
    const key = `${resource}|${day}`;
    const n = (this.#numberCounters.get(key) ?? 0) + 1;
    this.#numberCounters.set(key, n);
    return `${info.prefix}-${day}-${String(n).padStart(5, "0")}`;
  }

  #status(resource: StoredResource, r: Rng): string {
    const table = BILL_STATUS[resource] ?? [
      ["C", 0.85],
      ["Z", 1],
    ];
    const x = r.next();
    for (const [status, upTo] of table) if (x < upTo) return status;
    return table[0]![0];
  }

  #blank(resource: StoredResource, createMs: number, modifyMs: number, seed: number, status: string): Rec {
    return {
      resource,
      id: "",
      number: "",
      createMs,
      modifyMs,
      seed,
      status,
      partyId: "",
      partyNumber: "",
      partyName: "",
      name: "",
      mutations: 0,
    };
  }

  /** Seeded rows of one resource: times spread over the 120 days before `now`, ids and numbers in create order. */
  #skeleton(resource: StoredResource, n: number, nowSec: number, extra?: (rec: Rec, r: Rng) => void): Rec[] {
    const r = new Rng(mixSeed(this.#seed, STORED_RESOURCES.indexOf(resource) + 1));
    const recs: Rec[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const createMs = nowSec - Math.floor((r.next() * SEED_SPAN_MS) / 1000) * 1000;
      const modifyMs = r.chance(0.5) ? createMs : createMs + Math.floor((r.next() * (nowSec - createMs)) / 1000) * 1000;
      recs[i] = this.#blank(resource, createMs, modifyMs, r.uint32(), this.#status(resource, r));
    }
    recs.sort((a, b) => a.createMs - b.createMs);
    // the id suffix is a per-tenant counter: unique until it wraps at 1e6, then guard with a set
    const seen = this.#counter + n >= 1_000_000 ? new Set<string>() : undefined;
    for (const rec of recs) {
      let id = `${rec.createMs}${String(this.#counter++ % 1_000_000).padStart(6, "0")}`;
      while (seen?.has(id)) id = `${rec.createMs}${String(this.#counter++ % 1_000_000).padStart(6, "0")}`;
      seen?.add(id);
      rec.id = id;
      rec.number = this.#newNumber(resource, rec.createMs);
      extra?.(rec, r);
    }
    return recs;
  }

  /** The seeded document of a record (fresh object, timestamps blank). */
  generate(rec: Rec): Doc {
    switch (rec.resource) {
      case "customer":
        return genCustomer(this.world, rec, this.#seedIndex.get(rec) ?? this.stores.customer.list.length, this.#seed);
      case "supplier":
        return genSupplier(this.world, rec, this.#seedIndex.get(rec) ?? this.stores.supplier.list.length, this.#seed);
      case "material":
        return genMaterial(this.world, rec, this.#seedIndex.get(rec) ?? this.stores.material.list.length);
      case "sal_order":
        return genSalOrder(this.ctx, rec);
      case "sal_out_bound":
        return genSalOutBound(this.ctx, rec);
      case "sal_invoice":
        return genSalInvoice(this.ctx, rec);
      case "pur_order":
      case "pur_inbound":
      case "pur_invoice":
        return genPurchase(this.ctx, rec);
      case "ap_credit":
      case "ar_credit":
        return genCredit(this.ctx, rec);
      case "voucher":
        return genVoucher(this.ctx, rec, Number(rec.number.slice(-5)) || 1);
      case "inventory":
        return genInventory(this.ctx, rec);
    }
  }

  /** Current document without copying (callers must not mutate it). */
  current(rec: Rec): Doc {
    return rec.doc ?? this.generate(rec);
  }

  /** Current document with timestamps, as a detail endpoint serves it (shallow copy). */
  view(rec: Rec): Doc {
    const doc = rec.doc ? { ...rec.doc } : this.generate(rec);
    if ("create_time" in doc) doc.create_time = formatDateTime(rec.createMs);
    if ("modify_time" in doc) doc.modify_time = formatDateTime(rec.modifyMs);
    if ("db_modify_time" in doc) doc.db_modify_time = formatDateTime(rec.modifyMs);
    return doc;
  }

  /** Deep copy of the current document (for the programmatic data API). */
  snapshot(rec: Rec): Doc {
    return structuredClone(this.view(rec));
  }

  /** The list-row projection of a record. */
  listRow(rec: Rec): Doc {
    const doc = this.view(rec);
    const p = LIST_FIELDS[rec.resource];
    if (p.pick.length === 0) return doc;
    const row: Doc = {};
    for (const key of p.pick) {
      if (!(key in doc)) continue;
      let value = doc[key];
      if (p.decimals.has(key)) value = decString(value);
      else if (key === "material_entity" && rec.resource === "sal_out_bound") {
        value = ((value as Doc[]) ?? []).map((e) => ({
          material_id: e.material_id,
          cost: decString(e.cost),
          entry_ivc_status: e.entry_ivc_status ?? "A",
        }));
      }
      row[key] = value;
    }
    return row;
  }

  materialize(rec: Rec): Doc {
    if (!rec.doc) rec.doc = this.generate(rec);
    return rec.doc;
  }

  #bump(rec: Rec): void {
    rec.modifyMs = Math.max(Date.now(), rec.modifyMs + 1);
  }

  #resolve(resource: StoredResource, countOrIds: number | readonly string[], pickRandom: boolean): Rec[] {
    const store = this.stores[resource];
    if (typeof countOrIds === "number") {
      const n = Math.max(0, Math.min(Math.floor(countOrIds), store.list.length));
      if (!pickRandom) return store.list.slice(0, n);
      const chosen = new Set<number>();
      if (n * 2 > store.list.length) {
        const idx = store.list.map((_, i) => i);
        for (let i = 0; i < n; i++) {
          const j = i + Math.floor(this.#rng.next() * (idx.length - i));
          [idx[i], idx[j]] = [idx[j]!, idx[i]!];
          chosen.add(idx[i]!);
        }
      } else {
        while (chosen.size < n) chosen.add(Math.floor(this.#rng.next() * store.list.length));
      }
      return [...chosen].map((i) => store.list[i]!);
    }
    return countOrIds.map((id) => {
      const rec = store.byId.get(String(id));
      if (!rec) throw new Error(`${resource}: unknown id ${id}`);
      return rec;
    });
  }

  /** Changes content and bumps modify_time; returns the changed ids. */
  mutate(resource: StoredResource, countOrIds: number | readonly string[]): string[] {
    const recs = this.#resolve(resource, countOrIds, true);
    for (const rec of recs) {
      const doc = this.materialize(rec);
      rec.mutations++;
      mutateDoc(resource, doc, rec.mutations);
      this.#bump(rec);
    }
    this.stores[resource].touch();
    return recs.map((r) => r.id);
  }

  /** Adds n new rows created now; returns their ids. */
  add(resource: StoredResource, n: number): string[] {
    const store = this.stores[resource];
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const now = Date.now();
      const rec = this.#blank(resource, now, now, this.#rng.uint32(), resource === "voucher" ? "A" : resource.endsWith("_credit") ? "A" : "Z");
      rec.id = this.#newId(now, store);
      rec.number = this.#newNumber(resource, now);
      const party = RESOURCES[resource].party;
      if (party) {
        const pool = this.stores[party].list;
        if (pool.length) {
          const p = pool[Math.floor(this.#rng.next() * pool.length)]!;
          rec.party = p;
          rec.partyId = p.id;
          rec.partyNumber = p.number;
          rec.partyName = p.name;
        }
      }
      if (resource === "material") rec.priceCents = this.#rng.int(2, 2000) * 50;
      if (resource === "inventory") {
        const materials = this.stores.material.list;
        if (materials.length === 0) throw new Error("inventory: no materials to stock");
        const m = materials[Math.floor(this.#rng.next() * materials.length)]!;
        const s = this.world.stocks[Math.floor(this.#rng.next() * this.world.stocks.length)]!;
        let batch: string;
        for (let k = 1; ; k++) {
          batch = `N${String(k).padStart(4, "0")}`;
          if (!store.byId.has(`${m.id}|${s.id}|0|0|${batch}`)) break;
        }
        this.#setInventoryKey(rec, m, s, batch);
      }
      const doc = this.materialize(rec);
      if (resource === "customer" || resource === "supplier" || resource === "material") {
        rec.name = String(doc.name);
        if (resource === "material") this.#materialById.set(rec.id, rec);
      }
      store.insert(rec);
      ids.push(rec.id);
    }
    return ids;
  }

  /** Deletes rows; returns the ids that existed. */
  remove(resource: StoredResource, ids: readonly string[]): string[] {
    const store = this.stores[resource];
    const removed: string[] = [];
    for (const id of ids) {
      const rec = store.byId.get(String(id));
      if (!rec) continue;
      store.delete(rec);
      removed.push(rec.id);
    }
    return removed;
  }

  /** inventory_stock rows for one material (or all), aggregated per warehouse from inventory rows. */
  inventoryStock(materialId?: string): Doc[] {
    const groups = new Map<string, { mat: string; stock: Ref; unit: string; qty: number; valid: number }>();
    for (const rec of this.stores.inventory.list) {
      const inv = rec.inv!;
      if (materialId !== undefined && inv.material.id !== materialId) continue;
      const doc = this.current(rec);
      const key = `${inv.material.id}|${inv.stock.id}`;
      const g = groups.get(key) ?? { mat: inv.material.id, stock: inv.stock, unit: String(doc.base_unit_name ?? ""), qty: 0, valid: 0 };
      g.qty += cents(doc.qty);
      g.valid += cents(doc.valid_qty);
      groups.set(key, g);
    }
    return [...groups.values()].map((g) => ({
      inv_stock_id: g.stock.id,
      inv_stock: g.stock.name,
      inv_stock_number: g.stock.number,
      inv_stock_position: "",
      inv_qty: centsString(g.valid),
      inv_im_qty: centsString(g.qty),
      inv_base_unit: g.unit,
      ...(materialId === undefined ? { material_id: g.mat } : {}),
    }));
  }

  rows(resource: SandboxResource, materialId?: string): Doc[] {
    if (resource === "inventory_stock") return this.inventoryStock(materialId);
    return this.stores[resource].list.map((rec) => this.snapshot(rec));
  }

  count(resource: SandboxResource): number {
    if (resource === "inventory_stock") return this.inventoryStock().length;
    return this.stores[resource].list.length;
  }

  /** `POST <list path>` saves: create (no id) or update (id). All rows are validated before any is written. */
  save(resource: StoredResource, items: unknown): { ids: string[] } | SaveError {
    if (!Array.isArray(items) || items.length === 0) {
      return { errcode: 1030002000, description: "data 不能为空" };
    }
    const store = this.stores[resource];
    const plans: Array<() => string> = [];
    for (const raw of items) {
      if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
        return { errcode: 1030002001, description: "data 字段格式不正确" };
      }
      const item = { ...(raw as Doc) };
      const id = item.id === undefined || item.id === null || item.id === "" ? undefined : String(item.id);
      const existing = id ? store.byId.get(id) : undefined;
      if (id && !existing) return { errcode: 1030002003, description: `单据不存在: ${id}` };
      const party = RESOURCES[resource].party;
      let partyRec: Rec | undefined;
      if (party) {
        const pid = item[`${party}_id`];
        const pnum = item[`${party}_number`];
        if (pid !== undefined && pid !== "") partyRec = this.stores[party].byId.get(String(pid));
        else if (pnum !== undefined && pnum !== "") partyRec = this.stores[party].byNumber.get(String(pnum));
        if ((pid || pnum) && !partyRec) return { errcode: 1030002003, description: `${party} 不存在` };
        if (!existing && !partyRec && resource === "sal_order") {
          return { errcode: 1030002000, description: "customer_id 不能为空" };
        }
      }
      if (!existing && (resource === "customer" || resource === "supplier" || resource === "material")) {
        if (typeof item.name !== "string" || item.name.trim() === "") {
          return { errcode: 1030002000, description: "name 不能为空" };
        }
      }
      let entries: Doc[] | undefined;
      if (item.material_entity !== undefined) {
        if (!Array.isArray(item.material_entity)) return { errcode: 1030002001, description: "material_entity 字段格式不正确" };
        entries = [];
        for (const [i, e] of (item.material_entity as Doc[]).entries()) {
          const m =
            (e.material_id !== undefined && this.stores.material.byId.get(String(e.material_id))) ||
            (e.material_number !== undefined && this.stores.material.byNumber.get(String(e.material_number)));
          if (!m) return { errcode: 1030002003, description: "商品不存在" };
          const qty = Number(e.qty ?? 1);
          if (!Number.isFinite(qty) || qty <= 0) return { errcode: 1030002001, description: "qty 字段格式不正确" };
          const price = e.price === undefined ? (m.priceCents ?? 0) : cents(e.price);
          const stock = this.world.stocks.find((s) => s.id === e.stock_id) ?? this.world.stocks[0]!;
          entries.push(makeEntry("", i + 1, { material: this.current(m), qty, priceCents: price, stock }, resource === "sal_out_bound"));
          Object.assign(entries[i]!, { comment: e.comment ?? "" });
        }
      }
      if (!existing && resource === "sal_order" && (!entries || entries.length === 0)) {
        return { errcode: 1030002000, description: "material_entity 不能为空" };
      }
      plans.push(() => {
        delete item.id;
        delete item.create_time;
        delete item.modify_time;
        delete item.material_entity;
        if (existing) {
          delete item.bill_no;
          delete item.number;
        }
        let rec = existing;
        if (!rec) {
          const now = Date.now();
          rec = this.#blank(resource, now, now, this.#rng.uint32(), String(item.bill_status ?? (RESOURCES[resource].party ? "Z" : "C")));
          rec.id = this.#newId(now, store);
          rec.number = String(item.bill_no ?? item.number ?? this.#newNumber(resource, now));
          if (resource === "material") rec.priceCents = 100;
          rec.doc = this.#template(resource, rec);
          store.insert(rec);
        }
        const doc = this.materialize(rec);
        if (partyRec && party) {
          rec.party = partyRec;
          rec.partyId = partyRec.id;
          rec.partyNumber = partyRec.number;
          rec.partyName = partyRec.name;
          doc[`${party}_id`] = partyRec.id;
          doc[`${party}_name`] = partyRec.name;
          doc[`${party}_number`] = partyRec.number;
        }
        Object.assign(doc, item);
        if (entries) {
          entries.forEach((e, i) => (e.id = `${rec.id}${String(i + 1).padStart(2, "0")}`));
          doc.material_entity = entries;
          recomputeTotals(doc);
        }
        if (typeof doc.bill_status === "string") rec.status = doc.bill_status;
        if (typeof doc.name === "string") rec.name = doc.name;
        if (existing) this.#bump(rec);
        store.touch();
        return rec.id;
      });
    }
    return { ids: plans.map((apply) => apply()) };
  }

  /** Skeleton document for a record created by a save. */
  #template(resource: StoredResource, rec: Rec): Doc {
    const info = RESOURCES[resource];
    if (resource === "customer" || resource === "supplier" || resource === "material") {
      return { id: rec.id, number: rec.number, name: "", enable: "1", remark: "", create_time: "", modify_time: "" };
    }
    if (resource === "voucher") {
      return { id: rec.id, number: rec.number, bill_status: rec.status, remark: "", create_time: "", modify_time: "", entry_list: [] };
    }
    const doc: Doc = {
      id: rec.id,
      bill_no: rec.number,
      bill_date: compactDate(rec.createMs).replace(/^(\d{4})(\d{2})(\d{2})$/, "$1-$2-$3"),
      bill_status: rec.status,
    };
    if (info.party) Object.assign(doc, { [`${info.party}_id`]: "", [`${info.party}_name`]: "", [`${info.party}_number`]: "" });
    Object.assign(doc, { total_amount: 0, remark: "", create_time: "", modify_time: "" });
    if (resource !== "ap_credit" && resource !== "ar_credit") Object.assign(doc, { material_qty: 0, material_entity: [] });
    return doc;
  }
}

