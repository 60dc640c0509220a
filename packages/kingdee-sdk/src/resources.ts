import type {
  ArCreditDetail,
  ArCreditRow,
  CustomerDetail,
  CustomerRow,
  KingdeeRow,
  SalOrderDetail,
  SalOrderRow,
  SalOutBoundDetail,
  SalOutBoundRow,
} from "./rows.js";

/**
 * How a list endpoint filters by modification time, if it can.
 * - `ms`: epoch-millisecond strings (`modify_start_time`/`modify_end_time` on most endpoints).
 * - `date`: `yyyy-MM-dd` in the business time zone, day granularity (sal_invoice_list).
 */
export interface TimeFilter {
  from: string;
  to: string;
  unit: "ms" | "date";
}

export interface ResourceSpec {
  listPath: string;
  detailPath?: string;
  /** Field that identifies a row; a composite key for inventory rows that have no id. */
  key: readonly string[];
  /** Document number field (`bill_no`, `number`), also accepted by detail endpoints. */
  numberField?: string;
  timeFilter: TimeFilter | null;
  /** Query parameters the endpoint insists on, with the value that means "everything". */
  requiredQuery?: Readonly<Record<string, string>>;
  /** False for endpoints that answer one unpaged array. */
  paginated: boolean;
  maxPageSize: number;
}

const modifyMs: TimeFilter = { from: "modify_start_time", to: "modify_end_time", unit: "ms" };
const byId = ["id"] as const;

const bill = (module: string, name: string, listName = name): ResourceSpec => ({
  listPath: `/jdy/v2/${module}/${listName}`,
  detailPath: `/jdy/v2/${module}/${name}_detail`,
  key: byId,
  numberField: "bill_no",
  timeFilter: modifyMs,
  paginated: true,
  maxPageSize: 100,
});

const masterData = (name: string): ResourceSpec => ({
  ...bill("bd", name),
  numberField: "number",
});

/** The JDY resources this SDK knows, declared once (reference §6). */
export const resources = {
  customer: masterData("customer"),
  supplier: masterData("supplier"),
  material: masterData("material"),
  sal_order: bill("scm", "sal_order"),
  sal_out_bound: bill("scm", "sal_out_bound"),
  sal_invoice: {
    ...bill("scm", "sal_invoice", "sal_invoice_list"),
    // Modify filter is date-level only; the create-date range is mandatory.
    timeFilter: { from: "begin_date", to: "expire_date", unit: "date" },
    requiredQuery: { start_date: "2000-01-01", end_date: "2099-12-31" },
  },
  pur_order: bill("scm", "pur_order"),
  pur_inbound: bill("scm", "pur_inbound"),
  // UNCONFIRMED: the unit of begin_time/expire_time is not documented; ms like the other filters.
  pur_invoice: { ...bill("scm", "pur_invoice"), timeFilter: { from: "begin_time", to: "expire_time", unit: "ms" } },
  ap_credit: bill("arap", "ap_credit"),
  ar_credit: bill("arap", "ar_credit"),
  voucher: { ...bill("fi", "voucher"), numberField: "number" },
  inventory: {
    listPath: "/jdy/v2/scm/inventory",
    key: ["material_id", "stock_id", "sp_id", "aux_prop_id", "batch_no"],
    timeFilter: modifyMs,
    paginated: true,
    maxPageSize: 100,
  },
  inventory_stock: {
    listPath: "/jdy/v2/scm/inventory_stock",
    key: ["inv_stock_id"],
    timeFilter: null,
    paginated: false,
    maxPageSize: Number.POSITIVE_INFINITY,
  },
} as const satisfies Record<string, ResourceSpec>;

export type ResourceName = keyof typeof resources;
export const resourceNames = Object.keys(resources) as ResourceName[];

/** Row and detail types per resource; resources the product does not read stay open records. */
export interface ResourceTypes {
  customer: { row: CustomerRow; detail: CustomerDetail };
  supplier: { row: KingdeeRow; detail: KingdeeRow };
  material: { row: KingdeeRow; detail: KingdeeRow };
  sal_order: { row: SalOrderRow; detail: SalOrderDetail };
  sal_out_bound: { row: SalOutBoundRow; detail: SalOutBoundDetail };
  sal_invoice: { row: KingdeeRow; detail: KingdeeRow };
  pur_order: { row: KingdeeRow; detail: KingdeeRow };
  pur_inbound: { row: KingdeeRow; detail: KingdeeRow };
  pur_invoice: { row: KingdeeRow; detail: KingdeeRow };
  ap_credit: { row: KingdeeRow; detail: KingdeeRow };
  ar_credit: { row: ArCreditRow; detail: ArCreditDetail };
  voucher: { row: KingdeeRow; detail: KingdeeRow };
  inventory: { row: KingdeeRow; detail: never };
  inventory_stock: { row: KingdeeRow; detail: never };
}

/** The row's key as one string (composite keys joined with `|`). */
export function rowKey(spec: ResourceSpec, row: KingdeeRow): string {
  return spec.key.map((field) => String(row[field] ?? "")).join("|");
}
