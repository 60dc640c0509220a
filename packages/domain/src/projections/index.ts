import type { Sequelize, Transaction } from "sequelize";

export interface ProjectionContext {
  sequelize: Sequelize;
  transaction: Transaction;
  tenantId: string;
}

/** A stored Kingdee document handed to a projection. */
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

export { markStatementsStale, refreshStaleStatements, refreshStatements } from "./statements.js";
