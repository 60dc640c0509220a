import { QueryTypes, type Sequelize } from "sequelize";
import { type DomainLogger, silentLogger } from "../logger.js";
import { Outbox } from "../outbox/outbox.js";
import {
  type ClassifiedSendError, createWechatSubscribeChannel, NO_CONSENT_CODES, type SubscribeSendRequest, WECHAT_SUBSCRIBE_CHANNEL,
} from "./wechat-subscribe-channel.js";

/**
 * Delivery notices: a subscribe message to each WeChat user bound to the customer of a NEW delivery
 * who has a consent credit for the tenant's delivery-notice template.
 *
 * Flow (crash-safe, exactly one message per (delivery, template, openid)):
 * 1. A trigger on `delivery` (migration 0009) writes a `delivery_event` row in the same transaction
 *    that inserts the delivery — only for inserts, only while the tenant has an enabled template.
 * 2. {@link DeliveryNotifier.runOnce} (a job, kicked after each sync and swept periodically) turns
 *    unprocessed events into outbox messages on the WeChat subscribe channel for every bound openid
 *    with a credit; the dedupe key (delivery, template, openid) makes duplicates impossible, and the
 *    event is marked processed in the same transaction.
 * 3. The outbox sends what is due (see `outbox/outbox.ts` for leases, back-off and dead letters,
 *    `wechat-subscribe-channel.ts` for what WeChat's answers mean). Success consumes one credit;
 *    43101 (no consent at WeChat) is never retried and resets our credit count to 0; rate limits,
 *    busy/5xx/connection failures and token problems are retried up to `maxAttempts`; timeouts
 *    (outcome unknown) and invalid data are not resent (a user must never get the same notice twice).
 * Deliveries dated more than `maxAgeDays` ago (an initial import, a back-dated bill) are not notified.
 */


export interface DeliveryNotifierOptions {
  sequelize: Sequelize;
  /** The mini-program whose bindings are used. */
  appId: string;
  /** Sends one subscribe message (e.g. `wechat.subscribeMessage.send`). */
  send: (message: SubscribeSendRequest) => Promise<void>;
  classifyError?: (error: unknown) => ClassifiedSendError;
  logger?: DomainLogger;
  /** Attempts before a retried message is given up (default 5). */
  maxAttempts?: number;
  /** Delay before attempt n+1 after n failed (default 30 s · 2^(n−1), at most 1 h). */
  retryDelayMs?: (attempts: number) => number;
  /** Deliveries with a bill date older than this many days are not notified (default 3). */
  maxAgeDays?: number;
  /** How long a claimed message may stay in flight (default 5 min). */
  leaseMs?: number;
  /** Rows per batch (default 100). */
  batchSize?: number;
  /** Time zone of bill dates and `sent_time` (default Asia/Shanghai). */
  timezone?: string;
}

export interface NotifyRunResult {
  events: number;
  queued: number;
  sent: number;
  noConsent: number;
  /** Given up (invalid data, retries exhausted) or outcome unknown (not resent). */
  failed: number;
  retried: number;
  reaped: number;
}

const MAX_BATCHES = 50;

export class DeliveryNotifier {
  readonly #sequelize: Sequelize;
  readonly #appId: string;
  readonly #maxAgeDays: number;
  readonly #batchSize: number;
  readonly #timezone: string;
  readonly #logger: DomainLogger;
  readonly #outbox: Outbox;
  #running: Promise<NotifyRunResult> | undefined;

  constructor(options: DeliveryNotifierOptions) {
    this.#sequelize = options.sequelize;
    this.#appId = options.appId;
    this.#maxAgeDays = options.maxAgeDays ?? 3;
    this.#batchSize = options.batchSize ?? 100;
    this.#timezone = options.timezone ?? "Asia/Shanghai";
    this.#logger = options.logger ?? silentLogger;
    this.#outbox = new Outbox({
      sequelize: options.sequelize,
      channels: [
        createWechatSubscribeChannel({
          sequelize: options.sequelize,
          send: options.send,
          classifyError: options.classifyError,
          timezone: this.#timezone,
        }),
      ],
      maxAttempts: options.maxAttempts,
      retryDelayMs: options.retryDelayMs,
      leaseMs: options.leaseMs,
      batchSize: this.#batchSize,
      logger: this.#logger,
    });
  }

  /** Processes the events and sends what is due. Concurrent calls in one process share one run. */
  runOnce(): Promise<NotifyRunResult> {
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #run(): Promise<NotifyRunResult> {
    const result: NotifyRunResult = { events: 0, queued: 0, sent: 0, noConsent: 0, failed: 0, retried: 0, reaped: 0 };
    for (let i = 0; i < MAX_BATCHES; i++) {
      const { events, queued } = await this.fanOut();
      result.events += events;
      result.queued += queued;
      if (events < this.#batchSize) break;
    }
    const sent = await this.#outbox.runOnce((_message, outcome) => {
      if (outcome.kind === "dead" && NO_CONSENT_CODES.includes(outcome.code ?? "")) result.noConsent++;
      else if (outcome.kind === "dead" || outcome.kind === "outcome_unknown") result.failed++;
    });
    result.sent = sent.sent;
    result.retried = sent.retried;
    result.reaped = sent.reaped;
    await this.#sequelize.query(`DELETE FROM delivery_event WHERE processed_at < now() - interval '7 days'`);
    if (result.events || result.sent || result.failed || result.noConsent || result.retried || result.reaped) {
      this.#logger.info("delivery notices processed", result);
    }
    return result;
  }

  /** One batch of delivery events → outbox messages (pending) for bound openids with a credit. */
  async fanOut(): Promise<{ events: number; queued: number }> {
    const sequelize = this.#sequelize;
    return sequelize.transaction(async (transaction) => {
      const events = await sequelize.query<{ id: string }>(
        `SELECT id FROM delivery_event WHERE processed_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        { bind: [this.#batchSize], type: QueryTypes.SELECT, transaction },
      );
      if (events.length === 0) return { events: 0, queued: 0 };
      const ids = events.map((e) => e.id);
      const queued = await sequelize.query<{ id: string }>(
        `INSERT INTO outbox_message (channel, dedupe_key, tenant_id, payload)
         SELECT $5, d.id || ':' || t.template_id || ':' || b.openid, d.tenant_id,
                jsonb_build_object('openid', b.openid, 'templateId', t.template_id, 'deliveryId', d.id, 'customerId', d.customer_id)
           FROM delivery_event e
           JOIN delivery d ON d.id = e.delivery_id
           JOIN tenant_wechat_template t ON t.tenant_id = d.tenant_id AND t.kind = 'delivery_notice' AND t.enabled
           JOIN wechat_binding b ON b.customer_id = d.customer_id AND b.app_id = $2
           JOIN subscribe_credit s ON s.openid = b.openid AND s.template_id = t.template_id AND s.credits > 0
          WHERE e.id = ANY($1::bigint[])
            AND d.bill_date >= (now() AT TIME ZONE $3)::date - $4::int
         ON CONFLICT (channel, dedupe_key) DO NOTHING
         RETURNING id`,
        { bind: [ids, this.#appId, this.#timezone, this.#maxAgeDays, WECHAT_SUBSCRIBE_CHANNEL], type: QueryTypes.SELECT, transaction },
      );
      await sequelize.query(`UPDATE delivery_event SET processed_at = now() WHERE id = ANY($1::bigint[])`, { bind: [ids], transaction });
      return { events: events.length, queued: queued.length };
    });
  }
}

export const DELIVERY_NOTICE_STATUSES = ["pending", "sent", "failed", "no_consent"] as const;
export type DeliveryNoticeStatus = (typeof DELIVERY_NOTICE_STATUSES)[number];

/** One delivery notice as operators see it: WeChat's words (no_consent, errcode) over the outbox's state. */
export interface DeliveryNoticeRecord {
  id: string;
  tenantId: string;
  customerId: string;
  openid: string;
  templateId: string;
  deliveryId: string;
  status: DeliveryNoticeStatus;
  errcode: number | null;
  error: string | null;
  attempts: number;
  inFlight: boolean;
  nextAttemptAt: Date | null;
  sentAt: Date | null;
  createdAt: Date;
}

export interface DeliveryNoticeFilter {
  tenantId?: string | undefined;
  customerId?: string | undefined;
  deliveryId?: string | undefined;
  status?: DeliveryNoticeStatus | undefined;
  page?: number | undefined;
  pageSize?: number | undefined;
}

const NOTICE_STATUS = `CASE WHEN o.status = 'dead' AND o.error_code = ANY($7::text[]) THEN 'no_consent'
                           WHEN o.status IN ('dead', 'unknown') THEN 'failed' ELSE o.status END`;

/** The delivery notices, newest first (then by openid). */
export async function listDeliveryNotices(sequelize: Sequelize, filter: DeliveryNoticeFilter = {}): Promise<DeliveryNoticeRecord[]> {
  const page = filter.page ?? 1;
  const pageSize = filter.pageSize ?? 50;
  return sequelize.query<DeliveryNoticeRecord>(
    `SELECT * FROM (
       SELECT o.id, o.tenant_id AS "tenantId", o.payload->>'customerId' AS "customerId", o.payload->>'openid' AS openid,
              o.payload->>'templateId' AS "templateId", o.payload->>'deliveryId' AS "deliveryId", ${NOTICE_STATUS} AS status,
              CASE WHEN o.error_code ~ '^-?[0-9]+$' THEN o.error_code::int END AS errcode, o.error, o.attempts,
              o.in_flight AS "inFlight", CASE WHEN o.status = 'pending' THEN o.next_attempt_at END AS "nextAttemptAt",
              o.sent_at AS "sentAt", o.created_at AS "createdAt"
         FROM outbox_message o
        WHERE o.channel = $8 AND ($1::uuid IS NULL OR o.tenant_id = $1)
          AND ($2::text IS NULL OR o.payload->>'customerId' = $2) AND ($3::text IS NULL OR o.payload->>'deliveryId' = $3)
     ) notice
     WHERE ($4::text IS NULL OR status = $4)
     ORDER BY "createdAt" DESC, openid, id
     LIMIT $5 OFFSET $6`,
    {
      bind: [
        filter.tenantId ?? null, filter.customerId ?? null, filter.deliveryId ?? null, filter.status ?? null,
        pageSize, (page - 1) * pageSize, NO_CONSENT_CODES, WECHAT_SUBSCRIBE_CHANNEL,
      ],
      type: QueryTypes.SELECT,
    },
  );
}
