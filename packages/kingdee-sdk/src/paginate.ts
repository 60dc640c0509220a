import { KingdeeError } from "./errors.js";
import { JDY_PROTOCOL } from "./protocol.js";
import type { ResourceName, ResourceSpec, ResourceTypes } from "./resources.js";
import type { ListPageData } from "./rows.js";
import type { Query } from "./signing.js";
import type { Send } from "./transport.js";

export interface ListParams {
  /** Inclusive lower bound on the source's modify time. */
  modifiedFrom?: Date | number;
  /** Upper bound on the source's modify time. */
  modifiedTo?: Date | number;
  pageSize?: number;
  /** Page to start from (1-based): lets a sync resume at its checkpoint. */
  startPage?: number;
  /** Any other filters the endpoint takes (`bill_status`, `customer_number`, …). */
  query?: Query;
  /** Cancels the call in flight (and any wait for a retry or the rate budget). */
  signal?: AbortSignal;
}

export interface Page<Row> {
  page: number;
  pageSize: number;
  totalPages: number;
  /** Total rows in the result set (normalised to a number; some endpoints send a string). */
  count: number;
  rows: Row[];
}

const toMs = (t: Date | number) => (t instanceof Date ? t.getTime() : t);

/** `yyyy-MM-dd` in the business time zone (UTC+8). */
export function businessDate(t: Date | number): string {
  const shifted = new Date(toMs(t) + JDY_PROTOCOL.businessUtcOffsetMinutes * 60_000);
  return shifted.toISOString().slice(0, 10);
}

export class ResourceClient<N extends ResourceName> {
  constructor(
    readonly name: N,
    readonly spec: ResourceSpec,
    private readonly send: Send,
  ) {}

  #query(params: ListParams, page: number, pageSize: number): Query {
    const { timeFilter } = this.spec;
    const query: Query = { ...this.spec.requiredQuery, ...params.query };
    if (this.spec.paginated) Object.assign(query, { page, page_size: pageSize });
    if (params.modifiedFrom !== undefined || params.modifiedTo !== undefined) {
      if (!timeFilter) {
        throw new KingdeeError({
          message: `${this.name} has no modify-time filter; page through it without modifiedFrom/modifiedTo`,
          category: "validation",
          method: "GET",
          endpoint: this.spec.listPath,
        });
      }
      const format = (t: Date | number) => (timeFilter.unit === "ms" ? String(toMs(t)) : businessDate(t));
      if (params.modifiedFrom !== undefined) query[timeFilter.from] = format(params.modifiedFrom);
      if (params.modifiedTo !== undefined) query[timeFilter.to] = format(params.modifiedTo);
    }
    return query;
  }

  /** One list page. */
  async list(params: ListParams & { page?: number } = {}): Promise<Page<ResourceTypes[N]["row"]>> {
    const pageSize = Math.min(params.pageSize ?? this.spec.maxPageSize, this.spec.maxPageSize);
    const page = params.page ?? params.startPage ?? 1;
    const { data } = await this.send<ListPageData<ResourceTypes[N]["row"]> | ResourceTypes[N]["row"][]>({
      method: "GET",
      path: this.spec.listPath,
      query: this.#query(params, page, pageSize),
      ...(params.signal ? { signal: params.signal } : {}),
    });
    if (Array.isArray(data)) return { page: 1, pageSize: data.length, totalPages: 1, count: data.length, rows: data };
    const rows = data?.rows ?? [];
    return {
      page: Number(data?.page ?? page),
      pageSize: Number(data?.page_size ?? pageSize),
      totalPages: Number(data?.total_page ?? 0),
      count: Number(data?.count ?? rows.length),
      rows,
    };
  }

  /** Every page of the result set, in order; stops at `total_page` or on a short page. */
  async *pages(params: ListParams = {}): AsyncGenerator<Page<ResourceTypes[N]["row"]>> {
    for (let page = params.startPage ?? 1; ; page++) {
      const result = await this.list({ ...params, page });
      yield result;
      if (!this.spec.paginated || result.rows.length === 0) return;
      if (page >= result.totalPages || result.rows.length < result.pageSize) return;
    }
  }

  /** One document by id or number. */
  async detail(ref: { id: string } | { number: string }, options: { signal?: AbortSignal } = {}): Promise<ResourceTypes[N]["detail"]> {
    if (!this.spec.detailPath) {
      throw new KingdeeError({
        message: `${this.name} has no detail endpoint`,
        category: "validation",
        method: "GET",
        endpoint: this.spec.listPath,
      });
    }
    const { data } = await this.send<ResourceTypes[N]["detail"]>({
      method: "GET",
      path: this.spec.detailPath,
      query: ref,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return data;
  }
}
