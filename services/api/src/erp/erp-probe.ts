import { KingdeeError, type KingdeeClient } from "@erpbridge/kingdee-sdk";
import { type JobRuntime, recordJobRun } from "@erpbridge/domain/jobs";
import { Tenant } from "@erpbridge/domain/models";
import { QueryTypes, type Sequelize } from "sequelize";

export interface ProbeResult {
  tenantId: string;
  ok: boolean;
  checkedAt: Date;
  latencyMs: number;
  lastSuccessAt: Date | null;
  /** category/status/errcode only when the probe ran in this process; the run history keeps the message. */
  error: { message: string; category?: string; status?: number; errcode?: number } | null;
}

/** Job kind and run-history names of the probes. */
export const ERP_PROBE_JOB = "erp-probe";
export const PROBE_RUN_KIND = "probe";
export const PROBE_RUN_JOB = "erp";
/** Probe runs older than this are pruned (one run per tenant per interval adds up). */
const PROBE_RUN_RETENTION_DAYS = 7;

/**
 * Checks each active tenant's ERP connection on a schedule with one cheap signed call (a
 * one-row customer page), so an expired authorization or a moved IDC shows up before a sync fails.
 * The schedule is a job kind of the process's job runtime (whichever process runs jobs probes); each
 * probe is a run in the run history, so every process (the API with jobs off too) reads the results.
 */
export class ErpProbe {
  /** Error detail of probes run in this process, by tenant. */
  readonly #detail = new Map<string, ProbeResult>();
  #running: Promise<void> | undefined;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly kingdeeFor: (tenantId: string) => Promise<KingdeeClient>,
  ) {}

  /** Probes every active tenant every `intervalMs`, in whichever process runs jobs. */
  register(runtime: JobRuntime, intervalMs: number): void {
    runtime.register({ name: ERP_PROBE_JOB, every: intervalMs, concurrency: 1, run: () => this.probeAll() });
  }

  /** The latest probe of each tenant probed so far. */
  async results(tenantId?: string): Promise<ProbeResult[]> {
    const rows = await this.sequelize.query<{
      tenantId: string; ok: boolean; checkedAt: Date; latencyMs: number; lastSuccessAt: Date | null; error: string | null;
    }>(
      `SELECT DISTINCT ON (r.tenant_id) r.tenant_id AS "tenantId", r.status = 'success' AS ok, r.finished_at AS "checkedAt",
              (extract(epoch FROM r.finished_at - r.started_at) * 1000)::float AS "latencyMs", r.error,
              (SELECT max(s.finished_at) FROM sync_run s
                WHERE s.kind = $1 AND s.job_name = $2 AND s.tenant_id = r.tenant_id AND s.status = 'success') AS "lastSuccessAt"
         FROM sync_run r
        WHERE r.kind = $1 AND r.job_name = $2 AND r.tenant_id IS NOT NULL AND ($3::uuid IS NULL OR r.tenant_id = $3)
        ORDER BY r.tenant_id, r.created_at DESC`,
      { bind: [PROBE_RUN_KIND, PROBE_RUN_JOB, tenantId ?? null], type: QueryTypes.SELECT },
    );
    return rows.map((row) => {
      const local = this.#detail.get(row.tenantId);
      const error = row.ok ? null : local && local.checkedAt.getTime() === row.checkedAt.getTime() ? local.error : { message: row.error ?? "" };
      return { ...row, error };
    });
  }

  async result(tenantId: string): Promise<ProbeResult | undefined> {
    return (await this.results(tenantId))[0];
  }

  /** Waits for a probe pass in flight (shutdown). */
  async stop(): Promise<void> {
    await this.#running;
  }

  probeAll(): Promise<void> {
    this.#running ??= (async () => {
      const tenants = await Tenant.findAll({ where: { status: "active" }, attributes: ["id"] });
      await Promise.all(tenants.map((t) => this.probe(t.id, "schedule")));
    })()
      .catch(() => undefined)
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  /** Probes one tenant now and records the probe as a run (manual: an admin asked). */
  async probe(tenantId: string, trigger: "schedule" | "manual" = "manual"): Promise<ProbeResult> {
    const startedAt = new Date();
    const started = performance.now();
    let error: ProbeResult["error"] = null;
    try {
      const kingdee = await this.kingdeeFor(tenantId);
      await kingdee.resource("customer").list({ pageSize: 1 });
    } catch (e) {
      error =
        e instanceof KingdeeError
          ? { message: e.message, category: e.category, status: e.status, errcode: e.errcode }
          : { message: e instanceof Error ? e.message : String(e) };
    }
    const latencyMs = performance.now() - started;
    // Whole milliseconds, so the run history gives back exactly this result's time.
    const checkedAt = new Date(startedAt.getTime() + Math.round(latencyMs));
    await recordJobRun(this.sequelize, {
      kind: PROBE_RUN_KIND, jobName: PROBE_RUN_JOB, tenantId, trigger, startedAt, finishedAt: checkedAt,
      error: error?.message ?? null,
    });
    const previous = error ? await this.#lastSuccess(tenantId) : checkedAt;
    const result: ProbeResult = { tenantId, ok: error === null, checkedAt, latencyMs, lastSuccessAt: previous, error };
    this.#detail.set(tenantId, result);
    return result;
  }

  /** Removes probe runs past their retention. */
  async prune(): Promise<void> {
    await this.sequelize.query(
      `DELETE FROM sync_run WHERE kind = $1 AND job_name = $2 AND created_at < now() - make_interval(days => $3)`,
      { bind: [PROBE_RUN_KIND, PROBE_RUN_JOB, PROBE_RUN_RETENTION_DAYS] },
    );
  }

  async #lastSuccess(tenantId: string): Promise<Date | null> {
    const [row] = await this.sequelize.query<{ at: Date | null }>(
      `SELECT max(finished_at) AS at FROM sync_run WHERE kind = $1 AND job_name = $2 AND tenant_id = $3 AND status = 'success'`,
      { bind: [PROBE_RUN_KIND, PROBE_RUN_JOB, tenantId], type: QueryTypes.SELECT },
    );
    return row?.at ?? null;
  }
}
