import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { type DomainLogger, silentLogger } from "../logger.js";

/**
 * The outbox: messages to outside systems (WeChat subscribe messages today; signed webhooks and
 * WeCom messages later), written in the transaction of the change that causes them, then claimed,
 * sent through their channel, retried with back-off, and dead-lettered — one piece for every channel.
 *
 * - One row per channel × dedupe key (`enqueue` ignores a second one): a message is never queued twice.
 * - Claiming leases a batch (`in_flight`, `locked_until`) with `FOR UPDATE SKIP LOCKED`, so any
 *   number of workers share the queue and each message is sent by one of them.
 * - A channel answers `sent`, `retry` (again after a delay; after `maxAttempts` the message is
 *   dead), `dead` (never again) or `outcome_unknown` (the request may have arrived: never resent,
 *   so a user never gets the same message twice).
 * - A lease that expires in flight (the worker died mid-send) is reaped as `unknown` for the same reason.
 */

export const OUTBOX_STATUSES = ["pending", "sent", "dead", "unknown"] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** What a channel says about one send. `code` is the outside system's error code, if any. */
export type SendOutcome =
  | { kind: "sent" }
  | { kind: "retry"; reason: string; code?: string | null | undefined; afterMs?: number | undefined }
  | { kind: "dead"; reason: string; code?: string | null | undefined }
  | { kind: "outcome_unknown"; reason: string; code?: string | null | undefined };

export interface OutboxMessage<Payload = unknown> {
  id: string;
  channel: string;
  dedupeKey: string;
  tenantId: string | null;
  payload: Payload;
  /** Including this one. */
  attempts: number;
}

export interface OutboxChannel<Payload = unknown> {
  /** Stored on each message; unique per outbox. */
  readonly name: string;
  /** Sends one message. Throwing counts as a failure of our own: the message is dead, not resent. */
  send(message: OutboxMessage<Payload>): Promise<SendOutcome>;
  /** Runs in the transaction that records the outcome (e.g. consume or reset a consent credit). */
  settle?(message: OutboxMessage<Payload>, outcome: SendOutcome, transaction: Transaction): Promise<void>;
}

export interface NewOutboxMessage<Payload = unknown> {
  dedupeKey: string;
  tenantId?: string | null | undefined;
  payload: Payload;
}

export interface OutboxOptions {
  sequelize: Sequelize;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each channel has its own payload type
  channels: readonly OutboxChannel<any>[];
  /** Attempts before a retried message is dead (default 5). */
  maxAttempts?: number | undefined;
  /** Delay before attempt n+1 after n failed, unless the channel says (default 30 s · 2^(n−1), at most 1 h). */
  retryDelayMs?: ((attempts: number) => number) | undefined;
  /** How long a claimed message may stay in flight (default 5 min). */
  leaseMs?: number | undefined;
  /** Messages per claim (default 100). */
  batchSize?: number | undefined;
  logger?: DomainLogger | undefined;
}

export interface OutboxRunResult {
  sent: number;
  retried: number;
  dead: number;
  unknown: number;
  reaped: number;
}

const MAX_BATCHES = 50;

interface ClaimedRow {
  id: string;
  channel: string;
  dedupeKey: string;
  tenantId: string | null;
  payload: unknown;
  attempts: number;
}

export class Outbox {
  readonly #sequelize: Sequelize;
  readonly #channels: Map<string, OutboxChannel<unknown>>;
  readonly #maxAttempts: number;
  readonly #retryDelayMs: (attempts: number) => number;
  readonly #leaseMs: number;
  readonly #batchSize: number;
  readonly #logger: DomainLogger;

  constructor(options: OutboxOptions) {
    this.#sequelize = options.sequelize;
    this.#channels = new Map();
    for (const channel of options.channels) {
      if (this.#channels.has(channel.name)) throw new Error(`outbox: channel "${channel.name}" given twice`);
      this.#channels.set(channel.name, channel as OutboxChannel<unknown>);
    }
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#retryDelayMs = options.retryDelayMs ?? ((n) => Math.min(30_000 * 2 ** Math.max(0, n - 1), 3_600_000));
    this.#leaseMs = options.leaseMs ?? 5 * 60_000;
    this.#batchSize = options.batchSize ?? 100;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Queues a message (in the caller's transaction, if given). false when its dedupe key is already queued. */
  async enqueue<Payload>(channel: OutboxChannel<Payload> | string, message: NewOutboxMessage<Payload>, transaction?: Transaction): Promise<boolean> {
    const name = typeof channel === "string" ? channel : channel.name;
    const rows = await this.#sequelize.query(
      `INSERT INTO outbox_message (channel, dedupe_key, tenant_id, payload) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (channel, dedupe_key) DO NOTHING RETURNING id`,
      { bind: [name, message.dedupeKey, message.tenantId ?? null, JSON.stringify(message.payload)], type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) },
    );
    return rows.length > 0;
  }

  /** Messages whose worker died mid-send: the outcome is unknown, so they are not resent. */
  async reapExpiredLeases(): Promise<number> {
    const rows = await this.#sequelize.query(
      `UPDATE outbox_message SET status = 'unknown', in_flight = false, locked_until = NULL, updated_at = now(),
              error = 'outcome unknown: the worker stopped while sending; not resent'
        WHERE status = 'pending' AND in_flight AND locked_until < now() AND channel = ANY($1::text[])
        RETURNING id`,
      { bind: [[...this.#channels.keys()]], type: QueryTypes.SELECT },
    );
    return rows.length;
  }

  /** Leases up to `limit` due messages of this outbox's channels. */
  async claim(limit: number = this.#batchSize): Promise<OutboxMessage[]> {
    return this.#sequelize.query<ClaimedRow>(
      `UPDATE outbox_message m
          SET in_flight = true, locked_until = now() + ($2::int * interval '1 millisecond'),
              attempts = m.attempts + 1, last_attempt_at = now(), updated_at = now()
        WHERE m.id IN (SELECT id FROM outbox_message
                        WHERE status = 'pending' AND NOT in_flight AND next_attempt_at <= now() AND channel = ANY($3::text[])
                        ORDER BY next_attempt_at, created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING m.id, m.channel, m.dedupe_key AS "dedupeKey", m.tenant_id AS "tenantId", m.payload, m.attempts`,
      { bind: [limit, this.#leaseMs, [...this.#channels.keys()]], type: QueryTypes.SELECT },
    );
  }

  /**
   * Reaps expired leases, then claims and sends due messages batch by batch until none are left.
   * `onSettled` sees each outcome as recorded (after retries ran out, a `retry` is recorded as `dead`).
   */
  async runOnce(onSettled?: (message: OutboxMessage, outcome: SendOutcome) => void): Promise<OutboxRunResult> {
    const result: OutboxRunResult = { sent: 0, retried: 0, dead: 0, unknown: 0, reaped: 0 };
    result.reaped = await this.reapExpiredLeases();
    for (let i = 0; i < MAX_BATCHES; i++) {
      const claimed = await this.claim();
      for (const message of claimed) {
        const outcome = await this.deliver(message);
        onSettled?.(message, outcome);
        if (outcome.kind === "sent") result.sent++;
        else if (outcome.kind === "retry") result.retried++;
        else if (outcome.kind === "dead") result.dead++;
        else result.unknown++;
      }
      if (claimed.length < this.#batchSize) break;
    }
    return result;
  }

  /** Sends one claimed message and records the outcome; returns the outcome recorded. */
  async deliver(message: OutboxMessage): Promise<SendOutcome> {
    const channel = this.#channels.get(message.channel);
    let outcome: SendOutcome;
    try {
      if (!channel) throw new Error(`no channel "${message.channel}" in this outbox`);
      outcome = await channel.send(message);
    } catch (error) {
      // Our own failure (database, bad data): never resent; if even recording fails, the reaper will.
      const reason = error instanceof Error ? error.message : String(error);
      this.#logger.error("outbox: send failed", { messageId: message.id, channel: message.channel, error: reason });
      outcome = { kind: "dead", reason: `internal error: ${reason}` };
    }
    if (outcome.kind === "retry" && message.attempts >= this.#maxAttempts) {
      outcome = { kind: "dead", reason: outcome.reason, code: outcome.code };
    }
    const meta = { messageId: message.id, channel: message.channel, attempts: message.attempts };
    if (outcome.kind === "retry") this.#logger.warn("outbox: send failed, will retry", { ...meta, code: outcome.code, error: outcome.reason });
    else if (outcome.kind !== "sent") this.#logger.warn(`outbox: message ${outcome.kind === "dead" ? "dead" : "outcome unknown"}`, { ...meta, code: outcome.code, error: outcome.reason });
    const recorded = outcome;
    await this.#sequelize
      .transaction(async (transaction) => {
        await this.#record(message, recorded, transaction);
        if (channel?.settle) await channel.settle(message, recorded, transaction);
      })
      .catch((error: unknown) => {
        this.#logger.error("outbox: could not record an outcome", { ...meta, error: error instanceof Error ? error.message : String(error) });
      });
    return outcome;
  }

  async #record(message: OutboxMessage, outcome: SendOutcome, transaction: Transaction): Promise<void> {
    if (outcome.kind === "retry") {
      const delay = Math.max(0, Math.round(outcome.afterMs ?? this.#retryDelayMs(message.attempts)));
      await this.#sequelize.query(
        `UPDATE outbox_message SET error_code = $2, error = $3, in_flight = false, locked_until = NULL, updated_at = now(),
                next_attempt_at = now() + ($4::int * interval '1 millisecond')
          WHERE id = $1`,
        { bind: [message.id, outcome.code ?? null, outcome.reason, delay], transaction },
      );
      return;
    }
    const status: OutboxStatus = outcome.kind === "sent" ? "sent" : outcome.kind === "dead" ? "dead" : "unknown";
    const [code, reason] = outcome.kind === "sent" ? [null, null] : [outcome.code ?? null, outcome.reason];
    await this.#sequelize.query(
      `UPDATE outbox_message SET status = $2, error_code = $3, error = $4, in_flight = false, locked_until = NULL, updated_at = now(),
              sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END
        WHERE id = $1`,
      { bind: [message.id, status, code, reason], transaction },
    );
  }
}
