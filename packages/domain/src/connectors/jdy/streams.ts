import type { KingdeeClient } from "@erpbridge/kingdee-sdk";
import { refreshStaleStatements } from "../../projections/statements.js";
import type { Connector, JobDeclaration, StreamDeclaration } from "../../sync/source.js";
import { projectCustomers } from "./mappers/customers.js";
import { projectDeliveries } from "./mappers/deliveries.js";
import { projectReceipts } from "./mappers/receipts.js";
import { jdySource } from "./source.js";

const PAGE_SIZE = 100; // the gateway's largest page
const LOOKBACK_MS = 15 * 60_000;

type Options = Partial<Omit<StreamDeclaration, "name">>;

/** Master data: read in full every day (edits the modify filter misses, and deletions, are caught). */
const master = (name: string, options: Options = {}): StreamDeclaration => ({
  name,
  primaryKey: ["id"],
  cursorField: "modify_time",
  lookbackMs: LOOKBACK_MS,
  mode: "full",
  pageSize: PAGE_SIZE,
  detail: false,
  ...options,
});

/** Business documents: changes since the watermark every hour. */
const document = (name: string, options: Options = {}): StreamDeclaration => ({
  ...master(name),
  mode: "incremental",
  ...options,
});

/**
 * Every JDY stream, declared here and only here (the SDK knows paths and filters, not what we sync).
 * `sal_invoice` filters by business date only; its window still covers the watermark because a
 * date filter rounds outwards. `inventory_stock` and `pur_invoice`/`voucher` have no detail call
 * worth making (list-only, or the list row is the whole document).
 */
export const jdyStreams = {
  customer: master("customer", { detail: true, project: projectCustomers }),
  supplier: master("supplier"),
  material: master("material"),
  inventory: master("inventory", { primaryKey: ["material_id", "stock_id", "sp_id", "aux_prop_id", "batch_no"] }),
  // No change filter: stock per material and warehouse, read material by material.
  inventory_stock: master("inventory_stock", { primaryKey: ["material_id", "inv_stock_id"], cursorField: null }),
  sal_order: document("sal_order", { detail: true }),
  sal_out_bound: document("sal_out_bound", {
    detail: true,
    project: projectDeliveries,
    finalize: refreshStaleStatements,
    // What a customer signed stays, whatever the ERP later does with the document.
    keepWhenMissing: `EXISTS (SELECT 1 FROM delivery d WHERE d.tenant_id = r.tenant_id AND d.kingdee_id = r.record_id
                         AND (d.status = 'SIGNED' OR EXISTS (SELECT 1 FROM delivery_signoff s WHERE s.delivery_id = d.id)))`,
  }),
  sal_invoice: document("sal_invoice"),
  pur_order: document("pur_order", { detail: true }),
  pur_inbound: document("pur_inbound", { detail: true }),
  pur_invoice: document("pur_invoice"),
  ar_credit: document("ar_credit", { project: projectReceipts, finalize: refreshStaleStatements }),
  ap_credit: document("ap_credit"),
  voucher: document("voucher"),
} as const satisfies Record<string, StreamDeclaration>;

export type JdyStreamName = keyof typeof jdyStreams;

/** The scheduled jobs (seed: master data with inventory daily; orders, stock in/out, invoices, receipts/payments hourly). */
export const jdyJobs = {
  master_data_full: { streams: ["customer", "supplier", "material", "inventory", "inventory_stock"] },
  documents_incremental: {
    streams: ["sal_order", "pur_order", "sal_out_bound", "pur_inbound", "sal_invoice", "pur_invoice", "ar_credit", "ap_credit", "voucher"],
  },
} as const satisfies Record<string, { streams: readonly JdyStreamName[] } & JobDeclaration>;

export type JdyJobName = keyof typeof jdyJobs;
export const jdyJobNames = Object.keys(jdyJobs) as JdyJobName[];

export const jdyConnector: Connector<KingdeeClient, JdyStreamName, JdyJobName> = {
  kind: "kingdee_jdy",
  streams: jdyStreams,
  jobs: jdyJobs,
  source: jdySource,
};
