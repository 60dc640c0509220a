import { type ResourceName, type ResourceSpec, resources } from "@erpbridge/kingdee-sdk";
import type { Projection } from "../projections/index.js";
import type { Sequelize } from "sequelize";
import { projectCustomers, projectDeliveries, projectReceipts, refreshStaleStatements } from "../projections/index.js";

/**
 * A synced Kingdee resource, declared once: the engine does paging, checkpoints, dedupe, details
 * and the failure ledger for every stream the same way.
 */
export interface Stream {
  resource: ResourceName;
  spec: ResourceSpec;
  /** Fetch `*_detail` for rows whose list data changed (documents whose entries matter). */
  detail: boolean;
  pageSize: number;
  /** Business tables derived from the stored documents, updated in the page's transaction. */
  project?: Projection;
  /** Derived data computed once per run after the pages (e.g. statements touched by many pages). */
  finalize?: (sequelize: Sequelize, tenantId: string) => Promise<unknown>;
}

const stream = (resource: ResourceName, options: Pick<Stream, "project" | "finalize"> & { detail?: boolean } = {}): Stream => {
  const spec: ResourceSpec = resources[resource];
  return {
    resource,
    spec,
    detail: (options.detail ?? false) && spec.detailPath !== undefined,
    pageSize: Math.min(100, spec.maxPageSize),
    project: options.project,
    finalize: options.finalize,
  };
};

export const streams = {
  customer: stream("customer", { detail: true, project: projectCustomers }),
  supplier: stream("supplier"),
  material: stream("material"),
  inventory: stream("inventory"),
  sal_order: stream("sal_order", { detail: true }),
  sal_out_bound: stream("sal_out_bound", { detail: true, project: projectDeliveries, finalize: refreshStaleStatements }),
  sal_invoice: stream("sal_invoice"),
  ar_credit: stream("ar_credit", { project: projectReceipts, finalize: refreshStaleStatements }),
  ap_credit: stream("ap_credit"),
} satisfies Partial<Record<ResourceName, Stream>>;

export type StreamName = keyof typeof streams;

export interface SyncJobSpec {
  /** `full`: page through everything each run (also catches edits the modify filter misses). */
  mode: "full" | "incremental";
  streams: readonly StreamName[];
}

/** The scheduled jobs: which streams each syncs, and how. */
export const syncJobs = {
  master_data_full: { mode: "full", streams: ["customer", "supplier", "material", "inventory"] },
  documents_incremental: {
    mode: "incremental",
    streams: ["sal_order", "sal_out_bound", "sal_invoice", "ar_credit", "ap_credit"],
  },
} as const satisfies Record<string, SyncJobSpec>;

export type SyncJobName = keyof typeof syncJobs;
export const syncJobNames = Object.keys(syncJobs) as SyncJobName[];

export const isStreamName = (name: string): name is StreamName => Object.hasOwn(streams, name);
export const isSyncJobName = (name: string): name is SyncJobName => Object.hasOwn(syncJobs, name);

/** The job a stream belongs to (a single-resource run takes that job's lock). */
export function jobOfStream(name: StreamName): SyncJobName {
  const job = syncJobNames.find((job) => (syncJobs[job].streams as readonly string[]).includes(name));
  if (!job) throw new Error(`stream ${name} belongs to no job`);
  return job;
}
