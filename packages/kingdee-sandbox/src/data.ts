import { Rng, mixSeed } from "./random.js";
import { inventoryStock } from "./inventory-stock.js";
import { listRow } from "./projections.js";
import { RESOURCES, STORED_RESOURCES, type SandboxResource, type StoredResource } from "./resources.js";
import { Store } from "./store.js";
import { DAY_MS, compactDate, formatDateTime } from "./time.js";
import { genCredit, genPurchase, genSalInvoice, genSalOrder, genSalOutBound } from "./generators/bills.js";
import { genInventory, genVoucher } from "./generators/ledger.js";
import { genCustomer, genMaterial, genSupplier } from "./generators/master-data.js";
import { mutateDoc } from "./generators/mutations.js";
import {
  World,
  type Doc,
  type GenContext,
  type Rec,
  type Ref,
  type ShipPart,
} from "./world.js";

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

  /** A new record created at `createMs` (not stored yet): its own seed, a fresh id, `number` or the next one. */
  create(resource: StoredResource, createMs: number, status: string, number?: string): Rec {
    const rec = this.#blank(resource, createMs, createMs, this.#rng.uint32(), status);
    rec.id = this.#newId(createMs, this.stores[resource]);
    rec.number = number ?? this.#newNumber(resource, createMs);
    return rec;
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
    return listRow(rec, this.view(rec));
  }

  materialize(rec: Rec): Doc {
    if (!rec.doc) rec.doc = this.generate(rec);
    return rec.doc;
  }

  /** Moves modify_time to now (never backwards, always forward). */
  bump(rec: Rec): void {
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
      this.bump(rec);
    }
    this.stores[resource].touch();
    return recs.map((r) => r.id);
  }

  /** Adds n new rows created now; returns their ids. */
  add(resource: StoredResource, n: number): string[] {
    const store = this.stores[resource];
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const rec = this.create(resource, Date.now(), resource === "voucher" ? "A" : resource.endsWith("_credit") ? "A" : "Z");
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
    return inventoryStock(this, materialId);
  }

  rows(resource: SandboxResource, materialId?: string): Doc[] {
    if (resource === "inventory_stock") return this.inventoryStock(materialId);
    return this.stores[resource].list.map((rec) => this.snapshot(rec));
  }

  count(resource: SandboxResource): number {
    if (resource === "inventory_stock") return this.inventoryStock().length;
    return this.stores[resource].list.length;
  }
}
