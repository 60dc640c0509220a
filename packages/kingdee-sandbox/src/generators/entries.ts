import { cents, yuan, type Doc, type Ref, type ShipPart } from "../world.js";

/** Document entries (lines) and the totals derived from them. */

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

export const materialGroup = (entries: Doc[]) =>
  entries.length === 0 ? "" : `${entries[0]!.material_name}${entries.length > 1 ? "等" : ""}`;
