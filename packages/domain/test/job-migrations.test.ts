import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigrator, migrate } from "../src/db/index.js";
import { setupDomainDb, type TestDomainDb } from "./helpers.js";

// Migrations 0022 (sync_run becomes the run history of every job kind) and 0023 (message_log
// moves into the generic outbox) on a database filled under the previous schema: the data stays.

let db: TestDomainDb;
beforeAll(async () => {
  db = await setupDomainDb({ migrate: false });
});
afterAll(async () => {
  await db?.teardown();
});

const sql = <T extends object>(query: string, bind: unknown[] = []) => db.sequelize.query<T>(query, { bind, type: QueryTypes.SELECT });

describe("migrations 0022 and 0023", () => {
  it("keep sync runs (as kind sync) and every WeChat message with its state", async () => {
    await createMigrator(db.sequelize).up({ to: "0017-sync-run-stopped" });
    const [tenant] = await sql<{ id: string }>(
      `INSERT INTO tenant (id, name, client_id, app_key, created_at, updated_at) VALUES (gen_random_uuid(), 't', 'c', 'k', now(), now()) RETURNING id`,
    );
    const [customer] = await sql<{ id: string }>(
      `INSERT INTO customer (id, tenant_id, kingdee_customer_id, number, name, raw, created_at, updated_at)
       VALUES (gen_random_uuid(), $1, 'k1', 'C-1', 'c', '{}', now(), now()) RETURNING id`,
      [tenant!.id],
    );
    const [run] = await sql<{ id: string }>(
      `INSERT INTO sync_run (id, tenant_id, job_name, trigger, status, fetched_count, created_at, updated_at)
       VALUES (gen_random_uuid(), $1, 'documents_incremental', 'manual', 'partial', 12, now(), now()) RETURNING id`,
      [tenant!.id],
    );
    const delivery = "00000000-0000-4000-8000-000000000001";
    const messages: Array<[string, string, number | null, string | null]> = [
      ["o-sent", "sent", null, null],
      ["o-pending", "pending", 45009, "rate limited"],
      ["o-refused", "no_consent", 43101, "no consent"],
      ["o-nocredit", "no_consent", null, "no consent credit left"],
      ["o-failed", "failed", 47003, "bad value"],
      ["o-lost", "failed", null, "outcome unknown: the worker stopped while sending; not resent"],
    ];
    for (const [openid, status, errcode, error] of messages) {
      await sql(
        `INSERT INTO message_log (tenant_id, customer_id, openid, template_id, delivery_id, status, errcode, error, attempts)
         VALUES ($1, $2, $3, 'tmpl', $4, $5, $6, $7, 2)`,
        [tenant!.id, customer!.id, openid, delivery, status, errcode, error],
      );
    }

    const applied = await createMigrator(db.sequelize).up({ to: "0023-outbox" });
    expect(applied.map((m) => m.name)).toEqual(expect.arrayContaining(["0022-job-run-history", "0023-outbox"]));

    expect(await sql(`SELECT id, kind, status, fetched_count FROM sync_run`)).toEqual([
      { id: run!.id, kind: "sync", status: "partial", fetched_count: 12 },
    ]);
    const outbox = await sql<{ key: string; status: string; code: string | null; payload: Record<string, string>; attempts: number }>(
      `SELECT dedupe_key AS key, status, error_code AS code, payload, attempts FROM outbox_message WHERE channel = 'wechat_subscribe' ORDER BY dedupe_key`,
    );
    const byOpenid = Object.fromEntries(outbox.map((m) => [m.payload.openid, m]));
    expect(Object.keys(byOpenid).sort()).toEqual(messages.map((m) => m[0]).sort());
    expect(byOpenid["o-sent"]).toMatchObject({ key: `${delivery}:tmpl:o-sent`, status: "sent", code: null, attempts: 2 });
    expect(byOpenid["o-sent"]!.payload).toEqual({ openid: "o-sent", templateId: "tmpl", deliveryId: delivery, customerId: customer!.id });
    expect(byOpenid["o-pending"]).toMatchObject({ status: "pending", code: "45009" });
    expect(byOpenid["o-refused"]).toMatchObject({ status: "dead", code: "43101" });
    expect(byOpenid["o-nocredit"]).toMatchObject({ status: "dead", code: "no_consent" });
    expect(byOpenid["o-failed"]).toMatchObject({ status: "dead", code: "47003" });
    expect(byOpenid["o-lost"]).toMatchObject({ status: "unknown", code: null });
    expect(await sql(`SELECT to_regclass('message_log') AS t`)).toEqual([{ t: null }]);

    // And back: the message log holds the same messages in its own words.
    await migrate(db.sequelize, { direction: "down" });
    const back = await sql<{ openid: string; status: string; errcode: number | null }>(`SELECT openid, status, errcode FROM message_log ORDER BY openid`);
    expect(back).toEqual(
      messages.map(([openid, status, errcode]) => ({ openid, status, errcode })).sort((a, b) => a.openid.localeCompare(b.openid)),
    );
  });
});
