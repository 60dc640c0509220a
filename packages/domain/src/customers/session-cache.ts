import pg from "pg";
import type { Sequelize } from "sequelize";
import { type CustomerIdentity, hashToken, resolveCustomerSession } from "./customer-access.js";

export interface SessionCacheOptions {
  /** The database the sessions live in; the cache listens there for changed sessions. */
  databaseUrl: string;
  /** How long an entry is trusted without a change notice (a safety net, not the invalidation). */
  ttlMs?: number;
  maxEntries?: number;
  onListenerError?: (error: Error) => void;
}

interface Entry {
  identity: CustomerIdentity;
  until: number;
}

/**
 * Session lookups for every customer request, cached in the process. Correct across replicas
 * because PostgreSQL tells each one (trigger + NOTIFY `customer_session_changed`, migration 0015)
 * when a session row changes or is deleted; entries also end with the session's own expiry and
 * after `ttlMs`. While the listener is not connected nothing is cached, so a missed notice can
 * never keep a revoked session alive.
 */
export class CustomerSessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private listener: pg.Client | undefined;
  private listening = false;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Bumped by every notice; a lookup that raced one is answered but not cached. */
  private generation = 0;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly options: SessionCacheOptions,
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl });
    client.on("notification", (notice) => {
      this.generation++;
      if (notice.payload) this.entries.delete(notice.payload);
    });
    const lost = (error?: Error) => {
      if (this.listener !== client) return;
      this.stopCaching();
      this.listener = undefined;
      if (error) this.options.onListenerError?.(error);
      void client.end().catch(() => undefined);
      if (!this.closed) {
        this.reconnectTimer = setTimeout(() => void this.start().catch((e: Error) => this.options.onListenerError?.(e)), 1_000);
        this.reconnectTimer.unref();
      }
    };
    client.on("error", lost);
    client.on("end", () => lost());
    this.listener = client;
    try {
      await client.connect();
      await client.query("LISTEN customer_session_changed");
    } catch (error) {
      lost(error as Error);
      return;
    }
    this.listening = true;
  }

  /** The customer behind a session token; null when unknown or expired. */
  async resolve(sessionToken: string): Promise<CustomerIdentity | null> {
    const tokenHash = hashToken(sessionToken);
    const now = Date.now();
    const hit = this.entries.get(tokenHash);
    if (hit && hit.until > now && this.listening) return hit.identity;
    if (hit) this.entries.delete(tokenHash);

    const generation = this.generation;
    const row = await resolveCustomerSession(this.sequelize, sessionToken);
    if (!row) return null;
    const identity: CustomerIdentity = { customerId: row.customerId, tenantId: row.tenantId };
    if (this.listening && generation === this.generation) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(tokenHash, { identity, until: Math.min(now + this.ttlMs, row.expiresAt.getTime()) });
    }
    return identity;
  }

  /** Drops sessions this process just ended, without waiting for their change notice. */
  forget(tokenHashes: readonly string[]): void {
    this.generation++;
    for (const tokenHash of tokenHashes) this.entries.delete(tokenHash);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.stopCaching();
    const client = this.listener;
    this.listener = undefined;
    await client?.end().catch(() => undefined);
  }

  private stopCaching() {
    this.listening = false;
    this.generation++;
    this.entries.clear();
  }
}
