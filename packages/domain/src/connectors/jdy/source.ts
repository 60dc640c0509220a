import { type KingdeeClient, KingdeeError, type ListParams, type ResourceName } from "@erpbridge/kingdee-sdk";
import type { ClassifiedFailure, ListRequest, Source, SourcePage, SourceRow, StreamDeclaration } from "../../sync/source.js";
import { kingdeeTime } from "./values.js";

/** Categories after which no other record of the stream can be read either. */
const FATAL_CATEGORIES = new Set(["authentication", "authorization"]);

/** The stream's SDK resource: a JDY stream is named after the resource it reads. */
const resourceOf = (stream: StreamDeclaration) => stream.name as ResourceName;

/**
 * The `Source` port over `@erpbridge/kingdee-sdk`: the only place the sync of JDY talks to the SDK.
 * The request's signal reaches every call, so a stream that ends early cancels the page read ahead.
 */
export function jdySource(client: KingdeeClient): Source {
  const listParams = (stream: StreamDeclaration, request: ListRequest): ListParams => ({
    pageSize: stream.pageSize,
    startPage: request.startPage,
    ...(request.window.from ? { modifiedFrom: request.window.from } : {}),
    ...(request.window.to ? { modifiedTo: request.window.to } : {}),
    signal: request.signal,
  });

  async function* resourcePages(stream: StreamDeclaration, request: ListRequest): AsyncGenerator<SourcePage> {
    const pages = client.resource(resourceOf(stream)).pages(listParams(stream, request));
    for await (const page of pages) {
      request.signal.throwIfAborted();
      yield { page: page.page, count: page.count, rows: page.rows as SourceRow[] };
    }
  }

  /**
   * `inventory_stock` answers one material at a time (`material_id` is mandatory), so its pages are
   * the material list's pages, each carrying the stock rows of that page's materials.
   */
  async function* stockPages(stream: StreamDeclaration, request: ListRequest): AsyncGenerator<SourcePage> {
    const stock = client.resource("inventory_stock");
    const materials = client.resource("material").pages({ pageSize: stream.pageSize, startPage: request.startPage, signal: request.signal });
    for await (const page of materials) {
      const rows: SourceRow[] = [];
      for (const material of page.rows) {
        request.signal.throwIfAborted();
        const materialId = String(material.id);
        const { rows: stockRows } = await stock.list({ query: { material_id: materialId }, signal: request.signal });
        for (const row of stockRows) rows.push({ ...row, material_id: materialId });
      }
      yield { page: page.page, count: page.count, rows };
    }
  }

  return {
    pages: (stream, request) => (stream.name === "inventory_stock" ? stockPages(stream, request) : resourcePages(stream, request)),

    async detail(stream, recordId, signal) {
      const data: unknown = await client.resource(resourceOf(stream)).detail({ id: recordId }, { signal });
      if (!data || typeof data !== "object") throw new Error("detail answered without a document");
      return data as SourceRow;
    },

    keyOf: (stream, row) => stream.primaryKey.map((field) => String(row[field] ?? "")).join("|"),

    cursorOf: (stream, row) => (stream.cursorField ? kingdeeTime(row[stream.cursorField]) : undefined),

    classify(error): ClassifiedFailure {
      if (error instanceof KingdeeError) {
        const message = `${error.category}: ${error.message}${error.requestId ? ` (request ${error.requestId})` : ""}`;
        if (FATAL_CATEGORIES.has(error.category)) return { kind: "fatal", message };
        return { kind: error.retryable ? "retryable" : "record", message };
      }
      return { kind: "record", message: error instanceof Error ? error.message : String(error) };
    },
  };
}
