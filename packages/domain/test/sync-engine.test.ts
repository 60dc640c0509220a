import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { jdyStreams } from "../src/connectors/jdy/streams.js";
import type { Connector, Source, SourcePage, SourceRow, StreamDeclaration } from "../src/sync/source.js";
import { SyncService } from "../src/sync/sync-service.js";
import { addJdyConnection, setupDomainDb, type TestDomainDb } from "./helpers.js";

// The engine against a scripted source that is not Kingdee: the Source port is all it needs.
// Covers pipelining (the next page is read while the current one commits, never more than one
// ahead), error classification, and the guarded delete reconcile of full passes.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Widget extends SourceRow {
  code: string;
  name: string;
  changed_at: string;
}

/** A source of widgets in memory, paged like an offset API, that records what it is doing. */
class WidgetSource implements Source {
  rows: Widget[] = [];
  listDelayMs = 0;
  /** Page numbers that fail (list call throws). */
  failPages = new Set<number>();
  detailError: ((code: string) => unknown) | undefined;
  /** Hold each list call after the first until the previous page's commit has begun (see the pipelining test). */
  holdUntilCommitting = false;
  committing = 0;
  listsInFlight = 0;
  listed = 0;
  committed = 0;
  maxAhead = 0;

  async *pages(stream: StreamDeclaration, request: { startPage: number }): AsyncGenerator<SourcePage> {
    for (let page = request.startPage; ; page++) {
      this.listsInFlight++;
      try {
        while (this.holdUntilCommitting && this.committing < page - request.startPage) await sleep(1);
        await sleep(this.listDelayMs);
        if (this.failPages.has(page)) throw new Error(`page ${page} failed`);
      } finally {
        this.listsInFlight--;
      }
      const rows = this.rows.slice((page - 1) * stream.pageSize, page * stream.pageSize);
      this.listed++;
      this.maxAhead = Math.max(this.maxAhead, this.listed - this.committed);
      yield { page, count: this.rows.length, rows: rows.map((r) => ({ ...r })) };
      if (rows.length < stream.pageSize) return;
    }
  }

  async detail(_stream: StreamDeclaration, code: string): Promise<SourceRow> {
    const error = this.detailError?.(code);
    if (error) throw error;
    const row = this.rows.find((r) => r.code === code)!;
    return { ...row, detail: true };
  }

  keyOf = (_stream: StreamDeclaration, row: SourceRow) => String(row.code);
  cursorOf = (_stream: StreamDeclaration, row: SourceRow) => new Date(String(row.changed_at));
  classify = (error: unknown) =>
    error instanceof Error && error.message.startsWith("denied")
      ? { kind: "fatal" as const, message: error.message }
      : { kind: "record" as const, message: error instanceof Error ? error.message : String(error) };
}

const widgets = (n: number, from = 0): Widget[] =>
  Array.from({ length: n }, (_, i) => ({ code: `W${from + i}`, name: `widget ${from + i}`, changed_at: new Date(Date.UTC(2025, 0, 1, 0, 0, from + i)).toISOString() }));

let db: TestDomainDb;
let tenantId: string;
let source: WidgetSource;
/** Commits observed by the projection hook: was a list call in flight meanwhile? */
let commitsWithListInFlight = 0;
let commits = 0;

const declaration = (name: string, options: Partial<StreamDeclaration> = {}): StreamDeclaration => ({
  name,
  primaryKey: ["code"],
  cursorField: "changed_at",
  lookbackMs: 0,
  mode: "full",
  pageSize: 10,
  detail: false,
  project: async () => {
    source.committing++;
    commits++;
    if (source.listsInFlight > 0) commitsWithListInFlight++;
    await sleep(15); // a commit that takes a while, as with projections and statements
    source.committed++;
    return [];
  },
  ...options,
});

const streams = {
  widget: declaration("widget"),
  gadget: declaration("gadget", { detail: true, mode: "incremental" }),
  delivery: declaration("delivery", { keepWhenMissing: jdyStreams.sal_out_bound.keepWhenMissing }),
};
const connector: Connector<WidgetSource> = {
  kind: "kingdee_jdy",
  streams,
  jobs: { all: { streams: ["widget"] }, gadgets: { streams: ["gadget"] }, deliveries: { streams: ["delivery"] } },
  source: (client) => client,
};
let sync: SyncService<WidgetSource>;

const live = (stream: string) =>
  db.sequelize.query<{ record_id: string }>(
    `SELECT record_id FROM source_record WHERE tenant_id = $1 AND stream = $2 AND is_current AND deleted_at IS NULL ORDER BY record_id`,
    { bind: [tenantId, stream], type: QueryTypes.SELECT },
  ).then((rows) => rows.map((r) => r.record_id));
const deleted = (stream: string) =>
  db.sequelize.query<{ record_id: string }>(
    `SELECT record_id FROM source_record WHERE tenant_id = $1 AND stream = $2 AND is_current AND deleted_at IS NOT NULL ORDER BY record_id`,
    { bind: [tenantId, stream], type: QueryTypes.SELECT },
  ).then((rows) => rows.map((r) => r.record_id));

beforeAll(async () => {
  db = await setupDomainDb();
  tenantId = (await db.models.Tenant.create({ name: "Widgets" })).id;
  await addJdyConnection(db, tenantId); // a connection row to key the records by (the only kind there is yet)
  source = new WidgetSource();
  sync = new SyncService({ sequelize: db.sequelize, connector, clientFor: async () => source });
});
afterAll(async () => {
  await sync?.stop();
  await db?.teardown();
});
beforeEach(() => {
  source.listDelayMs = 0;
  source.holdUntilCommitting = false;
  source.committing = 0;
  source.failPages.clear();
  source.detailError = undefined;
  source.listed = 0;
  source.committed = 0;
  source.maxAhead = 0;
  commits = 0;
  commitsWithListInFlight = 0;
});

describe("pipelining", () => {
  it("lists the next page while the current one commits, and never reads more than one page ahead", async () => {
    source.rows = widgets(100);
    // Page p's list call cannot finish before page p−1's commit has begun: an engine that lists only
    // after committing would see no list call in flight during any commit.
    source.holdUntilCommitting = true;
    const run = await sync.run({ tenantId, jobName: "all" });
    expect(run.status).toBe("success");
    expect(run.insertedCount).toBe(100);
    expect(commits).toBe(10);
    // Every commit overlapped a list call (the 10th with the empty 11th page that ends the stream).
    expect(commitsWithListInFlight).toBe(10);
    // Bounded memory: one page committing, at most one more read ahead.
    expect(source.maxAhead).toBeLessThanOrEqual(2);
  });

  it("a failing read-ahead fails the stream after the current page committed; the next run resumes there", async () => {
    source.rows = widgets(50, 1000);
    source.failPages.add(3);
    const failed = await sync.run({ tenantId, jobName: "gadgets" });
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/page 3 failed/);
    expect(failed.insertedCount).toBe(20); // pages 1 and 2 committed
    source.failPages.clear();
    source.listed = 0;
    const resumed = await sync.run({ tenantId, jobName: "gadgets" });
    expect(resumed.status).toBe("success");
    expect(resumed.insertedCount).toBe(30);
    expect(resumed.warnings.join("\n")).toMatch(/gadget: resumed an interrupted window at page 3/);
  });
});

describe("error classification", () => {
  it("a record-level detail failure goes to the ledger; a fatal one stops the stream", async () => {
    source.rows = widgets(5, 2000);
    source.detailError = (code) => (code === "W2001" ? new Error("no such widget") : undefined);
    const partial = await sync.run({ tenantId, jobName: "gadgets" });
    expect(partial.status).toBe("partial");
    expect(partial.failedCount).toBe(1);
    const [entry] = await db.sequelize.query<{ biz_id: string; reason: string }>(
      `SELECT biz_id, reason FROM sync_failure WHERE tenant_id = $1 AND biz_type = 'gadget' AND resolved_at IS NULL`,
      { bind: [tenantId], type: QueryTypes.SELECT },
    );
    expect(entry).toEqual({ biz_id: "W2001", reason: "detail: no such widget" });

    source.detailError = () => new Error("denied: credentials revoked");
    source.rows = widgets(5, 3000);
    const fatal = await sync.run({ tenantId, jobName: "gadgets" });
    expect(fatal.status).toBe("failed");
    expect(fatal.error).toMatch(/denied: credentials revoked/);
    expect(fatal.failedCount).toBe(0); // not one ledger entry per record
  });
});

describe("guarded delete reconcile", () => {
  it("after a completed full pass, records it did not list are soft-deleted (fewer than 10 %)", async () => {
    source.rows = widgets(100);
    expect((await sync.run({ tenantId, jobName: "all" })).status).toBe("success");
    source.rows = source.rows.filter((r) => r.code !== "W7" && r.code !== "W42");
    const run = await sync.run({ tenantId, jobName: "all" });
    expect(run.status).toBe("success");
    expect(run.deletedCount).toBe(2);
    expect(run.warnings).toEqual([]);
    expect(await deleted("widget")).toEqual(["W42", "W7"]);
    expect(await live("widget")).toHaveLength(98);
  });

  it("a record listed again is alive again", async () => {
    source.rows = widgets(100);
    const run = await sync.run({ tenantId, jobName: "all" });
    expect(run.deletedCount).toBe(0);
    expect(await deleted("widget")).toEqual([]);
    expect(await live("widget")).toHaveLength(100);
  });

  it("marks nothing and warns when 10 % or more would vanish", async () => {
    source.rows = widgets(90); // W90…W99 missing: 10 of 100
    const run = await sync.run({ tenantId, jobName: "all" });
    expect(run.status).toBe("success");
    expect(run.deletedCount).toBe(0);
    expect(run.warnings).toEqual(["widget: 10 of 100 records were not listed by the full pass (≥ 10 %); none marked deleted"]);
    expect(await deleted("widget")).toEqual([]);
  });

  it("marks nothing after a pass that did not complete (failed or stopped), and then finishes it on resume", async () => {
    source.rows = widgets(95);
    source.failPages.add(5);
    const failed = await sync.run({ tenantId, jobName: "all" });
    expect(failed.status).toBe("failed");
    expect(await deleted("widget")).toEqual([]);

    // Stopped mid-pass: still nothing marked.
    source.failPages.clear();
    source.listDelayMs = 20;
    const controller = new AbortController();
    const started = await sync.start({ tenantId, jobName: "all" }, { signal: controller.signal });
    while (source.listed < 1) await sleep(5);
    controller.abort();
    const stopped = await started.done;
    expect(stopped.status).toBe("stopped");
    expect(await deleted("widget")).toEqual([]);

    // The resumed pass completes: the 5 missing records (5 %) are marked.
    source.listDelayMs = 0;
    const resumed = await sync.run({ tenantId, jobName: "all" });
    expect(resumed.status).toBe("success");
    expect(resumed.deletedCount).toBe(5);
    expect(await deleted("widget")).toEqual(["W95", "W96", "W97", "W98", "W99"]);
  });

  it("an incremental pass never deletes anything", async () => {
    const before = await live("gadget");
    source.rows = widgets(1, 1000);
    const run = await sync.run({ tenantId, jobName: "gadgets" });
    expect(run.deletedCount).toBe(0);
    expect(await live("gadget")).toEqual(before);
  });

  it("never removes a delivery its customer signed", async () => {
    const [customer] = await db.sequelize.query<{ id: string }>(
      `INSERT INTO customer (tenant_id, kingdee_customer_id, name) VALUES ($1, 'C1', 'Signer') RETURNING id`,
      { bind: [tenantId], type: QueryTypes.SELECT },
    );
    source.rows = widgets(100, 5000);
    expect((await sync.run({ tenantId, jobName: "deliveries" })).status).toBe("success");
    for (const [code, status] of [["W5003", "SIGNED"], ["W5004", "PENDING"]] as const) {
      await db.sequelize.query(
        `INSERT INTO delivery (tenant_id, customer_id, kingdee_id, bill_no, bill_date, status) VALUES ($1, $2, $3, $3, '2025-01-01', $4)`,
        { bind: [tenantId, customer!.id, code, status] },
      );
    }
    source.rows = source.rows.filter((r) => r.code !== "W5003" && r.code !== "W5004");
    const run = await sync.run({ tenantId, jobName: "deliveries" });
    expect(run.deletedCount).toBe(1);
    expect(await deleted("delivery")).toEqual(["W5004"]);
    expect(await live("delivery")).toContain("W5003");
  });
});
