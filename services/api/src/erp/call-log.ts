import type { CallRecord } from "@erpbridge/kingdee-sdk";
import { QueryTypes, type Sequelize } from "sequelize";

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
