import type { AppServices } from "./services.js";

/** One check of the public readiness answer: ok or not, nothing else (no error texts, no tenant ids). */
export interface Check {
  ok: boolean;
}

export interface Readiness {
  ready: boolean;
  checks: {
    startup: Check;
    postgres: Check;
    /** null when REDIS_URL is not configured. */
    redis: Check | null;
    scheduler: Check;
    /** Every probed tenant's last ERP probe succeeded (per-tenant detail: `admin.erp.status`). */
    erp: Check;
  };
}

/**
 * PostgreSQL, Redis (if configured), the scheduler, start-up work and the ERP probes. This answer
 * is public (`GET /health`, `health.ready`), so it says only what is ok; why a check failed goes to
 * the log, and per-tenant detail is for admins.
 */
export async function checkReadiness(services: AppServices): Promise<Readiness> {
  const timed = async (name: string, fn: () => Promise<unknown>): Promise<Check> => {
    try {
      await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error("timed out after 2 s")), 2000).unref())]);
      return { ok: true };
    } catch (error) {
      services.logger.warn({ check: name, err: error instanceof Error ? error.message : String(error) }, "readiness check failed");
      return { ok: false };
    }
  };
  const startup: Check = { ok: !services.startupPending };
  const postgres = await timed("postgres", () => services.db.sequelize.query("SELECT 1"));
  const redis: Check | null = services.redis ? await timed("redis", () => services.redis!.ping()) : null;
  // A disabled scheduler is not a failure: this instance simply runs no scheduled syncs.
  const scheduler: Check = services.scheduleDefaults.enabled ? await timed("scheduler", () => services.scheduler.jobs()) : { ok: true };
  const erp: Check = { ok: (await services.erpProbe.results().catch(() => [])).every((r) => r.ok) };
  // An ERP that is down degrades, but does not make this instance unready: it can still serve customers.
  const ready = startup.ok && postgres.ok && (redis?.ok ?? true) && scheduler.ok;
  return { ready, checks: { startup, postgres, redis, scheduler, erp } };
}
