import type { StoredResource } from "./resources.js";
import { decString, type Doc, type Rec } from "./world.js";

/** Which fields a list endpoint returns per resource (detail endpoints return the whole document). */
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

/** The list-row projection of a record's current document (`doc`, timestamps filled in). */
export function listRow(rec: Rec, doc: Doc): Doc {
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
