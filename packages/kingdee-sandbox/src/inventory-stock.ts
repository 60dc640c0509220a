import { cents, centsString, type Doc, type Rec, type Ref } from "./world.js";

/** What the aggregation reads of a tenant's data (its inventory rows and their current versions). */
export interface InventoryRows {
  readonly stores: { readonly inventory: { readonly list: readonly Rec[] } };
  current(rec: Rec): Doc;
}

/** inventory_stock rows for one material (or all), aggregated per warehouse from inventory rows. */
export function inventoryStock(data: InventoryRows, materialId?: string): Doc[] {
  const groups = new Map<string, { mat: string; stock: Ref; unit: string; qty: number; valid: number }>();
  for (const rec of data.stores.inventory.list) {
    const inv = rec.inv!;
    if (materialId !== undefined && inv.material.id !== materialId) continue;
    const doc = data.current(rec);
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
