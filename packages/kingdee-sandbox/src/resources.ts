/** The JDY resources the sandbox serves (same set and paths as the SDK's resources.ts). */
export type SandboxResource =
  | "customer"
  | "supplier"
  | "material"
  | "sal_order"
  | "sal_out_bound"
  | "sal_invoice"
  | "pur_order"
  | "pur_inbound"
  | "pur_invoice"
  | "ap_credit"
  | "ar_credit"
  | "voucher"
  | "inventory"
  | "inventory_stock";

/** How a list endpoint filters by time. */
export type TimeFilterKind = "modify_ms" | "pur_invoice" | "sal_invoice" | "none";

export interface ResourceInfo {
  name: SandboxResource;
  listPath: string;
  detailPath?: string;
  /** Field accepted by `?number=` on the detail endpoint. */
  numberField?: "number" | "bill_no";
  timeFilter: TimeFilterKind;
  /** Counterparty of a bill. */
  party: "customer" | "supplier" | null;
  /** bill_no / number prefix. */
  prefix: string;
  paginated: boolean;
  /** Accepts saves (`POST <listPath>`). */
  savable: boolean;
}

const bill = (
  name: SandboxResource,
  module: string,
  party: "customer" | "supplier",
  prefix: string,
  extra: Partial<ResourceInfo> = {},
): ResourceInfo => ({
  name,
  listPath: `/jdy/v2/${module}/${name}`,
  detailPath: `/jdy/v2/${module}/${name}_detail`,
  numberField: "bill_no",
  timeFilter: "modify_ms",
  party,
  prefix,
  paginated: true,
  savable: true,
  ...extra,
});

const master = (name: SandboxResource, prefix: string): ResourceInfo => ({
  name,
  listPath: `/jdy/v2/bd/${name}`,
  detailPath: `/jdy/v2/bd/${name}_detail`,
  numberField: "number",
  timeFilter: "modify_ms",
  party: null,
  prefix,
  paginated: true,
  savable: true,
});

export const RESOURCES: Record<SandboxResource, ResourceInfo> = {
  customer: master("customer", "KH"),
  supplier: master("supplier", "GYS"),
  material: master("material", "SP"),
  sal_order: bill("sal_order", "scm", "customer", "XSDD"),
  sal_out_bound: bill("sal_out_bound", "scm", "customer", "XSCKD"),
  sal_invoice: bill("sal_invoice", "scm", "customer", "XSFP", {
    listPath: "/jdy/v2/scm/sal_invoice_list",
    detailPath: "/jdy/v2/scm/sal_invoice_detail",
    timeFilter: "sal_invoice",
  }),
  pur_order: bill("pur_order", "scm", "supplier", "CGDD"),
  pur_inbound: bill("pur_inbound", "scm", "supplier", "CGRKD"),
  pur_invoice: bill("pur_invoice", "scm", "supplier", "CGFP", { timeFilter: "pur_invoice" }),
  ap_credit: bill("ap_credit", "arap", "supplier", "FKD"),
  ar_credit: bill("ar_credit", "arap", "customer", "SKD"),
  voucher: {
    name: "voucher",
    listPath: "/jdy/v2/fi/voucher",
    detailPath: "/jdy/v2/fi/voucher_detail",
    numberField: "number",
    timeFilter: "modify_ms",
    party: null,
    prefix: "PZ",
    paginated: true,
    savable: true,
  },
  inventory: {
    name: "inventory",
    listPath: "/jdy/v2/scm/inventory",
    timeFilter: "modify_ms",
    party: null,
    prefix: "",
    paginated: true,
    savable: false,
  },
  inventory_stock: {
    name: "inventory_stock",
    listPath: "/jdy/v2/scm/inventory_stock",
    timeFilter: "none",
    party: null,
    prefix: "",
    paginated: false,
    savable: false,
  },
};

export const RESOURCE_NAMES = Object.keys(RESOURCES) as SandboxResource[];

/** Resources with stored rows (inventory_stock is derived from inventory). */
export type StoredResource = Exclude<SandboxResource, "inventory_stock">;
export const STORED_RESOURCES = RESOURCE_NAMES.filter((r) => r !== "inventory_stock") as StoredResource[];

export const DEFAULT_COUNTS: Record<StoredResource, number> = {
  customer: 40,
  supplier: 15,
  material: 60,
  sal_order: 300,
  sal_out_bound: 1200,
  sal_invoice: 100,
  pur_order: 60,
  pur_inbound: 60,
  pur_invoice: 30,
  ap_credit: 40,
  ar_credit: 200,
  voucher: 50,
  inventory: 120,
};

export type Route = { resource: SandboxResource; kind: "list" | "detail" };

/** Exact path → route. */
export const ROUTES = new Map<string, Route>();
for (const info of Object.values(RESOURCES)) {
  ROUTES.set(info.listPath, { resource: info.name, kind: "list" });
  if (info.detailPath) ROUTES.set(info.detailPath, { resource: info.name, kind: "detail" });
}
