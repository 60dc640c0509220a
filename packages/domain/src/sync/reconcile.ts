import { QueryTypes, type Sequelize } from "sequelize";
import type { RecordScope } from "./record-store.js";

export interface ReconcileOptions {
  /** When the completed full pass started: a current record not listed since then is missing. */
  passStartedAt: string;
  /** Refuse when this share (0–1) of the stream's live records or more would vanish. */
  maxShare: number;
  /** SQL condition on `r` under which a missing record is kept (see `StreamDeclaration.keepWhenMissing`). */
  keepWhenMissing: string | undefined;
  runId: string;
}

export type ReconcileOutcome =
  | { kind: "deleted"; deleted: number; kept: number }
  | { kind: "refused"; missing: number; live: number };

/**
 * Guarded delete reconcile (field lesson 8: a source that answers short pages for a while must
 * not wipe our copy). Runs only after a completed full pass; soft-deletes (`deleted_at`) current
 * records the pass did not list, unless that would be `maxShare` of the live records or more, in
 * which case nothing is marked and the caller warns. Records under `keepWhenMissing` stay.
 */
export async function reconcileDeletes(sequelize: Sequelize, scope: RecordScope, options: ReconcileOptions): Promise<ReconcileOutcome> {
  const missingWhere = `r.connection_id = $1 AND r.stream = $2 AND r.is_current AND r.deleted_at IS NULL AND (r.seen_at IS NULL OR r.seen_at < $3)`;
  return sequelize.transaction(async (transaction) => {
    const [counts] = await sequelize.query<{ live: string; missing: string }>(
      `SELECT count(*) AS live, count(*) FILTER (WHERE r.seen_at IS NULL OR r.seen_at < $3) AS missing
         FROM source_record r WHERE r.connection_id = $1 AND r.stream = $2 AND r.is_current AND r.deleted_at IS NULL`,
      { bind: [scope.connectionId, scope.stream, options.passStartedAt], type: QueryTypes.SELECT, transaction },
    );
    const live = Number(counts?.live ?? 0);
    const missing = Number(counts?.missing ?? 0);
    if (missing === 0) return { kind: "deleted", deleted: 0, kept: 0 };
    if (missing / live >= options.maxShare) return { kind: "refused", missing, live };
    const keep = options.keepWhenMissing ? `AND NOT (${options.keepWhenMissing})` : "";
    const [, deleted] = (await sequelize.query(`UPDATE source_record r SET deleted_at = now() WHERE ${missingWhere} ${keep}`, {
      bind: [scope.connectionId, scope.stream, options.passStartedAt],
      type: QueryTypes.UPDATE,
      transaction,
    })) as unknown as [unknown, number];
    await sequelize.query(`UPDATE sync_run SET deleted_count = deleted_count + $2, updated_at = now() WHERE id = $1`, {
      bind: [options.runId, deleted],
      transaction,
    });
    return { kind: "deleted", deleted, kept: missing - deleted };
  });
}
