import type { Sql } from "../db/sql.js";

/** What a projection writes with: the page's transaction (a hot path: see `db/sql.ts`). */
export interface ProjectionContext {
  sql: Sql;
  tenantId: string;
}

/** A stored source document handed to a projection. */
export interface ProjectedDocument {
  bizId: string;
  data: Record<string, unknown>;
}

export interface RecordFailure {
  bizId: string;
  reason: string;
}

/**
 * Derives business rows from changed documents inside the page's transaction. Documents that
 * cannot be projected (bad data) are returned as failures for the ledger; the rest are written.
 */
export type Projection = (ctx: ProjectionContext, documents: ProjectedDocument[]) => Promise<RecordFailure[]>;
