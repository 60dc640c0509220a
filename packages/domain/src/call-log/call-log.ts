import type { CallRecord } from "@erpbridge/kingdee-sdk";
import { QueryTypes, type Sequelize } from "sequelize";
import { z } from "zod";
import { dateInput, idInput, pageInput, pageSizeInput, textInput } from "../inputs/schemas.js";

/**
 * Records every Kingdee call in `api_call_log` (tenant, endpoint, status, errcode, latency —
 * never bodies or secrets). Writes are batched off the request path; rows older than the
 * retention period are pruned.
 */
export class ApiCallLog {
  #pending: Array<{ tenant_id: string; endpoint: string; method: string; http_status: number | null; errcode: string | null; latency_ms: number }> = [];
  #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sequelize: Sequelize,
    private readonly retentionDays: number,
    flushEveryMs = 1000,
  ) {
    this.#timer = setInterval(() => void this.flush(), flushEveryMs);
    this.#timer.unref();
  }

  record(tenantId: string, call: CallRecord): void {
    this.#pending.push({
      tenant_id: tenantId,
      endpoint: call.endpoint,
      method: call.method,
      http_status: call.status ?? null,
      errcode: call.errcode === undefined ? null : String(call.errcode),
      latency_ms: Math.round(call.latencyMs),
    });
  }

  /** Writes what is pending (serialised, so rows keep their order). */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#pending.length === 0) return;
      const batch = this.#pending.splice(0);
      await this.sequelize
        .query(
          `INSERT INTO api_call_log (id, tenant_id, endpoint, method, http_status, errcode, latency_ms, created_at)
           SELECT gen_random_uuid(), r.tenant_id, r.endpoint, r.method, r.http_status, r.errcode, r.latency_ms, now()
             FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id uuid, endpoint text, method text, http_status int, errcode text, latency_ms int)
             JOIN tenant t ON t.id = r.tenant_id`,
          { bind: [JSON.stringify(batch)] },
        )
        .catch(() => undefined); // a lost log batch must never break a sync or a request
    });
    return this.#flushing;
  }

  /** The log, newest first, with what is pending written first so a read sees every call made so far. */
  async list(input: ListCallsInput): Promise<CallList> {
    await this.flush();
    const filters = `WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR endpoint = $2)
        AND ($3::timestamptz IS NULL OR created_at >= $3)
        AND (NOT $4 OR http_status IS NULL OR http_status <> 200 OR (errcode IS NOT NULL AND errcode <> '0'))`;
    const bind = [input.tenantId ?? null, input.endpoint ?? null, input.since ?? null, input.onlyFailures];
    const [counted] = await this.sequelize.query<{ total: number }>(`SELECT count(*)::int AS total FROM api_call_log ${filters}`, {
      bind,
      type: QueryTypes.SELECT,
    });
    const calls = await this.sequelize.query<CallLogEntry>(
      `SELECT tenant_id AS "tenantId", endpoint, method, http_status AS "httpStatus", errcode, latency_ms AS "latencyMs", created_at AS "createdAt"
         FROM api_call_log ${filters} ORDER BY created_at DESC, id LIMIT $5 OFFSET $6`,
      { bind: [...bind, input.pageSize, (input.page - 1) * input.pageSize], type: QueryTypes.SELECT },
    );
    return { page: input.page, pageSize: input.pageSize, total: counted?.total ?? 0, calls };
  }

  async prune(): Promise<number> {
    const rows = await this.sequelize.query<{ id: string }>(
      `DELETE FROM api_call_log WHERE created_at < now() - make_interval(days => $1) RETURNING id`,
      { bind: [this.retentionDays], type: QueryTypes.SELECT },
    );
    return rows.length;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}

export const listCallsInput = z.object({
  tenantId: idInput.optional(),
  endpoint: textInput(200).optional(),
  onlyFailures: z.boolean().default(false),
  since: dateInput.optional(),
  page: pageInput.default(1),
  pageSize: pageSizeInput(500).default(50),
});
export type ListCallsInput = z.output<typeof listCallsInput>;

export interface CallLogEntry {
  tenantId: string;
  endpoint: string;
  method: string;
  httpStatus: number | null;
  errcode: string | null;
  latencyMs: number;
  createdAt: Date;
}

export interface CallList {
  page: number;
  pageSize: number;
  total: number;
  calls: CallLogEntry[];
}
