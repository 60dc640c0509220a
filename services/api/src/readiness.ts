import type { AppServices } from "./services.js";

export interface Check {
  ok: boolean;
  detail?: string;
}

/** PostgreSQL, Redis (if configured), the scheduler, and the last ERP probe of each tenant. */
export async function checkReadiness(services: AppServices) {
  const timed = async (fn: () => Promise<unknown>): Promise<Check> => {
    try {
      await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error("timed out after 2 s")), 2000).unref())]);
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  };
  const startup: Check = services.startupPending ? { ok: false, detail: `starting: ${services.startupPending}` } : { ok: true };
  const postgres = await timed(() => services.db.sequelize.query("SELECT 1"));
  const redis: Check | null = services.redis ? await timed(() => services.redis!.ping()) : null;
  const scheduler: Check = services.scheduleDefaults.enabled
    ? await timed(() => services.scheduler.jobs())
    : { ok: true, detail: "disabled (SYNC_SCHEDULER_ENABLED=false)" };
  const erp = services.erpProbe.results().map((r) => ({
    tenantId: r.tenantId,
    ok: r.ok,
    checkedAt: r.checkedAt,
    latencyMs: Math.round(r.latencyMs),
    error: r.error?.message ?? null,
  }));
  // An ERP that is down degrades, but does not make this instance unready: it can still serve customers.
  const ready = startup.ok && postgres.ok && (redis?.ok ?? true) && scheduler.ok;
  return { ready, checks: { startup, postgres, redis, scheduler, erp } };
}
