import { QueryTypes, type Transaction } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Outbox, type OutboxChannel, type OutboxMessage, type SendOutcome } from "../src/outbox/index.js";
import { setupDomainDb, type TestDomainDb } from "./helpers.js";

// The generic outbox with a test-only channel (how a signed-webhook or WeCom channel plugs in):
// dedupe, claim and lease, back-off, dead letters, unknown outcomes, the lease reaper, and
// several workers claiming the same queue at once.

let db: TestDomainDb;
beforeAll(async () => {
  db = await setupDomainDb();
});
afterAll(async () => {
  await db?.teardown();
});

const sql = <T extends object>(query: string, bind: unknown[] = []) => db.sequelize.query<T>(query, { bind, type: QueryTypes.SELECT });

interface HookPayload {
  url: string;
  body: string;
}

/** A channel that answers from a script (default `sent`) and records what it sent and settled. */
function testChannel(name: string, script: SendOutcome[] = []) {
  const sent: Array<OutboxMessage<HookPayload>> = [];
  const settled: Array<{ id: string; outcome: SendOutcome["kind"]; inTransaction: boolean }> = [];
  const channel: OutboxChannel<HookPayload> & { sent: typeof sent; settled: typeof settled; script: SendOutcome[] } = {
    name,
    sent,
    settled,
    script,
    async send(message) {
      const outcome = script.shift() ?? { kind: "sent" };
      if (outcome.kind === "sent") sent.push(message);
      return outcome;
    },
    async settle(message, outcome, transaction: Transaction) {
      // The channel's own bookkeeping commits with the outcome (a WeChat credit, say).
      const [row] = await db.sequelize.query<{ status: string }>(`SELECT status FROM outbox_message WHERE id = $1`, {
        bind: [message.id], type: QueryTypes.SELECT, transaction,
      });
      settled.push({ id: message.id, outcome: outcome.kind, inTransaction: row?.status !== "pending" || outcome.kind === "retry" });
    },
  };
  return channel;
}

const row = async (channel: string, dedupeKey: string) =>
  (await sql<{ status: string; attempts: number; errorCode: string | null; error: string | null; inFlight: boolean; waitS: number }>(
    `SELECT status, attempts, error_code AS "errorCode", error, in_flight AS "inFlight",
            extract(epoch FROM next_attempt_at - now())::float AS "waitS"
       FROM outbox_message WHERE channel = $1 AND dedupe_key = $2`,
    [channel, dedupeKey],
  ))[0];

describe("outbox", () => {
  it("queues a message once per channel × dedupe key, in the caller's transaction", async () => {
    const hook = testChannel("hook-dedupe");
    const outbox = new Outbox({ sequelize: db.sequelize, channels: [hook] });
    expect(await outbox.enqueue(hook, { dedupeKey: "order-1:created", payload: { url: "https://x.test/h", body: "{}" } })).toBe(true);
    expect(await outbox.enqueue(hook, { dedupeKey: "order-1:created", payload: { url: "https://x.test/h", body: "{}" } })).toBe(false);
    // Rolled back with the change that caused it: never sent.
    await db.sequelize
      .transaction(async (transaction) => {
        await outbox.enqueue(hook, { dedupeKey: "order-2:created", payload: { url: "https://x.test/h", body: "{}" } }, transaction);
        throw new Error("the change failed");
      })
      .catch(() => undefined);
    expect(await outbox.runOnce()).toEqual({ sent: 1, retried: 0, dead: 0, unknown: 0, reaped: 0 });
    expect(hook.sent.map((m) => m.dedupeKey)).toEqual(["order-1:created"]);
    expect(await row("hook-dedupe", "order-1:created")).toMatchObject({ status: "sent", attempts: 1, inFlight: false });
    expect(hook.settled).toEqual([{ id: hook.sent[0]!.id, outcome: "sent", inTransaction: true }]);
    expect(await outbox.runOnce()).toMatchObject({ sent: 0 });
  });

  it("retries with back-off (the channel's Retry-After wins), then dead-letters after maxAttempts", async () => {
    const hook = testChannel("hook-retry", [
      { kind: "retry", reason: "503 busy", code: "503" },
      { kind: "retry", reason: "429 slow down", code: "429", afterMs: 120_000 },
      { kind: "retry", reason: "503 busy", code: "503" },
    ]);
    const outbox = new Outbox({ sequelize: db.sequelize, channels: [hook], maxAttempts: 3, retryDelayMs: (n) => n * 10_000 });
    await outbox.enqueue(hook, { dedupeKey: "k", payload: { url: "u", body: "b" } });
    expect(await outbox.runOnce()).toMatchObject({ retried: 1 });
    const first = await row("hook-retry", "k");
    expect(first).toMatchObject({ status: "pending", attempts: 1, errorCode: "503", error: "503 busy", inFlight: false });
    expect(first!.waitS).toBeGreaterThan(8); // retryDelayMs(1) = 10 s
    expect(await outbox.runOnce()).toMatchObject({ retried: 0 }); // not due yet

    await sql(`UPDATE outbox_message SET next_attempt_at = now() WHERE channel = 'hook-retry'`);
    expect(await outbox.runOnce()).toMatchObject({ retried: 1 });
    expect((await row("hook-retry", "k"))!.waitS).toBeGreaterThan(100); // the channel's 120 s

    await sql(`UPDATE outbox_message SET next_attempt_at = now() WHERE channel = 'hook-retry'`);
    expect(await outbox.runOnce()).toMatchObject({ retried: 0, dead: 1 });
    expect(await row("hook-retry", "k")).toMatchObject({ status: "dead", attempts: 3, errorCode: "503", error: "503 busy" });
    expect(hook.sent).toEqual([]);
  });

  it("dead and outcome_unknown are final; a throwing channel dead-letters the message as our own failure", async () => {
    const hook = testChannel("hook-final", [
      { kind: "dead", reason: "410 gone", code: "410" },
      { kind: "outcome_unknown", reason: "timed out after the request was sent" },
    ]);
    const outbox = new Outbox({ sequelize: db.sequelize, channels: [hook], retryDelayMs: () => 0 });
    await outbox.enqueue(hook, { dedupeKey: "a", payload: { url: "u", body: "b" } });
    await outbox.enqueue(hook, { dedupeKey: "b", payload: { url: "u", body: "b" } });
    expect(await outbox.runOnce()).toMatchObject({ dead: 1, unknown: 1 });
    const statuses = await sql<{ status: string; error_code: string | null }>(
      `SELECT status, error_code FROM outbox_message WHERE channel = 'hook-final' ORDER BY status`,
    );
    expect(statuses).toEqual([{ status: "dead", error_code: "410" }, { status: "unknown", error_code: null }]);

    const broken: OutboxChannel<HookPayload> = { name: "hook-broken", send: () => Promise.reject(new Error("payload has no url")) };
    const other = new Outbox({ sequelize: db.sequelize, channels: [broken] });
    await other.enqueue(broken, { dedupeKey: "c", payload: { url: "", body: "" } });
    expect(await other.runOnce()).toMatchObject({ dead: 1 });
    expect(await row("hook-broken", "c")).toMatchObject({ status: "dead", error: "internal error: payload has no url" });
    expect(await outbox.runOnce()).toMatchObject({ sent: 0, dead: 0, unknown: 0 });
  });

  it("a lease that expired in flight is reaped as unknown, never resent; an outbox claims only its own channels", async () => {
    const hook = testChannel("hook-lease");
    const bystander = testChannel("hook-bystander");
    const outbox = new Outbox({ sequelize: db.sequelize, channels: [hook], leaseMs: 60_000 });
    await outbox.enqueue(hook, { dedupeKey: "x", payload: { url: "u", body: "b" } });
    await outbox.enqueue(bystander, { dedupeKey: "y", payload: { url: "u", body: "b" } });
    const [claimed, ...more] = await outbox.claim();
    expect(more).toEqual([]);
    expect(claimed).toMatchObject({ channel: "hook-lease", dedupeKey: "x", attempts: 1, payload: { url: "u" } });
    expect(await outbox.reapExpiredLeases()).toBe(0); // still leased
    await sql(`UPDATE outbox_message SET locked_until = now() - interval '1 second' WHERE id = $1`, [claimed!.id]);
    expect(await outbox.runOnce()).toMatchObject({ reaped: 1, sent: 0 });
    expect(await row("hook-lease", "x")).toMatchObject({ status: "unknown", inFlight: false, error: expect.stringMatching(/^outcome unknown/) });
    expect(hook.sent).toEqual([]);
    expect(await row("hook-bystander", "y")).toMatchObject({ status: "pending", attempts: 0 });
  });

  it("workers claiming at once send each message exactly once", async () => {
    const channels = Array.from({ length: 4 }, () => testChannel("hook-race"));
    const workers = channels.map((channel) => new Outbox({ sequelize: db.sequelize, channels: [channel], batchSize: 7 }));
    for (let i = 0; i < 120; i++) await workers[0]!.enqueue("hook-race", { dedupeKey: `m-${i}`, payload: { url: "u", body: String(i) } });
    const results = await Promise.all(workers.map((w) => w.runOnce()));
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(120);
    const keys = channels.flatMap((c) => c.sent.map((m) => m.dedupeKey));
    expect(keys).toHaveLength(120);
    expect(new Set(keys).size).toBe(120);
    expect(channels.filter((c) => c.sent.length > 0).length).toBeGreaterThan(1); // shared, not one worker alone
    const [left] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_message WHERE channel = 'hook-race' AND status <> 'sent'`);
    expect(left!.n).toBe(0);
  });
});
