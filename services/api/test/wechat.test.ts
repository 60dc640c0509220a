import { hashToken } from "@erpbridge/domain/customers";
import { listDeliveryNotices } from "@erpbridge/domain/notifications";
import { startWechatSandbox, type WechatSandbox } from "@erpbridge/wechat-sandbox";
import { TRPCClientError } from "@trpc/client";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApi, startTestApi, waitForRun } from "./harness.js";

// WeChat login/binding and delivery notices over HTTP with the typed client, against the WeChat
// sandbox (its own consent ledger, single-use codes, real PNG codes) and the Kingdee sandbox.

let wx: WechatSandbox;
let api: TestApi;
let tenantId: string;
let customers: Array<{ id: string; kingdeeCustomerId: string }>;

interface ErrorData {
  code: string;
  httpStatus: number;
  fieldErrors: Array<{ path: string; message: string }> | null;
}
async function failure(promise: Promise<unknown>): Promise<{ message: string; data: ErrorData }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) return { message: error.message, data: error.data as ErrorData };
    throw error;
  }
  throw new Error("expected the call to fail");
}

const sql = <T extends object>(query: string, bind: unknown[] = []) =>
  api.services.db.sequelize.query<T>(query, { bind, type: QueryTypes.SELECT });

const anon = () => api.client();
const invite = (customerId: string, extra: { allowRebind?: boolean; ttlHours?: number } = {}) =>
  api.admin.admin.customers.invite.mutate({ customerId, ...extra });
const bind = (openid: string, scene: string) => anon().mini.auth.bind.mutate({ code: wx.codes.issue(openid), scene });
const wxLogin = (openid: string) => anon().mini.auth.wxLogin.mutate({ code: wx.codes.issue(openid) });
const me = (token: string) => api.client(token).mini.me.query();

async function sync(jobName: "master_data_full" | "documents_incremental") {
  const run = await waitForRun(api, (await api.admin.admin.sync.run.mutate({ tenantId, jobName })).id);
  expect(run.status).toBe("success");
  return run;
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  wx = await startWechatSandbox({ pages: ["pages/index/index", "pages/login/index", "pages/delivery/detail"] });
  api = await startTestApi({
    env: { WECHAT_APP_ID: wx.demoApp.appId, WECHAT_APP_SECRET: wx.demoApp.appSecret, WECHAT_BASE_URL: wx.url },
  });
  tenantId = await api.createSandboxTenant();
  await sync("master_data_full");
  await sync("documents_incremental");
  customers = await sql<{ id: string; kingdeeCustomerId: string }>(
    `SELECT id, kingdee_customer_id AS "kingdeeCustomerId" FROM customer WHERE tenant_id = $1 ORDER BY name, id`,
    [tenantId],
  );
  expect(customers.length).toBeGreaterThanOrEqual(4);
  // The harness starts no background work; the job runtime (the notification jobs on it) is what we test here.
  await api.services.jobs.start();
}, 120_000);

afterAll(async () => {
  await api?.close();
  await wx?.stop();
});

describe("WeChat login and binding", () => {
  it("an unbound WeChat user gets not_bound; a bad code is UNAUTHORIZED", async () => {
    expect(await wxLogin("o-stranger")).toEqual({ status: "not_bound" });
    const bad = await failure(anon().mini.auth.wxLogin.mutate({ code: "not-a-code" }));
    expect(bad.data.code).toBe("UNAUTHORIZED");
    expect(bad.message).toMatch(/login code is invalid/);
  });

  it("invite → scan → bind → session; wxLogin later opens a new session", async () => {
    const A = customers[0]!;
    const inv = await invite(A.id);
    expect(inv.scene.length).toBeLessThanOrEqual(32);
    expect(inv.scene).toMatch(/^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/);
    expect(inv.page).toBe("pages/login/index");
    expect(inv.qrMimeType).toBe("image/png");
    expect(inv.qrDataUrl.startsWith("data:image/png;base64,")).toBe(true);
    expect(Buffer.from(inv.qrImageBase64, "base64").subarray(1, 4).toString()).toBe("PNG");
    expect(wx.wxacodes.generated().at(-1)).toMatchObject({ scene: inv.scene, page: "pages/login/index" });
    // Only the hash is stored.
    expect(await sql(`SELECT 1 FROM customer_invite WHERE scene_hash = $1 AND used_at IS NULL`, [hashToken(inv.scene)])).toHaveLength(1);

    const bound = await bind("o-alice", encodeURIComponent(inv.scene)); // the page may pass the scene still encoded
    expect(bound).toMatchObject({ status: "ok", rebound: false, alreadyBound: false });
    expect((await me(bound.sessionToken)).id).toBe(A.id);

    const again = await wxLogin("o-alice");
    if (again.status !== "ok") throw new Error("expected a session");
    expect(again.sessionToken).not.toBe(bound.sessionToken);
    expect((await me(again.sessionToken)).id).toBe(A.id);
  });

  it("a used invite and an expired invite are rejected, without spending the login code", async () => {
    const A = customers[0]!;
    const inv = await invite(A.id);
    await bind("o-bob", inv.scene);
    const reused = await failure(bind("o-carol", inv.scene));
    expect(reused.data.code).toBe("UNAUTHORIZED");
    expect(reused.message).toMatch(/already been used/);

    const old = await invite(A.id, { ttlHours: 1 });
    await api.services.db.sequelize.query(`UPDATE customer_invite SET expires_at = now() - interval '1 second' WHERE scene_hash = $1`, {
      bind: [hashToken(old.scene)],
    });
    const code = wx.codes.issue("o-carol");
    const expired = await failure(anon().mini.auth.bind.mutate({ code, scene: old.scene }));
    expect(expired.data.code).toBe("UNAUTHORIZED");
    expect(expired.message).toMatch(/expired/);
    expect(await anon().mini.auth.wxLogin.mutate({ code })).toEqual({ status: "not_bound" }); // code still good

    const unknown = await failure(bind("o-carol", "i=doesNotExist0000000000000"));
    expect(unknown.message).toMatch(/unknown invite/);
  });

  it("an openid bound to another customer is refused (CONFLICT) unless the invite allows rebinding", async () => {
    const [A, B] = [customers[0]!, customers[1]!];
    const before = await wxLogin("o-alice");
    if (before.status !== "ok") throw new Error("expected a session");

    const plain = await invite(B.id);
    const conflict = await failure(bind("o-alice", plain.scene));
    expect(conflict.data.code).toBe("CONFLICT");
    expect(conflict.message).toBe("this WeChat account is already bound to another customer");
    // Nothing moved, and the invite is still usable by someone else.
    expect((await me(before.sessionToken)).id).toBe(A.id);
    const dave = await bind("o-dave", plain.scene);
    expect((await me(dave.sessionToken)).id).toBe(B.id);

    const rebind = await invite(B.id, { allowRebind: true });
    const moved = await bind("o-alice", rebind.scene);
    expect(moved).toMatchObject({ status: "ok", rebound: true });
    expect((await me(moved.sessionToken)).id).toBe(B.id);
    // The old WeChat session for A has ended; wxLogin now lands on B.
    expect((await failure(me(before.sessionToken))).data.code).toBe("UNAUTHORIZED");
    const after = await wxLogin("o-alice");
    if (after.status !== "ok") throw new Error("expected a session");
    expect((await me(after.sessionToken)).id).toBe(B.id);

    // Several WeChat accounts per customer (staff): B has dave and alice; A still has bob.
    const bindings = await api.admin.admin.customers.wechatBindings.query({ customerId: B.id });
    expect(bindings.map((b) => b.openid).sort()).toEqual(["o-alice", "o-dave"]);
    expect((await api.admin.admin.customers.wechatBindings.query({ customerId: A.id })).map((b) => b.openid)).toEqual(["o-bob"]);
  });

  it("token login still works; bindPhone stores the phone on the binding only", async () => {
    const A = customers[0]!;
    const issued = await api.admin.admin.customers.issueToken.mutate({ customerId: A.id });
    const { sessionToken } = await anon().mini.auth.login.mutate({ token: issued.token });
    const profile = await me(sessionToken);
    expect(profile.id).toBe(A.id);

    // A token-login session has no WeChat user.
    const noWechat = await failure(api.client(sessionToken).mini.auth.bindPhone.mutate({ code: wx.users.phoneCode("o-bob", "13800138000") }));
    expect(noWechat.data.code).toBe("PRECONDITION_FAILED");

    const bob = await wxLogin("o-bob");
    if (bob.status !== "ok") throw new Error("expected a session");
    const phone = await api.client(bob.sessionToken).mini.auth.bindPhone.mutate({ code: wx.users.phoneCode("o-bob", "13800138000") });
    expect(phone).toEqual({ phoneNumber: "13800138000", countryCode: "86" });
    const [binding] = await api.admin.admin.customers.wechatBindings.query({ customerId: A.id });
    expect(binding!.phone).toBe("13800138000");
    expect((await me(bob.sessionToken)).phone).toBe(profile.phone); // the ERP's phone is untouched
  });
});

describe("delivery notice template configuration", () => {
  it("rejects bad mappings with BAD_REQUEST and a field error per key", async () => {
    const bad = await failure(
      api.admin.admin.wechat.setDeliveryTemplate.mutate({
        tenantId,
        templateId: "tmpl 1",
        fields: { thing1: "bill_nope" as never, amount2: "bill_no", color3: "bill_no", phrase4: { text: "shipped" } },
      }),
    );
    expect(bad.data.code).toBe("BAD_REQUEST");
    expect(bad.data.fieldErrors!.map((f) => f.path).sort()).toEqual(["fields.amount2", "fields.color3", "fields.phrase4.text", "fields.thing1", "templateId"]);
    expect(bad.data.fieldErrors!.find((f) => f.path === "fields.amount2")!.message).toMatch(/bill_no cannot fill a amount key/);

    const missing = await failure(
      api.admin.admin.wechat.setDeliveryTemplate.mutate({ tenantId: "00000000-0000-4000-8000-000000000000", templateId: "T1", fields: { thing1: "bill_no" } }),
    );
    expect(missing.data.code).toBe("NOT_FOUND");
  });
});

describe("delivery notices (subscribe messages)", () => {
  let templateId: string;

  const deliveryOf = async (kingdeeId: string) =>
    (await sql<{ id: string; billNo: string; customerId: string }>(
      `SELECT id, bill_no AS "billNo", customer_id AS "customerId" FROM delivery WHERE tenant_id = $1 AND kingdee_id = $2`,
      [tenantId, kingdeeId],
    ))[0];
  const logOf = async (deliveryId: string) =>
    (await listDeliveryNotices(api.services.db.sequelize, { deliveryId }))
      .sort((a, b) => a.openid.localeCompare(b.openid))
      .map(({ openid, status, errcode, attempts, sentAt }) => ({ openid, status, errcode, attempts, sentAt }));
  /** Adds a delivery in the ERP and returns the customer it went to (the sandbox picks one). */
  const addDelivery = () => {
    const [kingdeeId] = api.sandbox.data.add("sal_out_bound", 1);
    const row = api.sandbox.data.rows("sal_out_bound").find((r) => r.id === kingdeeId)!;
    const customer = customers.find((c) => c.kingdeeCustomerId === String(row.customer_id))!;
    expect(customer).toBeDefined();
    return { kingdeeId: kingdeeId!, customer };
  };
  async function bindWithSession(openid: string, customerId: string) {
    const inv = await invite(customerId, { allowRebind: true });
    return api.client((await bind(openid, inv.scene)).sessionToken);
  }

  beforeAll(async () => {
    templateId = wx.demoTemplate!.templateId; // keys: character_string1, thing2, time3, phrase4
    const saved = await api.admin.admin.wechat.setDeliveryTemplate.mutate({
      tenantId,
      templateId,
      page: "pages/delivery/detail?id={delivery_id}",
      fields: { character_string1: "bill_no", thing2: "items_summary", time3: "bill_date", phrase4: { text: "已发货" } },
    });
    expect(saved).toMatchObject({ templateId, miniprogramState: "formal", enabled: true });
    expect((await api.admin.admin.wechat.config.query({ tenantId })).deliveryNotice?.templateId).toBe(templateId);
  });

  it("accept → consent → new delivery → sync → exactly one message; a second sync sends none", async () => {
    const { kingdeeId, customer } = addDelivery();
    const eve = await bindWithSession("o-eve", customer.id);
    const frank = await bindWithSession("o-frank", customer.id); // same customer, no consent: no message
    expect(await frank.mini.notifications.status.query()).toEqual({ deliveryNotice: { templateId }, credits: {} });

    expect(await eve.mini.notifications.accept.mutate({ templateIds: [templateId] })).toEqual({ credits: { [templateId]: 1 } });
    wx.consent.grant("o-eve", templateId, 1); // what WeChat records when the user taps "accept"
    expect((await failure(eve.mini.notifications.accept.mutate({ templateIds: ["someone-elses-template"] }))).data.code).toBe("BAD_REQUEST");

    await sync("documents_incremental");
    const delivery = (await deliveryOf(kingdeeId))!;
    expect(delivery.customerId).toBe(customer.id);
    // Sent by the Agenda job the sync's end queued.
    const [log] = await until(async () => {
      const rows = await logOf(delivery.id);
      return rows.length > 0 && rows.every((r) => r.status !== "pending") ? rows : undefined;
    });
    expect(log).toMatchObject({ openid: "o-eve", status: "sent", errcode: null, attempts: 1 });
    expect(log!.sentAt).toBeInstanceOf(Date);

    const sent = wx.messages.sent({ templateId });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ touser: "o-eve", page: `pages/delivery/detail?id=${delivery.id}` });
    const data = sent[0]!.data;
    expect(data.character_string1!.value).toBe(delivery.billNo);
    expect(data.phrase4!.value).toBe("已发货");
    expect(data.time3!.value).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect([...data.thing2!.value].length).toBeLessThanOrEqual(20);
    expect(await eve.mini.notifications.status.query()).toEqual({ deliveryNotice: { templateId }, credits: { [templateId]: 0 } });
    expect(wx.consent.remaining("o-eve", templateId)).toBe(0);

    // New consent, then the same delivery edited in the ERP and synced again: an update is no new delivery.
    await eve.mini.notifications.accept.mutate({ templateIds: [templateId] });
    wx.consent.grant("o-eve", templateId, 1);
    api.sandbox.data.mutate("sal_out_bound", [kingdeeId]);
    const second = await sync("documents_incremental");
    expect(second.counts.updated + second.counts.inserted).toBeGreaterThan(0);
    await api.admin.admin.wechat.notifyNow.mutate();
    expect(wx.messages.sent({ templateId })).toHaveLength(1);
    expect(await logOf(delivery.id)).toHaveLength(1);

    const { messages } = await api.admin.admin.wechat.messages.query({ tenantId, deliveryId: delivery.id });
    expect(messages).toMatchObject([{ openid: "o-eve", status: "sent", templateId, customerId: customer.id }]);
  });

  it("our credit without WeChat's consent → 43101 logged as no_consent, not retried; no credit → nothing", async () => {
    const { kingdeeId, customer } = addDelivery();
    const grace = await bindWithSession("o-grace", customer.id);
    await grace.mini.notifications.accept.mutate({ templateIds: [templateId] }); // but no wx.consent.grant
    await bindWithSession("o-heidi", customer.id); // bound, never accepted
    const sendsBefore = wx.calls.count("/cgi-bin/message/subscribe/send");

    await sync("documents_incremental");
    const delivery = (await deliveryOf(kingdeeId))!;
    const rows = await until(async () => {
      const r = await logOf(delivery.id);
      return r.some((x) => x.openid === "o-grace") && r.every((x) => x.status !== "pending") ? r : undefined;
    });
    const grace43101 = rows.find((r) => r.openid === "o-grace");
    expect(grace43101).toMatchObject({ status: "no_consent", errcode: 43101, attempts: 1 });
    expect(rows.find((r) => r.openid === "o-heidi")).toBeUndefined();
    expect(wx.messages.sent({ touser: "o-grace" })).toEqual([]);
    expect(wx.messages.sent({ touser: "o-heidi" })).toEqual([]);
    // o-eve may be bound to this customer too (the sandbox picks customers at random): its credit was
    // given back above, so allow exactly that one send and nothing else.
    const extra = rows.filter((r) => r.openid !== "o-grace");
    expect(extra.every((r) => r.openid === "o-eve")).toBe(true);
    expect(wx.calls.count("/cgi-bin/message/subscribe/send") - sendsBefore).toBe(1 + extra.length);

    await api.admin.admin.wechat.notifyNow.mutate();
    expect(wx.calls.count("/cgi-bin/message/subscribe/send") - sendsBefore).toBe(1 + extra.length); // not retried
    expect(await grace.mini.notifications.status.query()).toMatchObject({ credits: { [templateId]: 0 } });
  });
});
