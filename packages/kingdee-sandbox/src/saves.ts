import type { TenantData } from "./data.js";
import { RESOURCES, type StoredResource } from "./resources.js";
import { compactDate } from "./time.js";
import { makeEntry, recomputeTotals } from "./generators/entries.js";
import { cents, type Doc, type Rec } from "./world.js";

/** A refused save, answered as a business envelope. */
export interface SaveError {
  errcode: number;
  description: string;
}

/** `POST <list path>` saves: create (no id) or update (id). All rows are validated before any is written. */
export function saveDocuments(data: TenantData, resource: StoredResource, items: unknown): { ids: string[] } | SaveError {
  if (!Array.isArray(items) || items.length === 0) {
    return { errcode: 1030002000, description: "data 不能为空" };
  }
  const store = data.stores[resource];
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
      if (pid !== undefined && pid !== "") partyRec = data.stores[party].byId.get(String(pid));
      else if (pnum !== undefined && pnum !== "") partyRec = data.stores[party].byNumber.get(String(pnum));
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
          (e.material_id !== undefined && data.stores.material.byId.get(String(e.material_id))) ||
          (e.material_number !== undefined && data.stores.material.byNumber.get(String(e.material_number)));
        if (!m) return { errcode: 1030002003, description: "商品不存在" };
        const qty = Number(e.qty ?? 1);
        if (!Number.isFinite(qty) || qty <= 0) return { errcode: 1030002001, description: "qty 字段格式不正确" };
        const price = e.price === undefined ? (m.priceCents ?? 0) : cents(e.price);
        const stock = data.world.stocks.find((s) => s.id === e.stock_id) ?? data.world.stocks[0]!;
        entries.push(makeEntry("", i + 1, { material: data.current(m), qty, priceCents: price, stock }, resource === "sal_out_bound"));
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
        const status = String(item.bill_status ?? (RESOURCES[resource].party ? "Z" : "C"));
        const number = item.bill_no ?? item.number;
        rec = data.create(resource, Date.now(), status, number === undefined || number === null ? undefined : String(number));
        if (resource === "material") rec.priceCents = 100;
        rec.doc = template(resource, rec);
        store.insert(rec);
      }
      const doc = data.materialize(rec);
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
      if (existing) data.bump(rec);
      store.touch();
      return rec.id;
    });
  }
  return { ids: plans.map((apply) => apply()) };
}

/** Skeleton document for a record created by a save. */
function template(resource: StoredResource, rec: Rec): Doc {
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
