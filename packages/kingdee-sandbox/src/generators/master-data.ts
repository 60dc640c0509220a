import { Rng } from "../random.js";
import { BANKS, GOODS, SUPPLIER_TRADES, TRADES, address, companyName, mobile, personName, yuan, type Doc, type Rec, type Ref, type World } from "../world.js";

/** Master data: customers, suppliers, materials — generated from a record's seed and its index. */

/**
 * The header customers and suppliers share: ids, group, tax and bank details. Draws from `r` in a
 * fixed order (taxpayer number, bank, account), so a record's seed keeps giving the same document.
 */
function partnerHeader(r: Rng, rec: Rec, name: string, group: Ref, accountPrefix: string) {
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
    bank_account: accountPrefix + r.digits(15),
    rate: "13",
    remark: "",
    create_time: "",
    modify_time: "",
  };
}

export function genCustomer(w: World, rec: Rec, index: number, tenantSeed: number): Doc {
  const r = new Rng(rec.seed);
  const name = rec.name || companyName(index, tenantSeed, TRADES, "有限公司");
  const group = r.pick(w.customerGroups);
  const level = r.pick(w.levels);
  return {
    ...partnerHeader(r, rec, name, group, "6222"),
    c_level_id: level.id,
    c_level_name: level.name,
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
    ...partnerHeader(r, rec, name, group, "6217"),
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
