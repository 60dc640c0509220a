import { type KingdeeClient, KingdeeError, rowKey } from "@erpbridge/kingdee-sdk";
import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { upsertRawVersions } from "../kingdee/raw-versions.js";
import type { RecordFailure } from "../projections/index.js";
import { contentHash } from "./canonical.js";
import { kingdeeTime } from "./kingdee-values.js";
import { openFailures, recordFailures, resolveFailures } from "./ledger.js";
import type { Stream } from "./streams.js";

/** Where a stream stands, kept in `sync_job.last_cursor[resource]`. */
export interface StreamCursor {
  /** Highest source modify time fully synced (ISO, UTC). */
  watermark?: string;
  /** The window being paged, committed with every page so a crash resumes at the next one. */
  window?: SyncWindow;
}

export interface SyncWindow {
  from?: string;
  to?: string;
  nextPage: number;
  /** Highest modify time seen so far in this window. */
  maxModify?: string;
  /** Row count the gateway reported on the first page; a change means offsets drifted. */
  count?: number;
  rereads?: number;
}

export interface PageCounts {
  fetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  failed: number;
}

export interface StreamRunContext {
  sequelize: Sequelize;
  kingdee: KingdeeClient;
  tenantId: string;
  /** The job whose `sync_job.last_cursor` holds this stream's cursor. */
  jobName: string;
  runId: string;
  /** Re-read this much before the watermark: a row edited at the boundary is never lost. */
  overlapMs: number;
  detailConcurrency: number;
  warn: (message: string) => void;
  onPage: (counts: PageCounts) => void;
  /** Set when the service is shutting down: the current page commits, then the stream stops. */
  stopping: () => boolean;
}

export class SyncStoppedError extends Error {
  constructor(resource: string, nextPage: number) {
    super(`stopped by shutdown; ${resource} resumes at page ${nextPage}`);
  }
}

interface Version {
  bizId: string;
  data: Record<string, unknown>;
  hash: string;
  listHash: string | null;
  modifyTime: Date | undefined;
}

const maxIso = (a: string | undefined, b: Date | undefined) =>
  b && (!a || b.toISOString() > a) ? b.toISOString() : a;

const reason = (error: unknown) =>
  error instanceof KingdeeError
    ? `${error.category}: ${error.message}${error.requestId ? ` (request ${error.requestId})` : ""}`
    : error instanceof Error
      ? error.message
      : String(error);

/** Runs `fn` over items with at most `limit` in flight; results keep input order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The one sync loop. Pages a stream through a fixed window, fetches details only for rows whose
 * list data changed, and commits each page's versions, projections, ledger entries, counts and
 * checkpoint in one transaction.
 */
export class StreamSync {
  constructor(
    private readonly ctx: StreamRunContext,
    private readonly stream: Stream,
  ) {}

  /** Documents that failed before get another chance first; they never hold back the cursor. */
  async retryLedger(): Promise<void> {
    const { ctx, stream } = this;
    const ids = await openFailures(ctx.sequelize, ctx.tenantId, stream.resource);
    if (ids.length === 0) return;
    const failures: RecordFailure[] = [];
    let versions: Version[];
    if (stream.detail) {
      const fetched = await mapLimit(ids, ctx.detailConcurrency, (bizId) => this.#detail(bizId, null, undefined, failures));
      versions = fetched.filter((v): v is Version => v !== undefined);
    } else {
      // List-only documents failed in projection: project the stored version again.
      const stored = await ctx.sequelize.query<{ biz_id: string; data: Record<string, unknown>; hash: string; modify_time: Date | null }>(
        `SELECT biz_id, data, hash, modify_time FROM kingdee_raw
          WHERE tenant_id = $1 AND biz_type = $2 AND biz_id = ANY($3::text[]) AND is_current`,
        { bind: [ctx.tenantId, stream.resource, ids], type: QueryTypes.SELECT },
      );
      versions = stored.map((r) => ({ bizId: r.biz_id, data: r.data, hash: r.hash, listHash: null, modifyTime: r.modify_time ?? undefined }));
    }
    await this.#commit(versions, 0, 0, failures, { projectAll: true, cursor: undefined });
  }

  /** Pages the window (resuming a committed checkpoint) and advances the watermark when done. */
  async run(options: { mode: "full" | "incremental"; range?: { from?: Date; to?: Date } }): Promise<void> {
    const { ctx, stream } = this;
    const cursor = await this.#loadCursor();
    const canFilter = stream.spec.timeFilter !== null;
    let window: SyncWindow;
    if (options.range) {
      if (!canFilter) ctx.warn(`${stream.resource}: no modify-time filter, the time range is ignored (full paging)`);
      window = {
        nextPage: 1,
        ...(canFilter && options.range.from ? { from: options.range.from.toISOString() } : {}),
        ...(canFilter && options.range.to ? { to: options.range.to.toISOString() } : {}),
      };
    } else if (cursor.window) {
      window = cursor.window;
      ctx.warn(`${stream.resource}: resumed an interrupted window at page ${window.nextPage}`);
    } else if (options.mode === "full" || !canFilter) {
      if (options.mode === "incremental") ctx.warn(`${stream.resource}: no incremental filter: full paging`);
      window = { nextPage: 1 };
    } else {
      const from = cursor.watermark ? new Date(Date.parse(cursor.watermark) - ctx.overlapMs).toISOString() : undefined;
      window = { nextPage: 1, to: new Date().toISOString(), ...(from ? { from } : {}) };
    }

    for (;;) {
      const drifted = await this.#pageWindow(window, options.range ? undefined : cursor);
      if (!drifted || (window.rereads ?? 0) >= 1) break;
      ctx.warn(`${stream.resource}: the result set changed while paging; the window was read again`);
      window = { ...window, nextPage: 1, rereads: (window.rereads ?? 0) + 1 };
      delete window.count;
    }

    // A manual run over an explicit time range re-reads history; it never moves the cursor.
    if (!options.range) {
      let watermark = window.maxModify ?? cursor.watermark;
      if (!window.maxModify && window.to && (window.count ?? 0) > 0) {
        ctx.warn(`${stream.resource}: rows carry no modify time; watermark taken from the window end`);
        watermark = window.to;
      }
      const done: StreamCursor = watermark ? { watermark: maxIso(cursor.watermark, new Date(watermark))! } : {};
      await ctx.sequelize.transaction((t) => this.#saveCursor(done, t));
    }
  }

  async #loadCursor(): Promise<StreamCursor> {
    const [row] = await this.ctx.sequelize.query<{ cursor: StreamCursor | null }>(
      `SELECT last_cursor -> $3 AS cursor FROM sync_job WHERE tenant_id = $1 AND job_name = $2`,
      { bind: [this.ctx.tenantId, this.ctx.jobName, this.stream.resource], type: QueryTypes.SELECT },
    );
    return row?.cursor ?? {};
  }

  async #saveCursor(cursor: StreamCursor, transaction: Transaction): Promise<void> {
    await this.ctx.sequelize.query(
      `UPDATE sync_job SET last_cursor = jsonb_set(last_cursor, ARRAY[$3], $4::jsonb), updated_at = now()
        WHERE tenant_id = $1 AND job_name = $2`,
      { bind: [this.ctx.tenantId, this.ctx.jobName, this.stream.resource, JSON.stringify(cursor)], transaction },
    );
  }

  /** Returns true when the result set changed size while it was paged (offsets drifted). */
  async #pageWindow(window: SyncWindow, cursor: StreamCursor | undefined): Promise<boolean> {
    const { ctx, stream } = this;
    let drifted = false;
    const pages = ctx.kingdee.resource(stream.resource).pages({
      pageSize: stream.pageSize,
      startPage: window.nextPage,
      ...(window.from ? { modifiedFrom: new Date(window.from) } : {}),
      ...(window.to ? { modifiedTo: new Date(window.to) } : {}),
    });
    for await (const page of pages) {
      if (window.count === undefined) window.count = page.count;
      else if (page.count !== window.count) drifted = true;
      const failures: RecordFailure[] = [];
      const versions = await this.#versions(page.rows as Record<string, unknown>[], failures);
      window.nextPage = page.page + 1;
      for (const v of versions.fresh) window.maxModify = maxIso(window.maxModify, v.modifyTime);
      for (const t of versions.seenModify) window.maxModify = maxIso(window.maxModify, t);
      await this.#commit(versions.fresh, page.rows.length, versions.unchanged, failures, {
        projectAll: false,
        cursor: cursor && { ...(cursor.watermark ? { watermark: cursor.watermark } : {}), window: { ...window } },
      });
      if (ctx.stopping()) throw new SyncStoppedError(stream.resource, window.nextPage);
    }
    return drifted;
  }

  /** List rows → versions to write. For detail streams, only rows whose list data changed get a detail call. */
  async #versions(rows: Record<string, unknown>[], failures: RecordFailure[]) {
    const { ctx, stream } = this;
    const byKey = new Map<string, Record<string, unknown>>();
    for (const row of rows) byKey.set(rowKey(stream.spec, row), row);
    const listed = [...byKey].map(([bizId, row]) => ({
      bizId,
      row,
      listHash: contentHash(row),
      modifyTime: kingdeeTime(row.modify_time),
    }));
    if (!stream.detail) {
      return {
        fresh: listed.map((l) => ({ bizId: l.bizId, data: l.row, hash: l.listHash, listHash: null, modifyTime: l.modifyTime })),
        unchanged: 0,
        seenModify: [] as Date[],
      };
    }
    // One index probe per id (LIMIT keeps it a nested loop even before the table is analysed).
    const stored = await ctx.sequelize.query<{ biz_id: string; list_hash: string | null }>(
      `SELECT i.biz_id, k.list_hash FROM unnest($3::text[]) AS i(biz_id)
         CROSS JOIN LATERAL (
           SELECT list_hash FROM kingdee_raw
            WHERE tenant_id = $1 AND biz_type = $2 AND biz_id = i.biz_id AND is_current LIMIT 1
         ) k`,
      { bind: [ctx.tenantId, stream.resource, listed.map((l) => l.bizId)], type: QueryTypes.SELECT },
    );
    const storedHash = new Map(stored.map((s) => [s.biz_id, s.list_hash]));
    const changed = listed.filter((l) => storedHash.get(l.bizId) !== l.listHash);
    const unchanged = listed.filter((l) => storedHash.get(l.bizId) === l.listHash);
    const fetched = await mapLimit(changed, ctx.detailConcurrency, (l) => this.#detail(l.bizId, l.listHash, l.modifyTime, failures));
    return {
      fresh: fetched.filter((v): v is Version => v !== undefined),
      unchanged: unchanged.length,
      seenModify: unchanged.map((l) => l.modifyTime).filter((t): t is Date => t !== undefined),
    };
  }

  async #detail(bizId: string, listHash: string | null, listModify: Date | undefined, failures: RecordFailure[]) {
    try {
      const idField = this.stream.spec.key[0]!;
      const data = (await this.ctx.kingdee.resource(this.stream.resource).detail({ [idField]: bizId } as { id: string })) as Record<string, unknown>;
      if (!data || typeof data !== "object") throw new Error("detail answered without a document");
      return { bizId, data, hash: contentHash(data), listHash, modifyTime: kingdeeTime(data.modify_time) ?? listModify };
    } catch (error) {
      failures.push({ bizId, reason: `detail: ${reason(error)}` });
      return undefined;
    }
  }

  async #commit(
    versions: Version[],
    fetched: number,
    unchangedWithoutWrite: number,
    failures: RecordFailure[],
    /** The checkpoint to commit with the page; undefined when this page must not move the cursor. */
    options: { projectAll: boolean; cursor: StreamCursor | undefined },
  ): Promise<void> {
    const { ctx, stream } = this;
    const counts: PageCounts = { fetched, inserted: 0, updated: 0, unchanged: unchangedWithoutWrite, failed: 0 };
    await ctx.sequelize.transaction(async (transaction) => {
      const results = await upsertRawVersions(transaction, ctx.tenantId, stream.resource, versions, ctx.runId);
      const outcome = new Map(results.map((r) => [r.bizId, r.outcome]));
      for (const r of results) counts[r.outcome]++;
      const toProject = versions.filter((v) => options.projectAll || outcome.get(v.bizId) !== "unchanged");
      const projectionFailures = stream.project && toProject.length
        ? await stream.project({ sequelize: ctx.sequelize, transaction, tenantId: ctx.tenantId }, toProject)
        : [];
      const allFailures = [...failures, ...projectionFailures];
      counts.failed = allFailures.length;
      const failed = new Set(allFailures.map((f) => f.bizId));
      const scope = { sequelize: ctx.sequelize, transaction, tenantId: ctx.tenantId, bizType: stream.resource, runId: ctx.runId };
      await recordFailures(scope, allFailures);
      await resolveFailures(scope, versions.map((v) => v.bizId).filter((id) => !failed.has(id)));
      await ctx.sequelize.query(
        `UPDATE sync_run SET fetched_count = fetched_count + $2, inserted_count = inserted_count + $3,
                updated_count = updated_count + $4, unchanged_count = unchanged_count + $5,
                failed_count = failed_count + $6, updated_at = now()
          WHERE id = $1`,
        { bind: [ctx.runId, counts.fetched, counts.inserted, counts.updated, counts.unchanged, counts.failed], transaction },
      );
      if (options.cursor) await this.#saveCursor(options.cursor, transaction);
    });
    ctx.onPage(counts);
  }
}
