import type { Sql } from "../db/sql.js";

export interface RecordVersionInput {
  /** The source's record id (text, whatever the source uses). */
  recordId: string;
  /** The record as received (stored as JSONB). */
  data: unknown;
  /** sha256 hex (lowercase, 64 chars) of the canonical JSON. */
  hash: string;
  /** The source's cursor value (change time), if known. */
  cursorValue?: Date | string | null;
  /**
   * For records stored from a detail call: sha256 of the list row they were listed with, so a
   * later sync skips the detail call while the list row is unchanged.
   */
  listHash?: string | null;
}

export type RecordVersionOutcome = "inserted" | "updated" | "unchanged";

export interface RecordVersionResult {
  recordId: string;
  outcome: RecordVersionOutcome;
}

/** Whose records: one stream of one connection (the tenant is kept for tenant-scoped readers). */
export interface RecordScope {
  connectionId: string;
  tenantId: string;
  stream: string;
}

const HASH_RE = /^[0-9a-f]{64}$/;

/**
 * Statement 1: $1 connection, $2 stream, $3 record ids, $4 hashes, $5 list hashes → rows (record_id,
 * changed, version) that exist. An unchanged record listed with a new list row keeps its version and
 * gets the new list hash. A record that was soft-deleted and is listed again is alive again.
 */
export const flipChanged = `WITH input AS (
       SELECT * FROM unnest($3::text[], $4::text[], $5::text[]) AS i(record_id, hash, list_hash)
     ),
     cur AS (
       -- one index probe per input row (LIMIT keeps it a nested loop whatever the table
       -- statistics say, e.g. before the first ANALYZE of a fresh tenant)
       SELECT k.id, i.record_id, k.hash <> i.hash AS changed, k.version,
              k.hash = i.hash AND (i.list_hash IS NOT NULL AND k.list_hash IS DISTINCT FROM i.list_hash OR k.deleted_at IS NOT NULL) AS touched,
              COALESCE(i.list_hash, k.list_hash) AS list_hash
         FROM input i
        CROSS JOIN LATERAL (
          SELECT id, hash, list_hash, version, deleted_at FROM source_record
           WHERE connection_id = $1 AND stream = $2 AND record_id = i.record_id AND is_current
           LIMIT 1
        ) k
     ),
     flipped AS (
       UPDATE source_record SET is_current = false
        WHERE id = ANY(ARRAY(SELECT id FROM cur WHERE changed)) -- primary-key probes
       RETURNING id
     ),
     touched AS (
       UPDATE source_record k SET list_hash = (SELECT c.list_hash FROM cur c WHERE c.id = k.id), deleted_at = NULL
        WHERE k.id = ANY(ARRAY(SELECT id FROM cur WHERE touched)) -- primary-key probes
       RETURNING k.id
     )
     SELECT c.record_id, c.changed, c.version FROM cur c`;

/** Statement 2: $1 connection, $2 stream, $3 JSON array of rows, $4 sync run id, $5 tenant. */
const insertVersions = `INSERT INTO source_record
         (connection_id, tenant_id, stream, record_id, version, data, hash, list_hash, cursor_value, sync_run_id, is_current, pulled_at, seen_at)
       SELECT $1, $5, $2, r.record_id, r.version, COALESCE(r.data, 'null'::jsonb), r.hash, r.list_hash, r.cursor_value, $4, true, now(), now()
         FROM jsonb_to_recordset($3::jsonb) AS r(record_id text, version int, data jsonb, hash text, list_hash text, cursor_value timestamptz)
       ON CONFLICT (connection_id, stream, record_id) WHERE is_current DO NOTHING
       RETURNING record_id`;

/**
 * Writes a page of raw records, versioned by content hash, in at most two statements:
 *  1. flip `is_current` off where the stored current hash differs, and report which records
 *     exist (unchanged / updated);
 *  2. insert a new current version (the next version number) for changed and new records only.
 * Returns one outcome per input row, in input order. `recordId`s must be unique within a call.
 * Run on the page's transaction (with its checkpoint) and under the job lock.
 */
export async function upsertRecordVersions(
  sql: Sql,
  scope: RecordScope,
  rows: readonly RecordVersionInput[],
  syncRunId: string | null,
): Promise<RecordVersionResult[]> {
  if (rows.length === 0) return [];
  const seen = new Set<string>();
  for (const [i, row] of rows.entries()) {
    if (typeof row.recordId !== "string" || row.recordId === "") {
      throw new TypeError(`upsertRecordVersions: row ${i} has no recordId`);
    }
    if (seen.has(row.recordId)) {
      throw new TypeError(`upsertRecordVersions: recordId ${row.recordId} appears twice in one call (${scope.stream}); dedupe the page first`);
    }
    seen.add(row.recordId);
    if (!HASH_RE.test(row.hash)) {
      throw new TypeError(`upsertRecordVersions: row ${row.recordId} hash must be 64 lowercase hex chars (sha256)`);
    }
  }
  // 1. Flip changed rows and learn which records exist.
  const existing = await sql<{ record_id: string; changed: boolean; version: number }>(flipChanged, [
    scope.connectionId, scope.stream, rows.map((r) => r.recordId), rows.map((r) => r.hash), rows.map((r) => r.listHash ?? null),
  ]);
  const outcome = new Map<string, RecordVersionOutcome>();
  const previousVersion = new Map<string, number>();
  for (const e of existing) {
    outcome.set(e.record_id, e.changed ? "updated" : "unchanged");
    previousVersion.set(e.record_id, e.version);
  }

  // 2. Insert new versions for new and changed records.
  const toInsert = rows.filter((r) => outcome.get(r.recordId) !== "unchanged");
  if (toInsert.length > 0) {
    const payload = JSON.stringify(
      toInsert.map((r) => ({
        record_id: r.recordId,
        version: (previousVersion.get(r.recordId) ?? 0) + 1,
        data: r.data ?? null,
        hash: r.hash,
        list_hash: r.listHash ?? null,
        cursor_value: r.cursorValue == null ? null : new Date(r.cursorValue).toISOString(),
      })),
    );
    const inserted = await sql<{ record_id: string }>(insertVersions, [scope.connectionId, scope.stream, payload, syncRunId, scope.tenantId]);
    if (inserted.length !== toInsert.length) {
      const got = new Set(inserted.map((r) => r.record_id));
      const lost = toInsert.filter((r) => !got.has(r.recordId)).map((r) => r.recordId);
      throw new Error(
        `upsertRecordVersions: concurrent write to ${scope.stream} ${lost.slice(0, 5).join(", ")}${lost.length > 5 ? ", …" : ""}; is the job lock held?`,
      );
    }
    for (const r of toInsert) if (!outcome.has(r.recordId)) outcome.set(r.recordId, "inserted");
  }
  return rows.map((r) => ({ recordId: r.recordId, outcome: outcome.get(r.recordId) ?? "inserted" }));
}

const markListed = `UPDATE source_record SET seen_at = now(), deleted_at = NULL
      WHERE id = ANY(ARRAY(
        SELECT k.id FROM unnest($3::text[]) AS i(record_id)
         CROSS JOIN LATERAL (
           SELECT id FROM source_record WHERE connection_id = $1 AND stream = $2 AND record_id = i.record_id AND is_current LIMIT 1
         ) k))`;

/** Marks records as listed by the current full pass (the delete reconcile's evidence); revives soft-deleted ones. */
export async function markSeen(sql: Sql, scope: RecordScope, recordIds: readonly string[]): Promise<void> {
  if (recordIds.length === 0) return;
  await sql(markListed, [scope.connectionId, scope.stream, recordIds]);
}
