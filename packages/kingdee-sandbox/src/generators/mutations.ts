import type { StoredResource } from "../resources.js";
import { cents, centsString, yuan, type Doc } from "../world.js";
import { materialGroup, recomputeEntry, recomputeTotals } from "./entries.js";

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
