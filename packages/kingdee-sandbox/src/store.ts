import { RESOURCES, type StoredResource } from "./resources.js";
import type { Rec } from "./world.js";

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
