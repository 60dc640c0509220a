import type { Sequelize } from "sequelize";
import type { ConnectionKind } from "../connections/kinds/index.js";
import type { Projection } from "../projections/index.js";

/** One record as the source sends it (a list row or a detail document). */
export type SourceRow = Record<string, unknown>;

/**
 * A synced stream, declared once by its connector. The engine owns what every stream shares:
 * paging, checkpoints, versions, details for changed rows only, the failure ledger, delete
 * reconcile; the declaration says only what is the stream's own.
 */
export interface StreamDeclaration {
  name: string;
  /** Fields that identify a record (a composite key is joined with `|`). */
  primaryKey: readonly string[];
  /** The field the source can filter changes by; null: the stream is only ever paged in full. */
  cursorField: string | null;
  /** An incremental window starts this long before the watermark: a row edited at the boundary is never lost. */
  lookbackMs: number;
  /** `full`: page through everything each run (also catches edits a cursor filter misses, and deletions). */
  mode: "full" | "incremental";
  pageSize: number;
  /** Fetch each record's detail when its list row changed (documents whose entries matter). */
  detail: boolean;
  /** Business tables derived from the stored records, updated in the page's transaction. */
  project?: Projection;
  /** Derived data computed once after the stream's pages (e.g. statements touched by many pages). */
  finalize?: (sequelize: Sequelize, tenantId: string) => Promise<unknown>;
  /**
   * An SQL condition on `r` (a `source_record` row) under which a record is never soft-deleted,
   * however long the source stops listing it (e.g. a delivery its customer signed).
   */
  keepWhenMissing?: string;
}

/** A job: the streams one scheduled run syncs, in order. */
export interface JobDeclaration {
  streams: readonly string[];
}

/** One outside system: its streams, its jobs, and how to reach it through its client. */
export interface Connector<Client, StreamName extends string = string, JobName extends string = string> {
  /** The connection kind whose connections it reads through. */
  kind: ConnectionKind;
  streams: Readonly<Record<StreamName, StreamDeclaration>>;
  jobs: Readonly<Record<JobName, JobDeclaration>>;
  source(client: Client): Source;
}

export interface SourceWindow {
  /** Inclusive lower bound on the cursor field. */
  from?: Date;
  /** Upper bound on the cursor field. */
  to?: Date;
}

export interface ListRequest {
  /** 1-based page to start at: a resumed run continues at its checkpoint. */
  startPage: number;
  window: SourceWindow;
  signal: AbortSignal;
}

export interface SourcePage {
  /** This page's number: the checkpoint after it is `page + 1`. */
  page: number;
  /** Rows in the whole result set as the source reports it; a change while paging means offsets drifted. */
  count: number;
  rows: SourceRow[];
}

/**
 * How the engine must treat a failure:
 * - `retryable`: a later attempt may succeed (the client's own retries are spent); the record goes to the ledger.
 * - `record`: this record cannot be read now (bad id, bad data); the record goes to the ledger.
 * - `fatal`: no record of the stream can be read (credentials, permissions); the stream stops.
 */
export type FailureKind = "retryable" | "record" | "fatal";

export interface ClassifiedFailure {
  kind: FailureKind;
  /** For the run and the ledger: category, message, request id; never credentials. */
  message: string;
}

/** The port a connector implements over its system's SDK; the engine never names an SDK. */
export interface Source {
  /** The stream's pages from `startPage` on, in order, within the window. */
  pages(stream: StreamDeclaration, request: ListRequest): AsyncIterable<SourcePage>;
  /** One record's detail document (only called for streams declared with `detail`). */
  detail(stream: StreamDeclaration, recordId: string, signal: AbortSignal): Promise<SourceRow>;
  /** The record's key (its primary key fields as one string). */
  keyOf(stream: StreamDeclaration, row: SourceRow): string;
  /** The record's cursor value (its change time), if it carries one. */
  cursorOf(stream: StreamDeclaration, row: SourceRow): Date | undefined;
  classify(error: unknown): ClassifiedFailure;
}
