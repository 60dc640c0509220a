import { randomUUID } from "node:crypto";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DeliveryNotifier, deliveryTemplateSchema, itemsSummary, listDeliveryNotices, setDeliveryTemplate, type SubscribeSendRequest,
} from "../src/notifications/index.js";
import {
  addSubscribeCredits, bindWithInvite, createCustomerInvite, formatSubscribeValue, subscribeValueValid,
} from "../src/wechat/index.js";
import { setupDomainDb, type TestDomainDb } from "./helpers.js";

// Delivery notices against a real database with a fake sender: the outbox trigger, fan-out to
// bound openids with credits, idempotency, 43101, retries with backoff, leases, and the age limit.

const APP = "wx-test-app";
const TEMPLATE = "Tmpl-Delivery-1";
let db: TestDomainDb;
let tenantId: string;

const sql = <T extends object>(query: string, bind: unknown[] = []) => db.sequelize.query<T>(query, { bind, type: QueryTypes.SELECT });

async function customer(name = "上海浦东门店有限公司"): Promise<string> {
  const [row] = await sql<{ id: string }>(
    `INSERT INTO customer (id, tenant_id, kingdee_customer_id, number, name, raw, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, 'C-001', $3, '{}', now(), now()) RETURNING id`,
    [tenantId, randomUUID(), name],
  );
  return row!.id;
}

let billSeq = 0;
async function delivery(customerId: string, opts: { billDate?: string; kingdeeId?: string } = {}): Promise<string> {
  const [row] = await sql<{ id: string }>(
    `INSERT INTO delivery (id, tenant_id, customer_id, kingdee_id, bill_no, bill_date, total_amount, status, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, COALESCE($5::date, (now() AT TIME ZONE 'Asia/Shanghai')::date), 1234.5, 'PENDING', now(), now())
     ON CONFLICT (tenant_id, kingdee_id) DO UPDATE SET bill_no = EXCLUDED.bill_no, updated_at = now()
     RETURNING id`,
    [tenantId, customerId, opts.kingdeeId ?? randomUUID(), `XSCKD-2025-${String(++billSeq).padStart(4, "0")}`, opts.billDate ?? null],
  );
  await db.sequelize.query(
    `INSERT INTO delivery_item (id, delivery_id, seq, material_name, qty, amount) VALUES
       (gen_random_uuid(), $1, 1, '农夫山泉饮用天然水 550ml 整箱装', 10, 600), (gen_random_uuid(), $1, 2, '可乐', 5, 634.5)
     ON CONFLICT DO NOTHING`,
    { bind: [row!.id] },
  );
  return row!.id;
}

async function bind(customerId: string, openid: string) {
  const invite = await createCustomerInvite(db.sequelize, { customerId, ttlMs: 60_000 });
  return bindWithInvite(db.sequelize, { appId: APP, openid, scene: invite.scene, sessionTtlMs: 60_000 });
}

// The notices as operators see them (WeChat's statuses over the outbox's), ordered by openid.
const log = async (deliveryId: string) =>
  (await listDeliveryNotices(db.sequelize, { deliveryId }))
    .sort((a, b) => a.openid.localeCompare(b.openid))
    .map(({ openid, status, errcode, attempts, inFlight }) => ({ openid, status, errcode, attempts, inFlight }));
const credits = async (openid: string) =>
  (await sql<{ credits: number }>(`SELECT credits FROM subscribe_credit WHERE openid = $1 AND template_id = $2`, [openid, TEMPLATE]))[0]?.credits ?? 0;

interface FakeSender {
  sent: SubscribeSendRequest[];
  failWith: unknown[];
  send(message: SubscribeSendRequest): Promise<void>;
}
function fakeSender(): FakeSender {
  const fake: FakeSender = {
    sent: [],
    failWith: [],
    async send(message) {
      const error = fake.failWith.shift();
      if (error) throw error;
      fake.sent.push(message);
    },
  };
  return fake;
}
const wechatError = (category: string, errcode?: number) => Object.assign(new Error(`WeChat failed ${errcode ?? category}`), { category, errcode });

beforeAll(async () => {
  db = await setupDomainDb();
  const [t] = await sql<{ id: string }>(
    `INSERT INTO tenant (id, name, created_at, updated_at) VALUES (gen_random_uuid(), '示例供应商', now(), now()) RETURNING id`,
  );
  tenantId = t!.id;
});
afterAll(async () => {
  await db?.teardown();
});

describe("template configuration", () => {
  it("accepts a valid mapping and reports each bad key by path", () => {
    const ok = deliveryTemplateSchema.parse({
      templateId: TEMPLATE,
      page: "pages/delivery/detail?id={delivery_id}",
      fields: { character_string1: "bill_no", thing2: "items_summary", time3: "bill_date", phrase4: { text: "已发货" }, amount5: "total_amount" },
    });
    expect(ok.miniprogramState).toBe("formal");

    const bad = deliveryTemplateSchema.safeParse({
      templateId: "bad id!",
      page: "/pages/x",
      fields: { thing1: "nope", amount2: "bill_no", foo3: "bill_no", phrase4: { text: "delivered" }, thing5: { text: "x".repeat(21) } },
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["templateId", "page", "fields.thing1", "fields.amount2", "fields.foo3", "fields.phrase4.text", "fields.thing5.text"]));
    expect(deliveryTemplateSchema.safeParse({ templateId: TEMPLATE, fields: {} }).error?.issues[0]?.path).toEqual(["fields"]);
  });

  it("formats values to the key rules", () => {
    expect(formatSubscribeValue("thing2", "一二三四五六七八九十一二三四五六七八九十一二")).toBe("一二三四五六七八九十一二三四五六七八九…");
    expect(subscribeValueValid("thing2", formatSubscribeValue("thing2", "x".repeat(50)))).toBe(true);
    expect(formatSubscribeValue("character_string1", "XS 出库-0001")).toBe("XS-0001");
    expect(formatSubscribeValue("amount4", "1234.5")).toBe("¥1234.50");
    expect(subscribeValueValid("amount4", "¥1234.50")).toBe(true);
    expect(formatSubscribeValue("thing9", "   ")).toBe("-");
    expect(itemsSummary("农夫山泉饮用天然水 550ml 整箱装", 3)).toBe("农夫山泉饮用天然水 550ml…等3项");
    expect([...itemsSummary("农夫山泉饮用天然水 550ml 整箱装商用装", 12)].length).toBeLessThanOrEqual(20);
    expect(itemsSummary("可乐", 1)).toBe("可乐");
  });
});

describe("delivery notices", () => {
  let sender: FakeSender;
  let notifier: DeliveryNotifier;

  beforeEach(() => {
    sender = fakeSender();
    notifier = new DeliveryNotifier({ sequelize: db.sequelize, appId: APP, send: (m) => sender.send(m), retryDelayMs: () => 0, maxAttempts: 3 });
  });

  it("records no events while the tenant has no template, and only inserts (not updates) afterwards", async () => {
    const c = await customer();
    await delivery(c);
    expect(await sql(`SELECT 1 FROM delivery_event`)).toHaveLength(0);
    await setDeliveryTemplate(db.sequelize, tenantId, {
      templateId: TEMPLATE,
      page: "pages/delivery/detail?id={delivery_id}",
      fields: { character_string1: "bill_no", thing2: "items_summary", time3: "bill_date", phrase4: { text: "已发货" } },
    });
    const kingdeeId = randomUUID();
    const d = await delivery(c, { kingdeeId });
    await delivery(c, { kingdeeId }); // the upsert's update path
    expect(await sql(`SELECT 1 FROM delivery_event WHERE delivery_id = $1`, [d])).toHaveLength(1);
    // Nobody bound: processed, nothing queued.
    expect(await notifier.runOnce()).toMatchObject({ events: 1, queued: 0, sent: 0 });
  });

  it("sends once per (delivery, template, openid) to bound openids with a credit, consuming it", async () => {
    const c = await customer();
    await bind(c, "o-staff-1");
    await bind(c, "o-staff-2"); // no credit: not messaged
    await addSubscribeCredits(db.sequelize, "o-staff-1", [TEMPLATE]);
    await addSubscribeCredits(db.sequelize, "o-staff-1", [TEMPLATE]);
    const d = await delivery(c);

    expect(await notifier.runOnce()).toMatchObject({ events: 1, queued: 1, sent: 1 });
    expect(sender.sent).toHaveLength(1);
    const [message] = sender.sent;
    expect(message).toMatchObject({ touser: "o-staff-1", templateId: TEMPLATE, page: `pages/delivery/detail?id=${d}`, miniprogramState: "formal" });
    expect(message!.data.phrase4).toEqual({ value: "已发货" });
    expect(message!.data.thing2!.value).toMatch(/等2项$/);
    expect(message!.data.time3!.value).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await log(d)).toEqual([{ openid: "o-staff-1", status: "sent", errcode: null, attempts: 1, inFlight: false }]);
    expect(await credits("o-staff-1")).toBe(1);

    // A duplicate event for the same delivery never sends twice.
    await db.sequelize.query(`INSERT INTO delivery_event (tenant_id, delivery_id) VALUES ($1, $2)`, { bind: [tenantId, d] });
    expect(await notifier.runOnce()).toMatchObject({ events: 1, queued: 0, sent: 0 });
    expect(sender.sent).toHaveLength(1);
  });

  it("43101 is recorded as no_consent, not retried, and resets our credit count", async () => {
    const c = await customer();
    await bind(c, "o-refused");
    await addSubscribeCredits(db.sequelize, "o-refused", [TEMPLATE, TEMPLATE]);
    const d = await delivery(c);
    sender.failWith.push(wechatError("consent", 43101));
    expect(await notifier.runOnce()).toMatchObject({ noConsent: 1, sent: 0 });
    expect(await log(d)).toEqual([{ openid: "o-refused", status: "no_consent", errcode: 43101, attempts: 1, inFlight: false }]);
    expect(await credits("o-refused")).toBe(0);
    expect(await notifier.runOnce()).toMatchObject({ sent: 0, noConsent: 0, retried: 0 });
  });

  it("retries transient failures with backoff, then gives up; timeouts are not resent", async () => {
    const c = await customer();
    await bind(c, "o-flaky");
    await addSubscribeCredits(db.sequelize, "o-flaky", [TEMPLATE]);
    const d = await delivery(c);
    sender.failWith.push(wechatError("rate_limit", 45009), wechatError("network", -1));
    expect(await notifier.runOnce()).toMatchObject({ retried: 1 });
    expect(await notifier.runOnce()).toMatchObject({ retried: 1 });
    expect(await notifier.runOnce()).toMatchObject({ sent: 1 });
    expect(await log(d)).toEqual([{ openid: "o-flaky", status: "sent", errcode: null, attempts: 3, inFlight: false }]);
    expect(await credits("o-flaky")).toBe(0);

    // Backoff: the next attempt waits.
    const slow = new DeliveryNotifier({ sequelize: db.sequelize, appId: APP, send: (m) => sender.send(m), maxAttempts: 2 });
    await addSubscribeCredits(db.sequelize, "o-flaky", [TEMPLATE]);
    const d2 = await delivery(c);
    sender.failWith.push(wechatError("network", -1));
    expect(await slow.runOnce()).toMatchObject({ retried: 1 });
    const [due] = await sql<{ wait: number }>(`SELECT extract(epoch FROM next_attempt_at - now()) AS wait FROM outbox_message WHERE payload->>'deliveryId' = $1`, [d2]);
    expect(Number(due!.wait)).toBeGreaterThan(20);
    expect(await slow.runOnce()).toMatchObject({ retried: 0, sent: 0 });
    await db.sequelize.query(`UPDATE outbox_message SET next_attempt_at = now() WHERE payload->>'deliveryId' = $1`, { bind: [d2] });
    sender.failWith.push(wechatError("network", -1));
    expect(await slow.runOnce()).toMatchObject({ failed: 1 });
    expect(await log(d2)).toMatchObject([{ status: "failed", errcode: -1, attempts: 2 }]);

    const d3 = await delivery(c);
    sender.failWith.push(wechatError("timeout"));
    expect(await notifier.runOnce()).toMatchObject({ failed: 1 });
    expect(await log(d3)).toMatchObject([{ status: "failed", attempts: 1 }]);
    expect(await credits("o-flaky")).toBe(1); // consumed only on success
  });

  it("fails a message whose worker died mid-send instead of resending it; skips old deliveries", async () => {
    const c = await customer();
    await bind(c, "o-lease");
    await addSubscribeCredits(db.sequelize, "o-lease", [TEMPLATE]);
    const d = await delivery(c);
    await notifier.fanOut();
    await db.sequelize.query(
      `UPDATE outbox_message SET in_flight = true, attempts = 1, locked_until = now() - interval '1 second' WHERE payload->>'deliveryId' = $1`,
      { bind: [d] },
    );
    expect(await notifier.runOnce()).toMatchObject({ reaped: 1, sent: 0 });
    expect(await log(d)).toMatchObject([{ status: "failed", inFlight: false }]);

    const old = await delivery(c, { billDate: "2020-01-01" });
    expect(await notifier.runOnce()).toMatchObject({ events: 1, queued: 0 });
    expect(await log(old)).toEqual([]);
  });
});
