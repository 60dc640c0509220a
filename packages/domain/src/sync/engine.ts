import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { type Sql, transactionSql } from "../db/sql.js";
import type { RecordFailure } from "../projections/index.js";
import { contentHash } from "./canonical.js";
import { openFailures, recordFailures, resolveFailures } from "./ledger.js";
import { reconcileDeletes } from "./reconcile.js";
import { markSeen, type RecordScope, upsertRecordVersions } from "./record-store.js";
import type { Source, SourcePage, SourceRow, StreamDeclaration } from "./source.js";

/** Where a stream stands, kept in `sync_job.last_cursor[stream]`. */
export interface StreamCursor {
  /** Highest source cursor value fully synced (ISO, UTC). */
  watermark?: string;
  /** The window being paged, committed with every page so a crash resumes at the next one. */
  window?: SyncWindow;
}

export interface SyncWindow {
  from?: string;
  to?: string;
  nextPage: number;
  /** Highest cursor value seen so far in this window. */
  maxModify?: string;
  /** Row count the source reported on the first page; a change means offsets drifted. */
  count?: number;
  rereads?: number;
  /** Set on a full pass (no bounds): when it started, by the database's clock (delete reconcile). */
  passStartedAt?: string;
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
  source: Source;
  tenantId: string;
  /** The connection the stream is read through: its records and its job's cursor are keyed by it. */
  connectionId: string;
  /** The job whose `sync_job.last_cursor` (of this connection) holds this stream's cursor. */
  jobName: string;
  runId: string;
  detailConcurrency: number;
  /** The delete reconcile refuses when this share of a stream's records or more would vanish. */
  maxDeleteShare: number;
  warn: (message: string) => void;
  onPage: (counts: PageCounts) => void;
  /** Set when the run must stop: the current page commits, then the stream stops. */
  stopping: () => boolean;
}

export class SyncStoppedError extends Error {
  constructor(stream: string, nextPage: number) {
    super(`stopped by shutdown; ${stream} resumes at page ${nextPage}`);
  }
}

/** The classified failure that ends a stream (credentials, permissions): no record of it can be read. */
export class SourceFatalError extends Error {}

interface Version {
  bizId: string;
  data: SourceRow;
  hash: string;
  listHash: string | null;
  modifyTime: Date | undefined;
}

/** A listed page, ready to commit: built while the previous page commits. */
interface PreparedPage {
  page: SourcePage;
  /** Every key the page listed (the full pass's evidence for the delete reconcile). */
  keys: string[];
  fresh: Version[];
  unchanged: number;
  seenModify: Date[];
  failures: RecordFailure[];
}

const addCounts = `UPDATE sync_run SET fetched_count = fetched_count + $2, inserted_count = inserted_count + $3,
         updated_count = updated_count + $4, unchanged_count = unchanged_count + $5,
         failed_count = failed_count + $6, updated_at = now()
   WHERE id = $1`;
const saveCounts = addCounts;
const saveCursor = `UPDATE sync_job SET last_cursor = jsonb_set(last_cursor, ARRAY[$3], $4::jsonb), updated_at = now()
    WHERE connection_id = $1 AND job_name = $2`;
// $1–$6 the counts as above; $7 connection, $8 job, $9 stream, $10 cursor.
const saveCountsAndCursor = `WITH counted AS (${addCounts})
   UPDATE sync_job SET last_cursor = jsonb_set(last_cursor, ARRAY[$9], $10::jsonb), updated_at = now()
    WHERE connection_id = $7 AND job_name = $8`;

const maxIso = (a: string | undefined, b: Date | undefined) =>
  b && (!a || b.toISOString() > a) ? b.toISOString() : a;

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
 * The one sync loop, for any source. Pages a stream through a fixed window, fetches details only
 * for rows whose list data changed, and commits each page's versions, projections, ledger entries,
 * counts and checkpoint in one transaction. The next page is listed (and its details fetched)
 * while the current one commits; at most two pages are held, however long the run.
 */
export class StreamSync {
  readonly #scope: RecordScope;
  /** Aborted when the stream ends early, so a page being read ahead stops. */
  readonly #abort = new AbortController();
  /** Records open in the failure ledger (read before the run, plus what this run adds): only they need resolving. */
  readonly #openFailures = new Set<string>();

  constructor(
    private readonly ctx: StreamRunContext,
    private readonly stream: StreamDeclaration,
  ) {
    this.#scope = { connectionId: ctx.connectionId, tenantId: ctx.tenantId, stream: stream.name };
  }

  /** Records that failed before get another chance first; they never hold back the cursor. */
  async retryLedger(): Promise<void> {
    const { ctx, stream } = this;
    const ids = await openFailures(ctx.sequelize, ctx.tenantId, stream.name);
    for (const id of ids) this.#openFailures.add(id);
    if (ids.length === 0) return;
    const failures: RecordFailure[] = [];
    let versions: Version[];
    if (stream.detail) {
      const fetched = await mapLimit(ids, ctx.detailConcurrency, (bizId) => this.#detail(bizId, null, undefined, failures));
      versions = fetched.filter((v): v is Version => v !== undefined);
    } else {
      // List-only records failed in projection: project the stored version again.
      const stored = await ctx.sequelize.query<{ record_id: string; data: SourceRow; hash: string; cursor_value: Date | null }>(
        `SELECT record_id, data, hash, cursor_value FROM source_record
          WHERE connection_id = $1 AND stream = $2 AND record_id = ANY($3::text[]) AND is_current`,
        { bind: [ctx.connectionId, stream.name, ids], type: QueryTypes.SELECT },
      );
      versions = stored.map((r) => ({ bizId: r.record_id, data: r.data, hash: r.hash, listHash: null, modifyTime: r.cursor_value ?? undefined }));
    }
    await this.#commit(versions, 0, 0, failures, [], { projectAll: true, cursor: undefined, fullPass: false });
  }

  /** Pages the window (resuming a committed checkpoint), reconciles deletions after a full pass, and advances the watermark. */
  async run(options: { range?: { from?: Date; to?: Date } } = {}): Promise<void> {
    const { ctx, stream } = this;
    const cursor = await this.#loadCursor();
    const canFilter = stream.cursorField !== null;
    let window: SyncWindow;
    if (options.range) {
      if (!canFilter) ctx.warn(`${stream.name}: no cursor filter, the time range is ignored (full paging)`);
      window = {
        nextPage: 1,
        ...(canFilter && options.range.from ? { from: options.range.from.toISOString() } : {}),
        ...(canFilter && options.range.to ? { to: options.range.to.toISOString() } : {}),
      };
    } else if (cursor.window) {
      window = cursor.window;
      ctx.warn(`${stream.name}: resumed an interrupted window at page ${window.nextPage}`);
    } else if (stream.mode === "full" || !canFilter) {
      if (stream.mode === "incremental") ctx.warn(`${stream.name}: no incremental filter: full paging`);
      window = { nextPage: 1, passStartedAt: await this.#databaseNow() };
    } else {
      const from = cursor.watermark ? new Date(Date.parse(cursor.watermark) - stream.lookbackMs).toISOString() : undefined;
      window = { nextPage: 1, to: new Date().toISOString(), ...(from ? { from } : {}) };
    }

    let drifted: boolean;
    for (;;) {
      drifted = await this.#pageWindow(window, options.range ? undefined : cursor);
      if (!drifted || (window.rereads ?? 0) >= 1) break;
      ctx.warn(`${stream.name}: the result set changed while paging; the window was read again`);
      window = { ...window, nextPage: 1, rereads: (window.rereads ?? 0) + 1 };
      delete window.count;
    }

    // Only a pass that read everything, to the end, without offsets drifting, says what is gone.
    if (window.passStartedAt && !options.range) {
      if (drifted) ctx.warn(`${stream.name}: the result set kept changing while paging; no deletions reconciled`);
      else await this.#reconcile(window.passStartedAt);
    }

    // A manual run over an explicit time range re-reads history; it never moves the cursor.
    if (!options.range) {
      let watermark = window.maxModify ?? cursor.watermark;
      if (!window.maxModify && window.to && (window.count ?? 0) > 0) {
        ctx.warn(`${stream.name}: rows carry no cursor value; watermark taken from the window end`);
        watermark = window.to;
      }
      const done: StreamCursor = watermark ? { watermark: maxIso(cursor.watermark, new Date(watermark))! } : {};
      await ctx.sequelize.transaction((t) => this.#saveCursor(done, t));
    }
  }

  async #reconcile(passStartedAt: string): Promise<void> {
    const { ctx, stream } = this;
    const outcome = await reconcileDeletes(ctx.sequelize, this.#scope, {
      passStartedAt,
      maxShare: ctx.maxDeleteShare,
      keepWhenMissing: stream.keepWhenMissing,
      runId: ctx.runId,
    });
    if (outcome.kind === "refused") {
      ctx.warn(
        `${stream.name}: ${outcome.missing} of ${outcome.live} records were not listed by the full pass ` +
          `(≥ ${Math.round(ctx.maxDeleteShare * 100)} %); none marked deleted`,
      );
    }
  }

  async #databaseNow(): Promise<string> {
    const [row] = await this.ctx.sequelize.query<{ now: Date }>(`SELECT now() AS now`, { type: QueryTypes.SELECT });
    return row!.now.toISOString();
  }

  async #loadCursor(): Promise<StreamCursor> {
    const [row] = await this.ctx.sequelize.query<{ cursor: StreamCursor | null }>(
      `SELECT last_cursor -> $3 AS cursor FROM sync_job WHERE connection_id = $1 AND job_name = $2`,
      { bind: [this.ctx.connectionId, this.ctx.jobName, this.stream.name], type: QueryTypes.SELECT },
    );
    return row?.cursor ?? {};
  }

  /** The page's counts on its run, and the stream's checkpoint when the page moves it: one statement. */
  async #saveProgress(sql: Sql, counts: PageCounts, cursor: StreamCursor | undefined): Promise<void> {
    const { ctx } = this;
    const tally = [ctx.runId, counts.fetched, counts.inserted, counts.updated, counts.unchanged, counts.failed];
    if (cursor) await sql(saveCountsAndCursor, [...tally, ctx.connectionId, ctx.jobName, this.stream.name, JSON.stringify(cursor)]);
    else await sql(saveCounts, tally);
  }

  async #saveCursor(cursor: StreamCursor, transaction: Transaction): Promise<void> {
    await transactionSql(transaction)(saveCursor, [this.ctx.connectionId, this.ctx.jobName, this.stream.name, JSON.stringify(cursor)]);
  }

  /** Returns true when the result set changed size while it was paged (offsets drifted). */
  async #pageWindow(window: SyncWindow, cursor: StreamCursor | undefined): Promise<boolean> {
    const { ctx, stream } = this;
    let drifted = false;
    const listed = ctx.source.pages(stream, {
      startPage: window.nextPage,
      window: { ...(window.from ? { from: new Date(window.from) } : {}), ...(window.to ? { to: new Date(window.to) } : {}) },
      signal: this.#abort.signal,
    });
    const pages = listed[Symbol.asyncIterator]();
    const prepare = async (): Promise<PreparedPage | undefined> => {
      const next = await pages.next();
      return next.done ? undefined : this.#prepare(next.value);
    };
    // Settles the page being read ahead before leaving, so no call outlives the stream.
    const leave = async (ahead: Promise<unknown>) => {
      this.#abort.abort();
      await ahead.catch(() => undefined);
      await pages.return?.();
    };

    let ahead = prepare();
    for (;;) {
      const current = await ahead;
      if (!current) break;
      const { page } = current;
      if (window.count === undefined) window.count = page.count;
      else if (page.count !== window.count) drifted = true;
      window.nextPage = page.page + 1;
      for (const v of current.fresh) window.maxModify = maxIso(window.maxModify, v.modifyTime);
      for (const t of current.seenModify) window.maxModify = maxIso(window.maxModify, t);
      // The next page's HTTP overlaps this page's commit.
      ahead = prepare();
      ahead.catch(() => undefined); // awaited in the next turn or by leave(); never unhandled meanwhile
      try {
        await this.#commit(current.fresh, page.rows.length, current.unchanged, current.failures, current.keys, {
          projectAll: false,
          cursor: cursor && { ...(cursor.watermark ? { watermark: cursor.watermark } : {}), window: { ...window } },
          fullPass: window.passStartedAt !== undefined,
        });
      } catch (error) {
        await leave(ahead);
        throw error;
      }
      if (ctx.stopping()) {
        await leave(ahead);
        throw new SyncStoppedError(stream.name, window.nextPage);
      }
    }
    return drifted;
  }

  /** List rows → versions to write. For detail streams, only rows whose list data changed get a detail call. */
  async #prepare(page: SourcePage): Promise<PreparedPage> {
    const { ctx, stream } = this;
    const failures: RecordFailure[] = [];
    const byKey = new Map<string, SourceRow>();
    for (const row of page.rows) byKey.set(ctx.source.keyOf(stream, row), row);
    const listed = [...byKey].map(([bizId, row]) => ({
      bizId,
      row,
      listHash: contentHash(row),
      modifyTime: ctx.source.cursorOf(stream, row),
    }));
    const keys = [...byKey.keys()];
    if (!stream.detail) {
      return {
        page,
        keys,
        fresh: listed.map((l) => ({ bizId: l.bizId, data: l.row, hash: l.listHash, listHash: null, modifyTime: l.modifyTime })),
        unchanged: 0,
        seenModify: [],
        failures,
      };
    }
    // One index probe per id (LIMIT keeps it a nested loop even before the table is analysed).
    const stored = await ctx.sequelize.query<{ record_id: string; list_hash: string | null }>(
      `SELECT i.record_id, k.list_hash FROM unnest($3::text[]) AS i(record_id)
         CROSS JOIN LATERAL (
           SELECT list_hash FROM source_record
            WHERE connection_id = $1 AND stream = $2 AND record_id = i.record_id AND is_current LIMIT 1
         ) k`,
      { bind: [ctx.connectionId, stream.name, keys], type: QueryTypes.SELECT },
    );
    const storedHash = new Map(stored.map((s) => [s.record_id, s.list_hash]));
    const changed = listed.filter((l) => storedHash.get(l.bizId) !== l.listHash);
    const unchanged = listed.filter((l) => storedHash.get(l.bizId) === l.listHash);
    const fetched = await mapLimit(changed, ctx.detailConcurrency, (l) => this.#detail(l.bizId, l.listHash, l.modifyTime, failures));
    return {
      page,
      keys,
      fresh: fetched.filter((v): v is Version => v !== undefined),
      unchanged: unchanged.length,
      seenModify: unchanged.map((l) => l.modifyTime).filter((t): t is Date => t !== undefined),
      failures,
    };
  }

  async #detail(bizId: string, listHash: string | null, listModify: Date | undefined, failures: RecordFailure[]) {
    const { source } = this.ctx;
    try {
      const data = await source.detail(this.stream, bizId, this.#abort.signal);
      return { bizId, data, hash: contentHash(data), listHash, modifyTime: source.cursorOf(this.stream, data) ?? listModify };
    } catch (error) {
      const failure = source.classify(error);
      if (failure.kind === "fatal") throw new SourceFatalError(`detail of ${bizId}: ${failure.message}`, { cause: error });
      failures.push({ bizId, reason: `detail: ${failure.message}` });
      return undefined;
    }
  }

  async #commit(
    versions: Version[],
    fetched: number,
    unchangedWithoutWrite: number,
    failures: RecordFailure[],
    /** Keys the page listed; marked seen when the page belongs to a full pass. */
    listedKeys: string[],
    /** The checkpoint to commit with the page; undefined when this page must not move the cursor. */
    options: { projectAll: boolean; cursor: StreamCursor | undefined; fullPass: boolean },
  ): Promise<void> {
    const { ctx, stream } = this;
    const counts: PageCounts = { fetched, inserted: 0, updated: 0, unchanged: unchangedWithoutWrite, failed: 0 };
    const ledger = await ctx.sequelize.transaction(async (transaction) => {
      const sql = transactionSql(transaction);
      const results = await upsertRecordVersions(
        sql,
        this.#scope,
        versions.map((v) => ({ recordId: v.bizId, data: v.data, hash: v.hash, listHash: v.listHash, cursorValue: v.modifyTime ?? null })),
        ctx.runId,
      );
      const outcome = new Map(results.map((r) => [r.recordId, r.outcome]));
      for (const r of results) counts[r.outcome]++;
      if (options.fullPass) await markSeen(sql, this.#scope, listedKeys);
      const toProject = versions.filter((v) => options.projectAll || outcome.get(v.bizId) !== "unchanged");
      const projectionFailures = stream.project && toProject.length ? await stream.project({ sql, tenantId: ctx.tenantId }, toProject) : [];
      const allFailures = [...failures, ...projectionFailures];
      counts.failed = allFailures.length;
      const failed = new Set(allFailures.map((f) => f.bizId));
      const resolved = versions.map((v) => v.bizId).filter((id) => !failed.has(id) && this.#openFailures.has(id));
      const scope = { sql, tenantId: ctx.tenantId, bizType: stream.name, runId: ctx.runId };
      await recordFailures(scope, allFailures);
      await resolveFailures(scope, resolved);
      await this.#saveProgress(sql, counts, options.cursor);
      return { failed, resolved };
    });
    // Only once committed: a page rolled back changed nothing in the ledger.
    for (const id of ledger.failed) this.#openFailures.add(id);
    for (const id of ledger.resolved) this.#openFailures.delete(id);
    ctx.onPage(counts);
  }
}
