import { QueryTypes, type Sequelize, type Transaction } from "sequelize";

export interface RawVersionInput {
  /** The ERP's document id. */
  bizId: string;
  /** The document as received (stored as JSONB). */
  data: unknown;
  /** sha256 hex (lowercase, 64 chars) of the canonical JSON. */
  hash: string;
  /** The source's modify time, if known. */
  modifyTime?: Date | string | null;
  /**
   * For documents stored from a detail call: sha256 of the list row they were listed with, so a
   * later sync skips the detail call while the list row is unchanged.
   */
  listHash?: string | null;
}

export type RawVersionOutcome = "inserted" | "updated" | "unchanged";

export interface RawVersionResult {
  bizId: string;
  outcome: RawVersionOutcome;
}

const HASH_RE = /^[0-9a-f]{64}$/;

/**
 * Statement 1: $1 tenant, $2 biz type, $3 biz ids, $4 hashes, $5 list hashes → rows (biz_id,
 * changed) that exist. An unchanged document listed with a new list row keeps its version and
 * gets the new list hash.
 */
export const FLIP_CHANGED_SQL = `WITH input AS (
       SELECT * FROM unnest($3::text[], $4::text[], $5::text[]) AS i(biz_id, hash, list_hash)
     ),
     cur AS (
       -- one index probe per input row (LIMIT keeps it a nested loop whatever the table
       -- statistics say, e.g. before the first ANALYZE of a fresh tenant)
       SELECT k.id, i.biz_id, k.hash <> i.hash AS changed,
              k.hash = i.hash AND i.list_hash IS NOT NULL AND k.list_hash IS DISTINCT FROM i.list_hash AS relisted,
              i.list_hash
         FROM input i
        CROSS JOIN LATERAL (
          SELECT id, hash, list_hash FROM kingdee_raw
           WHERE tenant_id = $1 AND biz_type = $2 AND biz_id = i.biz_id AND is_current
           LIMIT 1
        ) k
     ),
     flipped AS (
       UPDATE kingdee_raw SET is_current = false
        WHERE id = ANY(ARRAY(SELECT id FROM cur WHERE changed)) -- primary-key probes
       RETURNING id
     ),
     relisted AS (
       UPDATE kingdee_raw k SET list_hash = (SELECT c.list_hash FROM cur c WHERE c.id = k.id)
        WHERE k.id = ANY(ARRAY(SELECT id FROM cur WHERE relisted)) -- primary-key probes
       RETURNING k.id
     )
     SELECT c.biz_id, c.changed FROM cur c`;

/** Statement 2: $1 tenant, $2 biz type, $3 JSON array of rows, $4 sync run id. */
export const INSERT_VERSIONS_SQL = `INSERT INTO kingdee_raw (tenant_id, biz_type, biz_id, data, hash, list_hash, modify_time, sync_run_id, is_current, pulled_at)
       SELECT $1, $2, r.biz_id, COALESCE(r.data, 'null'::jsonb), r.hash, r.list_hash, r.modify_time, $4, true, now()
         FROM jsonb_to_recordset($3::jsonb) AS r(biz_id text, data jsonb, hash text, list_hash text, modify_time timestamptz)
       ON CONFLICT (tenant_id, biz_type, biz_id) WHERE is_current DO NOTHING
       RETURNING biz_id`;

/**
 * Writes a page of raw documents, versioned by content hash, in at most two statements:
 *  1. flip `is_current` off where the stored current hash differs, and report which documents
 *     exist (unchanged / updated);
 *  2. insert a new current version for changed and new documents only.
 * Returns one outcome per input row, in input order. `bizId`s must be unique within a call.
 * Run inside the page's transaction (with its checkpoint) and under the job lock.
 */
export async function upsertRawVersions(
  transaction: Transaction,
  tenantId: string,
  bizType: string,
  rows: readonly RawVersionInput[],
  syncRunId: string | null,
): Promise<RawVersionResult[]> {
  if (rows.length === 0) return [];
  const seen = new Set<string>();
  for (const [i, row] of rows.entries()) {
    if (typeof row.bizId !== "string" || row.bizId === "") {
      throw new TypeError(`upsertRawVersions: row ${i} has no bizId`);
    }
    if (seen.has(row.bizId)) {
      throw new TypeError(`upsertRawVersions: bizId ${row.bizId} appears twice in one call (${bizType}); dedupe the page first`);
    }
    seen.add(row.bizId);
    if (!HASH_RE.test(row.hash)) {
      throw new TypeError(`upsertRawVersions: row ${row.bizId} hash must be 64 lowercase hex chars (sha256)`);
    }
  }
  const sequelize = (transaction as unknown as { sequelize: Sequelize }).sequelize;

  // 1. Flip changed rows and learn which documents exist.
  const existing = await sequelize.query<{ biz_id: string; changed: boolean }>(
    FLIP_CHANGED_SQL,
    {
      bind: [tenantId, bizType, rows.map((r) => r.bizId), rows.map((r) => r.hash), rows.map((r) => r.listHash ?? null)],
      type: QueryTypes.SELECT,
      transaction,
    },
  );
  const outcome = new Map<string, RawVersionOutcome>();
  for (const e of existing) outcome.set(e.biz_id, e.changed ? "updated" : "unchanged");

  // 2. Insert new versions for new and changed documents.
  const toInsert = rows.filter((r) => outcome.get(r.bizId) !== "unchanged");
  if (toInsert.length > 0) {
    const payload = JSON.stringify(
      toInsert.map((r) => ({
        biz_id: r.bizId,
        data: r.data ?? null,
        hash: r.hash,
        list_hash: r.listHash ?? null,
        modify_time: r.modifyTime == null ? null : new Date(r.modifyTime).toISOString(),
      })),
    );
    const inserted = await sequelize.query<{ biz_id: string }>(
      INSERT_VERSIONS_SQL,
      { bind: [tenantId, bizType, payload, syncRunId], type: QueryTypes.SELECT, transaction },
    );
    if (inserted.length !== toInsert.length) {
      const got = new Set(inserted.map((r) => r.biz_id));
      const lost = toInsert.filter((r) => !got.has(r.bizId)).map((r) => r.bizId);
      throw new Error(
        `upsertRawVersions: concurrent write to ${bizType} ${lost.slice(0, 5).join(", ")}${lost.length > 5 ? ", …" : ""}; is the job lock held?`,
      );
    }
    for (const r of toInsert) if (!outcome.has(r.bizId)) outcome.set(r.bizId, "inserted");
  }
  return rows.map((r) => ({ bizId: r.bizId, outcome: outcome.get(r.bizId) ?? "inserted" }));
}
