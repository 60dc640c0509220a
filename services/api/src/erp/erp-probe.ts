import { KingdeeError, type KingdeeClient } from "@erpbridge/kingdee-sdk";
import { Tenant } from "@erpbridge/domain";

export interface ProbeResult {
  tenantId: string;
  ok: boolean;
  checkedAt: Date;
  latencyMs: number;
  lastSuccessAt: Date | null;
  error: { message: string; category?: string; status?: number; errcode?: number } | null;
}

/**
 * Checks each active tenant's ERP connection on a schedule with one cheap signed call (a
 * one-row customer page), so an expired authorization or a moved IDC shows up before a sync fails.
 */
export class ErpProbe {
  readonly #results = new Map<string, ProbeResult>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly kingdeeFor: (tenantId: string) => Promise<KingdeeClient>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.probeAll(), this.intervalMs);
    this.#timer.unref();
    void this.probeAll();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  results(): ProbeResult[] {
    return [...this.#results.values()];
  }

  result(tenantId: string): ProbeResult | undefined {
    return this.#results.get(tenantId);
  }

  probeAll(): Promise<void> {
    this.#running ??= (async () => {
      const tenants = await Tenant.findAll({ where: { status: "active" }, attributes: ["id"] });
      await Promise.all(tenants.map((t) => this.probe(t.id)));
    })()
      .catch(() => undefined)
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  async probe(tenantId: string): Promise<ProbeResult> {
    const started = performance.now();
    const previous = this.#results.get(tenantId);
    let result: ProbeResult;
    try {
      const kingdee = await this.kingdeeFor(tenantId);
      await kingdee.resource("customer").list({ pageSize: 1 });
      const now = new Date();
      result = { tenantId, ok: true, checkedAt: now, latencyMs: performance.now() - started, lastSuccessAt: now, error: null };
    } catch (error) {
      result = {
        tenantId,
        ok: false,
        checkedAt: new Date(),
        latencyMs: performance.now() - started,
        lastSuccessAt: previous?.lastSuccessAt ?? null,
        error:
          error instanceof KingdeeError
            ? { message: error.message, category: error.category, status: error.status, errcode: error.errcode }
            : { message: error instanceof Error ? error.message : String(error) },
      };
    }
    this.#results.set(tenantId, result);
    return result;
  }
}
