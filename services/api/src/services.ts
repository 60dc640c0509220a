import { ApiCallLog } from "@erpbridge/domain/call-log";
import { KingdeeClients } from "@erpbridge/domain/connections";
import { jdyConnector } from "@erpbridge/domain/connectors";
import { CustomerSessionCache } from "@erpbridge/domain/customers";
import { createDatabase, type Database, migrate } from "@erpbridge/domain/db";
import { createJobRuntime } from "@erpbridge/domain/jobs";
import { type ClosableTokenStore, createTokenStore } from "@erpbridge/domain/kingdee";
import { Tenant } from "@erpbridge/domain/models";
import { createOrderFreshCache, LiveOrders } from "@erpbridge/domain/orders";
import { syncJobKind, syncScheduling, type SyncScheduling, syncScheduleDefaults, tenantSchedules } from "@erpbridge/domain/scheduler";
import { type Keyring, loadKeyring } from "@erpbridge/domain/secrets";
import { SyncService } from "@erpbridge/domain/sync";
import { type KingdeeClientConfig, type RateBudget, RedisRateBudget, TokenBucketBudget } from "@erpbridge/kingdee-sdk";
import { WechatMiniProgramClient } from "@erpbridge/wechat-sdk";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { AppConfig } from "./config.js";
import { domainLogger } from "./logger.js";
import { ErpProbe } from "./erp/erp-probe.js";
import { type Metrics, createMetrics } from "./metrics.js";
import { createWechatNotifications } from "./notifications/wechat-notifications.js";

export interface ServiceOptions {
  logger: Logger;
  /** SDK settings for every tenant's Kingdee client (tests and the demo shorten retries). */
  kingdeeClientDefaults?: Partial<Pick<KingdeeClientConfig, "timeoutMs" | "rateLimit" | "retry" | "tokenRefreshWindowSeconds">>;
  /** Same for the WeChat client (tests shorten retries). */
  wechatClientDefaults?: { retry?: { retries: number; baseDelayMs: number; maxDelayMs: number }; timeoutMs?: number };
}

/**
 * Everything the routes and the jobs use, built once per process from the configuration: database
 * (migrated), Redis if configured, the token store, per-tenant Kingdee clients (built from their
 * connections), the sync service, the process's one job runtime with its job kinds (sync,
 * notifications, probes), the ERP probe and the call log. Whether this process runs jobs is decided
 * by `startBackground`.
 */
export async function createServices(config: AppConfig, options: ServiceOptions) {
  const { logger } = options;
  /** The process's one Agenda instance: every job kind registers on it; it connects when first used. */
  const jobs = createJobRuntime({ databaseUrl: config.DATABASE_URL, mongoUrl: config.MONGODB_URL, logger: domainLogger(logger) });
  const keyring: Keyring = loadKeyring({ ENCRYPTION_KEY: config.ENCRYPTION_KEY, ENCRYPTION_KEYS_PREVIOUS: config.ENCRYPTION_KEYS_PREVIOUS });
  const db: Database = createDatabase({ url: config.DATABASE_URL });
  const migrated = await migrate(db.sequelize);
  if (migrated.migrations.length) logger.info({ migrations: migrated.migrations }, "database migrated");

  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 }) : undefined;
  if (redis) {
    redis.on("error", (err) => logger.warn({ err: err.message }, "redis error"));
    await redis.connect();
  }
  const tokenStore: ClosableTokenStore = createTokenStore({ redisUrl: config.REDIS_URL });
  const wechatTokenStore: ClosableTokenStore = createTokenStore({ redisUrl: config.REDIS_URL, prefix: "erpbridge:wechat:" });
  /** WeChat mini-program server API; undefined when WECHAT_APP_ID/SECRET are not configured. */
  const wechat =
    config.WECHAT_APP_ID && config.WECHAT_APP_SECRET
      ? new WechatMiniProgramClient({
          appId: config.WECHAT_APP_ID,
          appSecret: config.WECHAT_APP_SECRET,
          ...(config.WECHAT_BASE_URL ? { baseUrl: config.WECHAT_BASE_URL } : {}),
          tokenStore: wechatTokenStore,
          logger,
          ...options.wechatClientDefaults,
        })
      : undefined;
  /** Delivery notices (subscribe messages) and their job kinds; only with WeChat configured. */
  const notifications = wechat ? createWechatNotifications({ jobs, sequelize: db.sequelize, wechat, logger }) : undefined;
  const metrics: Metrics = createMetrics();
  const customerSessions = new CustomerSessionCache(db.sequelize, {
    databaseUrl: config.DATABASE_URL,
    onListenerError: (err) => logger.warn({ err: err.message }, "session cache listener lost; not caching until it reconnects"),
  });
  await customerSessions.start();
  const callLog = new ApiCallLog(db.sequelize, config.API_CALL_LOG_RETENTION_DAYS);
  const kingdee = new KingdeeClients({
    sequelize: db.sequelize,
    keyring,
    tokenStore,
    clientDefaults: options.kingdeeClientDefaults,
    rateBudget: kingdeeRateBudgets(config, redis, options.kingdeeClientDefaults?.rateLimit),
    onCall: (tenantId, call) => {
      callLog.record(tenantId, call);
      metrics.kingdeeCalls.inc({ endpoint: call.endpoint, outcome: call.ok ? "ok" : call.status === undefined ? "network" : String(call.errcode ?? call.status) });
    },
  });
  const sync = new SyncService({
    sequelize: db.sequelize,
    connector: jdyConnector,
    clientFor: (tenantId) => kingdee.get(tenantId),
    logger: domainLogger(logger),
    onFinished: (run) => {
      metrics.syncRuns.inc({ job: run.jobName, status: run.status });
      notifications?.kick(); // new deliveries may be waiting in the outbox
    },
  });
  const scheduleDefaults = syncScheduleDefaults({
    SYNC_SCHEDULER_ENABLED: String(config.SYNC_SCHEDULER_ENABLED),
    SYNC_MASTER_DAILY_CRON: config.SYNC_MASTER_DAILY_CRON,
    SYNC_DOCUMENT_HOURLY_CRON: config.SYNC_DOCUMENT_HOURLY_CRON,
  });
  // Scheduled and queued syncs run where jobs run, and only while the scheduler is enabled.
  if (scheduleDefaults.enabled) {
    jobs.register(
      syncJobKind({
        runJob: async ({ tenantId, jobName, trigger, signal }) => {
          await sync.run({ tenantId, jobName: jobName as "documents_incremental", trigger }, { signal });
        },
        logger: domainLogger(logger),
      }),
    );
  }
  const scheduler: SyncScheduling = syncScheduling(jobs, { timezone: config.SCHEDULER_TIMEZONE, logger: domainLogger(logger) });
  const erpProbe = new ErpProbe(db.sequelize, (tenantId) => kingdee.get(tenantId));
  erpProbe.register(jobs, config.ERP_PROBE_INTERVAL_MS);
  const liveOrders = new LiveOrders({
    sequelize: db.sequelize,
    fetchOrder: async (tenantId, orderId) => (await kingdee.get(tenantId)).resource("sal_order").detail({ id: orderId }),
    cache: createOrderFreshCache({
      redis,
      onError: (error) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, "order cache unavailable"),
    }),
    onFreshFailure: (error, orderId) => logger.warn({ err: error, orderId }, "live order refresh failed; answering with the stored version"),
  });
  let pruneTimer: NodeJS.Timeout | undefined;

  const services = {
    config,
    logger,
    db,
    redis,
    keyring,
    tokenStore,
    wechat,
    notifications,
    metrics,
    /** Customer session lookups (every mini-program request), cached with change notices from PostgreSQL. */
    customerSessions,
    callLog,
    kingdee,
    /** Customer order reads, optionally refreshed live from Kingdee (one fetch in flight per order, a short cache). */
    liveOrders,
    sync,
    jobs,
    scheduler,
    scheduleDefaults,
    erpProbe,
    /** Set while start-up work that must finish before serving (the demo's first sync) is under way; readiness waits for it. */
    startupPending: undefined as string | undefined,

    /**
     * A tenant or one of its connections changed (credentials, status, authorization): its cached
     * SDK clients go, so the next call is built from what is stored, and its jobs are rescheduled.
     * The one sequence every writer of tenants and connections runs.
     */
    async tenantChanged(tenantId: string): Promise<void> {
      kingdee.forget(tenantId);
      await services.scheduleTenant(tenantId);
    },

    /** (Re)schedules a tenant's sync jobs; disabled tenants and a disabled scheduler schedule nothing. */
    async scheduleTenant(tenantId: string): Promise<void> {
      if (!scheduleDefaults.enabled) return;
      const tenant = await Tenant.findByPk(tenantId);
      if (!tenant || tenant.status !== "active") {
        await scheduler.unscheduleTenant(tenantId);
        return;
      }
      await scheduler.scheduleTenant(tenantId, await tenantSchedules(tenantId, scheduleDefaults));
    },

    /**
     * Starts the background parts: the reaper of abandoned sync runs and call-log pruning always;
     * with `jobs` (a worker, or the API with JOBS=embedded) the job runtime too, every tenant's
     * schedule and a first probe of every tenant.
     */
    async startBackground(opts: { jobs: boolean } = { jobs: config.JOBS === "embedded" }): Promise<void> {
      if (opts.jobs) {
        await jobs.start();
        if (scheduleDefaults.enabled) {
          for (const tenant of await Tenant.findAll({ attributes: ["id"] })) await services.scheduleTenant(tenant.id);
        }
        void erpProbe.probeAll();
      }
      sync.startReaping();
      const prune = () => Promise.all([callLog.prune(), erpProbe.prune()]).catch(() => undefined);
      pruneTimer = setInterval(() => void prune(), 60 * 60_000);
      pruneTimer.unref();
    },

    /**
     * Graceful: stop taking jobs and tell running ones to stop (scheduled syncs via the job runtime,
     * manual ones via the sync service); their pages in flight commit, runs end `stopped`, locks
     * are released; then close connections.
     */
    async close(): Promise<void> {
      clearInterval(pruneTimer);
      await jobs.stop();
      await erpProbe.stop();
      await sync.stop();
      await callLog.close();
      await tokenStore.close();
      await wechatTokenStore.close();
      await redis?.quit().catch(() => undefined);
      await customerSessions.close();
      await db.close();
    },
  };
  return services;
}

export type AppServices = Awaited<ReturnType<typeof createServices>>;

/**
 * One rate budget per Kingdee account set: in Redis when configured, so every replica draws from
 * the same KINGDEE_RATE_LIMIT per window (the gateway counts per account set, not per process);
 * otherwise one token bucket per account set in this process.
 */
function kingdeeRateBudgets(
  config: AppConfig,
  redis: Redis | undefined,
  rateLimit: { perMinute?: number; burst?: number } | undefined,
): (account: string) => RateBudget {
  const windowMs = config.KINGDEE_RATE_WINDOW_MS;
  const limit = config.KINGDEE_RATE_LIMIT ?? Math.round(((rateLimit?.perMinute ?? 450) * windowMs) / 60_000);
  const burst = Math.min(limit, rateLimit?.burst ?? 10);
  if (redis) return (account) => new RedisRateBudget({ redis, account, prefix: "erpbridge:budget:", limit, windowMs, burst });
  const buckets = new Map<string, TokenBucketBudget>();
  return (account) => {
    let bucket = buckets.get(account);
    if (!bucket) buckets.set(account, (bucket = new TokenBucketBudget({ limit, windowMs, burst })));
    return bucket;
  };
}
