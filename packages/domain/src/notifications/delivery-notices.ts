import { QueryTypes, type Sequelize } from "sequelize";
import { formatSubscribeValue } from "../wechat/subscribe-values.js";
import { type DeliverySourceField, getDeliveryTemplate, type StoredTemplateConfig, type TemplateFieldSource } from "./templates.js";

/**
 * Delivery notices: a subscribe message to each WeChat user bound to the customer of a NEW delivery
 * who has a consent credit for the tenant's delivery-notice template.
 *
 * Flow (crash-safe, exactly one message per (delivery, template, openid)):
 * 1. A trigger on `delivery` (migration 0009) writes a `delivery_event` row in the same transaction
 *    that inserts the delivery — only for inserts, only while the tenant has an enabled template.
 * 2. {@link DeliveryNotifier.runOnce} (an Agenda job, kicked after each sync and swept periodically)
 *    turns unprocessed events into `message_log` rows (status `pending`) for every bound openid with
 *    a credit; the unique key (delivery_id, template_id, openid) makes duplicates impossible, and the
 *    event is marked processed in the same transaction.
 * 3. Due `pending` rows are leased (`in_flight`) and sent. Success → `sent`, one credit consumed.
 *    43101 (no consent at WeChat) → `no_consent`, never retried, our credit count reset to 0. Rate
 *    limits, busy/5xx/connection failures and token problems → retried with exponential backoff up to
 *    `maxAttempts`, then `failed`. Timeouts (outcome unknown), invalid data/template/page → `failed`
 *    without retry (a user must never get the same notice twice). A lease that expires while in
 *    flight (the worker died mid-send) is marked `failed` ("outcome unknown"), not resent.
 * Deliveries dated more than `maxAgeDays` ago (an initial import, a back-dated bill) are not notified.
 */

export interface SubscribeSendRequest {
  touser: string;
  templateId: string;
  page?: string;
  data: Record<string, { value: string }>;
  miniprogramState?: "developer" | "trial" | "formal";
}

export type SendOutcome = "no_consent" | "retry" | "failed";

export interface ClassifiedSendError {
  outcome: SendOutcome;
  errcode: number | null;
  message: string;
}

/**
 * Maps a send error to what the notifier does. Duck-typed on the WeChat SDK's `WechatError`
 * (`category`, `errcode`), so the domain needs no SDK dependency.
 */
export function classifySendError(error: unknown): ClassifiedSendError {
  const e = (typeof error === "object" && error !== null ? error : {}) as { category?: unknown; errcode?: unknown; message?: unknown };
  const errcode = typeof e.errcode === "number" ? e.errcode : null;
  const message = typeof e.message === "string" ? e.message : String(error);
  if (errcode === 43101 || e.category === "consent") return { outcome: "no_consent", errcode, message };
  if (e.category === "rate_limit" || e.category === "network" || e.category === "authentication") return { outcome: "retry", errcode, message };
  return { outcome: "failed", errcode, message };
}

export interface NotifierLogger {
  info(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
  error(msg: string, meta?: object): void;
}

export interface DeliveryNotifierOptions {
  sequelize: Sequelize;
  /** The mini-program whose bindings are used. */
  appId: string;
  /** Sends one subscribe message (e.g. `wechat.subscribeMessage.send`). */
  send: (message: SubscribeSendRequest) => Promise<void>;
  classifyError?: (error: unknown) => ClassifiedSendError;
  logger?: NotifierLogger;
  /** Attempts before a retried message is `failed` (default 5). */
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
  failed: number;
  retried: number;
  reaped: number;
}

interface ClaimedMessage {
  id: string;
  tenantId: string;
  openid: string;
  templateId: string;
  deliveryId: string;
  attempts: number;
}

interface DeliveryValues {
  id: string;
  bill_no: string;
  bill_date: string;
  customer_name: string;
  customer_number: string | null;
  total_amount: string;
  item_count: number;
  first_item: string | null;
  tenant_name: string;
}

const silent: NotifierLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const MAX_BATCHES = 50;

export class DeliveryNotifier {
  readonly #o: Required<Omit<DeliveryNotifierOptions, "logger" | "classifyError">> & {
    logger: NotifierLogger;
    classifyError: (error: unknown) => ClassifiedSendError;
  };
  #running: Promise<NotifyRunResult> | undefined;

  constructor(options: DeliveryNotifierOptions) {
    this.#o = {
      maxAttempts: 5,
      retryDelayMs: (n) => Math.min(30_000 * 2 ** Math.max(0, n - 1), 3_600_000),
      maxAgeDays: 3,
      leaseMs: 5 * 60_000,
      batchSize: 100,
      timezone: "Asia/Shanghai",
      ...options,
      logger: options.logger ?? silent,
      classifyError: options.classifyError ?? classifySendError,
    };
  }

  /** Processes the outbox and sends what is due. Concurrent calls in one process share one run. */
  runOnce(): Promise<NotifyRunResult> {
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #run(): Promise<NotifyRunResult> {
    const result: NotifyRunResult = { events: 0, queued: 0, sent: 0, noConsent: 0, failed: 0, retried: 0, reaped: 0 };
    result.reaped = await this.reapExpiredLeases();
    for (let i = 0; i < MAX_BATCHES; i++) {
      const { events, queued } = await this.fanOut();
      result.events += events;
      result.queued += queued;
      if (events < this.#o.batchSize) break;
    }
    const templates = new Map<string, StoredTemplateConfig | null>();
    for (let i = 0; i < MAX_BATCHES; i++) {
      const claimed = await this.#claim();
      for (const message of claimed) {
        const outcome = await this.#deliver(message, templates);
        if (outcome === "sent") result.sent++;
        else if (outcome === "no_consent") result.noConsent++;
        else if (outcome === "failed") result.failed++;
        else result.retried++;
      }
      if (claimed.length < this.#o.batchSize) break;
    }
    await this.#o.sequelize.query(`DELETE FROM delivery_event WHERE processed_at < now() - interval '7 days'`);
    if (result.events || result.sent || result.failed || result.noConsent || result.retried || result.reaped) {
      this.#o.logger.info("delivery notices processed", result);
    }
    return result;
  }

  /** One batch of the outbox → `message_log` rows (pending) for bound openids with a credit. */
  async fanOut(): Promise<{ events: number; queued: number }> {
    const { sequelize } = this.#o;
    return sequelize.transaction(async (transaction) => {
      const events = await sequelize.query<{ id: string }>(
        `SELECT id FROM delivery_event WHERE processed_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        { bind: [this.#o.batchSize], type: QueryTypes.SELECT, transaction },
      );
      if (events.length === 0) return { events: 0, queued: 0 };
      const ids = events.map((e) => e.id);
      const queued = await sequelize.query<{ id: string }>(
        `INSERT INTO message_log (tenant_id, customer_id, openid, template_id, delivery_id)
         SELECT d.tenant_id, d.customer_id, b.openid, t.template_id, d.id
           FROM delivery_event e
           JOIN delivery d ON d.id = e.delivery_id
           JOIN tenant_wechat_template t ON t.tenant_id = d.tenant_id AND t.kind = 'delivery_notice' AND t.enabled
           JOIN wechat_binding b ON b.customer_id = d.customer_id AND b.app_id = $2
           JOIN subscribe_credit s ON s.openid = b.openid AND s.template_id = t.template_id AND s.credits > 0
          WHERE e.id = ANY($1::bigint[])
            AND d.bill_date >= (now() AT TIME ZONE $3)::date - $4::int
         ON CONFLICT (delivery_id, template_id, openid) DO NOTHING
         RETURNING id`,
        { bind: [ids, this.#o.appId, this.#o.timezone, this.#o.maxAgeDays], type: QueryTypes.SELECT, transaction },
      );
      await sequelize.query(`UPDATE delivery_event SET processed_at = now() WHERE id = ANY($1::bigint[])`, { bind: [ids], transaction });
      return { events: events.length, queued: queued.length };
    });
  }

  /** Messages whose worker died mid-send: the outcome is unknown, so they are failed, not resent. */
  async reapExpiredLeases(): Promise<number> {
    const rows = await this.#o.sequelize.query(
      `UPDATE message_log SET status = 'failed', in_flight = false, locked_until = NULL, updated_at = now(),
              error = 'outcome unknown: the worker stopped while sending; not resent'
        WHERE status = 'pending' AND in_flight AND locked_until < now()
        RETURNING id`,
      { type: QueryTypes.SELECT },
    );
    return rows.length;
  }

  async #claim(): Promise<ClaimedMessage[]> {
    return this.#o.sequelize.query<ClaimedMessage>(
      `UPDATE message_log m
          SET in_flight = true, locked_until = now() + ($2::int * interval '1 millisecond'),
              attempts = m.attempts + 1, last_attempt_at = now(), updated_at = now()
        WHERE m.id IN (SELECT id FROM message_log
                        WHERE status = 'pending' AND NOT in_flight AND next_attempt_at <= now()
                        ORDER BY next_attempt_at, created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING m.id, m.tenant_id AS "tenantId", m.openid, m.template_id AS "templateId", m.delivery_id AS "deliveryId", m.attempts`,
      { bind: [this.#o.batchSize, this.#o.leaseMs], type: QueryTypes.SELECT },
    );
  }

  async #finish(id: string, status: "sent" | "failed" | "no_consent", errcode: number | null, error: string | null): Promise<void> {
    await this.#o.sequelize.query(
      `UPDATE message_log SET status = $2, errcode = $3, error = $4, in_flight = false, locked_until = NULL, updated_at = now(),
              sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END
        WHERE id = $1`,
      { bind: [id, status, errcode, error] },
    );
  }

  async #deliver(m: ClaimedMessage, templates: Map<string, StoredTemplateConfig | null>): Promise<"sent" | SendOutcome> {
    const { sequelize, logger } = this.#o;
    try {
      if (!templates.has(m.tenantId)) templates.set(m.tenantId, await getDeliveryTemplate(sequelize, m.tenantId));
      const template = templates.get(m.tenantId);
      if (!template || !template.enabled || template.templateId !== m.templateId) {
        await this.#finish(m.id, "failed", null, "the delivery notice template is no longer configured for this tenant");
        return "failed";
      }
      const [credit] = await sequelize.query<{ credits: number }>(
        `SELECT credits FROM subscribe_credit WHERE openid = $1 AND template_id = $2`,
        { bind: [m.openid, m.templateId], type: QueryTypes.SELECT },
      );
      if (!credit || credit.credits <= 0) {
        await this.#finish(m.id, "no_consent", null, "no consent credit left");
        return "no_consent";
      }
      const values = await this.#values(m.deliveryId);
      if (!values) {
        await this.#finish(m.id, "failed", null, "the delivery no longer exists");
        return "failed";
      }
      const message = this.#message(m, template, values);
      try {
        await this.#o.send(message);
      } catch (error) {
        return await this.#failed(m, error);
      }
      await sequelize.transaction(async (transaction) => {
        await sequelize.query(
          `UPDATE message_log SET status = 'sent', sent_at = now(), errcode = NULL, error = NULL, in_flight = false,
                  locked_until = NULL, updated_at = now() WHERE id = $1`,
          { bind: [m.id], transaction },
        );
        await sequelize.query(
          `UPDATE subscribe_credit SET credits = credits - 1, updated_at = now() WHERE openid = $1 AND template_id = $2 AND credits > 0`,
          { bind: [m.openid, m.templateId], transaction },
        );
      });
      return "sent";
    } catch (error) {
      // Our own failure (database, bad data): recorded as failed; if even that fails, the lease reaper will.
      logger.error("delivery notice failed", { messageId: m.id, error: error instanceof Error ? error.message : String(error) });
      await this.#finish(m.id, "failed", null, `internal error: ${error instanceof Error ? error.message : String(error)}`).catch(() => undefined);
      return "failed";
    }
  }

  async #failed(m: ClaimedMessage, error: unknown): Promise<SendOutcome> {
    const { outcome, errcode, message } = this.#o.classifyError(error);
    const meta = { messageId: m.id, deliveryId: m.deliveryId, templateId: m.templateId, errcode, attempts: m.attempts };
    if (outcome === "no_consent") {
      // WeChat is the authority on consent: our count was stale.
      this.#o.logger.info("delivery notice: no subscription consent at WeChat (43101)", meta);
      await this.#o.sequelize.transaction(async (transaction) => {
        await this.#o.sequelize.query(
          `UPDATE message_log SET status = 'no_consent', errcode = $2, error = $3, in_flight = false, locked_until = NULL, updated_at = now()
            WHERE id = $1`,
          { bind: [m.id, errcode, message], transaction },
        );
        await this.#o.sequelize.query(
          `UPDATE subscribe_credit SET credits = 0, updated_at = now() WHERE openid = $1 AND template_id = $2`,
          { bind: [m.openid, m.templateId], transaction },
        );
      });
      return "no_consent";
    }
    if (outcome === "retry" && m.attempts < this.#o.maxAttempts) {
      const delay = Math.max(0, Math.round(this.#o.retryDelayMs(m.attempts)));
      this.#o.logger.warn("delivery notice: send failed, will retry", { ...meta, retryInMs: delay, error: message });
      await this.#o.sequelize.query(
        `UPDATE message_log SET errcode = $2, error = $3, in_flight = false, locked_until = NULL, updated_at = now(),
                next_attempt_at = now() + ($4::int * interval '1 millisecond')
          WHERE id = $1`,
        { bind: [m.id, errcode, message, delay] },
      );
      return "retry";
    }
    this.#o.logger.warn("delivery notice: send failed", { ...meta, error: message });
    await this.#finish(m.id, "failed", errcode, message);
    return "failed";
  }

  async #values(deliveryId: string): Promise<DeliveryValues | undefined> {
    const [row] = await this.#o.sequelize.query<DeliveryValues>(
      `SELECT d.id, d.bill_no, to_char(d.bill_date, 'YYYY-MM-DD') AS bill_date, d.total_amount::text AS total_amount,
              c.name AS customer_name, c.number AS customer_number, t.name AS tenant_name,
              (SELECT count(*) FROM delivery_item i WHERE i.delivery_id = d.id)::int AS item_count,
              (SELECT i.material_name FROM delivery_item i WHERE i.delivery_id = d.id ORDER BY i.seq LIMIT 1) AS first_item
         FROM delivery d JOIN customer c ON c.id = d.customer_id JOIN tenant t ON t.id = d.tenant_id
        WHERE d.id = $1`,
      { bind: [deliveryId], type: QueryTypes.SELECT },
    );
    return row;
  }

  #message(m: ClaimedMessage, template: StoredTemplateConfig, v: DeliveryValues): SubscribeSendRequest {
    const data: Record<string, { value: string }> = {};
    for (const [key, source] of Object.entries(template.fields as Record<string, TemplateFieldSource>)) {
      const raw = typeof source === "string" ? this.#source(source, v) : source.text;
      data[key] = { value: formatSubscribeValue(key, raw) };
    }
    const page = template.page
      ?.replaceAll("{delivery_id}", encodeURIComponent(v.id))
      .replaceAll("{bill_no}", encodeURIComponent(v.bill_no));
    return {
      touser: m.openid,
      templateId: m.templateId,
      ...(page ? { page } : {}),
      data,
      miniprogramState: template.miniprogramState,
    };
  }

  #source(field: DeliverySourceField, v: DeliveryValues): string {
    switch (field) {
      case "bill_no":
        return v.bill_no;
      case "bill_date":
        return v.bill_date;
      case "customer_name":
        return v.customer_name;
      case "customer_number":
        return v.customer_number ?? "";
      case "total_amount":
        return v.total_amount;
      case "item_count":
        return String(v.item_count);
      case "items_summary":
        return itemsSummary(v.first_item, v.item_count);
      case "tenant_name":
        return v.tenant_name;
      case "sent_time":
        return localTime(new Date(), this.#o.timezone);
    }
  }
}

/** `矿泉水 550ml等3项`, shortened inside so the count survives the 20-character `thing` limit. */
export function itemsSummary(firstItem: string | null, count: number, max = 20): string {
  const name = (firstItem ?? "").replace(/\s+/g, " ").trim() || "货品";
  const suffix = count > 1 ? `等${count}项` : "";
  const room = max - [...suffix].length;
  const cps = [...name];
  return (cps.length <= room ? name : `${cps.slice(0, Math.max(1, room - 1)).join("").trimEnd()}…`) + suffix;
}

/** `yyyy-MM-dd HH:mm` in the zone. */
export function localTime(date: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}
