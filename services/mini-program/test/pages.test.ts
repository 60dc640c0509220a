import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMiniProgram, hasProcedure, startWorld, type TestWorld } from "./api.js";
import { gradientPng } from "./png.js";
import { MAX_CONCURRENT_REQUESTS, MiniRuntime, type PageHandle } from "./wx-runtime.js";

// The BUILT mini-program (dist/ built for the test API's URL) run page by page in the wx runtime
// stand-in, against the real API (own database, Kingdee sandbox synced, WeChat sandbox).

const SESSION_KEY = "erpbridge.session";
const PNG_MAGIC = "89504e47";
const JPEG_MAGIC = "ffd8ff";

let world: TestWorld;
let work: string;
let distDir: string;
let customerId: string;
let loginToken: string;
/** A session token for seeding runtimes that start signed in. */
let sessionToken: string;
let photoPath: string;

const has: Record<string, boolean> = {};

function runtime(options: { login?: () => string } = {}): MiniRuntime {
  return new MiniRuntime({ distDir, tmpDir: join(work, "wxfiles"), ...options });
}

/** A runtime that already holds a session (as if it had logged in before). */
function signedIn(): MiniRuntime {
  const rt = runtime();
  rt.storage.set(SESSION_KEY, JSON.stringify({ token: sessionToken, expiresAt: new Date(Date.now() + 3600_000).toISOString() }));
  return rt;
}

const magic = (path: string, bytes: number) => readFileSync(path).subarray(0, bytes).toString("hex");

/** Every value shown in a list row is a string (or a boolean/number flag the WXML tests). */
function expectDisplayRow(row: Record<string, unknown>, strings: string[]) {
  for (const key of strings) expect(typeof row[key], `${key} of ${JSON.stringify(row)}`).toBe("string");
}

function missing(ctx: { skip: (note?: string) => void }, procedure: string) {
  const note = `${procedure} is not in the running API yet: this page is built against its described contract, its test is skipped`;
  console.warn(`SKIP: ${note}`);
  ctx.skip(note);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "mini-program-test-"));
  distDir = join(work, "dist");
  world = await startWorld();
  const output = await buildMiniProgram(distDir, world.api.url);
  expect(output).toContain(world.api.url);

  for (const [path, type] of [
    ["mini.auth.wxLogin", "mutation"],
    ["mini.auth.bind", "mutation"],
    ["mini.orders.search", "query"],
    ["mini.orders.get", "query"],
    ["mini.orders.materials", "query"],
    ["mini.notifications.accept", "mutation"],
  ] as const) {
    has[path] = await hasProcedure(world.api.url, path, type);
  }

  // The synced customer with the most deliveries.
  const [customer] = await world.sql<{ id: string }>(
    `SELECT c.id FROM customer c JOIN delivery d ON d.customer_id = c.id WHERE c.tenant_id = $1
      GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1`,
    [world.tenantId],
  );
  customerId = customer!.id;
  loginToken = (await world.api.admin.admin.customers.issueToken.mutate({ customerId })).token;
  sessionToken = (await world.api.client().mini.auth.login.mutate({ token: (await world.api.admin.admin.customers.issueToken.mutate({ customerId })).token })).sessionToken;

  photoPath = join(work, "photo.png");
  writeFileSync(photoPath, gradientPng(640, 480));
}, 120_000);

afterAll(async () => {
  await world?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("login page", () => {
  it("logs in with a login token: session stored, relaunched to the deliveries page", async () => {
    const openid = world.wechat.users.add().openid; // a WeChat user bound to nobody
    const rt = runtime({ login: () => world.wechat.codes.issue(openid) });
    const page = await rt.open("pages/login/index");
    // The automatic WeChat login found no binding (or no wxLogin yet): the form is shown, quietly.
    expect(page.data.stage).toBe("form");
    expect(page.data.error).toBe("");
    if (has["mini.auth.wxLogin"]) expect(page.data.notBound).toBe(true);

    await page.input("onTokenInput", "not-a-valid-login-token-at-all");
    await page.call("onTokenLogin");
    expect(page.data.error).toBe("登录码无效或已过期");
    expect(rt.storage.has(SESSION_KEY)).toBe(false);

    await page.input("onTokenInput", loginToken);
    await page.call("onTokenLogin");
    expect(page.data.error).toBe("");
    expect(page.data.stage).toBe("done");
    const stored = JSON.parse(rt.storage.get(SESSION_KEY)!) as { token: string; expiresAt: string };
    expect(stored.token.length).toBeGreaterThanOrEqual(32);
    expect(Date.parse(stored.expiresAt)).toBeGreaterThan(Date.now());
    expect(rt.navigations.at(-1)).toEqual({ type: "reLaunch", url: "/pages/deliveries/index" });
    // The session works for the customer's own procedures.
    expect((await world.api.client(stored.token).mini.me.query()).id).toBe(customerId);
    expect(rt.warnings).toEqual([]);
  });

  it("logs in from a ?token= link (the admin's login URL) and with a stored session goes straight on", async () => {
    const token = (await world.api.admin.admin.customers.issueToken.mutate({ customerId })).token;
    const rt = runtime();
    await rt.open("pages/login/index", { token: encodeURIComponent(token) });
    expect(rt.storage.has(SESSION_KEY)).toBe(true);
    expect(rt.navigations.at(-1)?.url).toBe("/pages/deliveries/index");

    const again = await rt.open("pages/login/index");
    expect(again.data.stage).toBe("done");
    expect(rt.navigations).toHaveLength(2);
  });

  it("binds a WeChat user from an invite's scene, then logs in with WeChat alone and turns on delivery notices", async (ctx) => {
    if (!has["mini.auth.bind"]) return missing(ctx, "mini.auth.bind");
    if (!has["mini.auth.wxLogin"]) return missing(ctx, "mini.auth.wxLogin");
    // The admin's invite: a mini-program code (from the WeChat sandbox) for the login page with a scene.
    world.wechat.pages.add("pages/login/index");
    const invite = await world.api.admin.admin.customers.invite.mutate({ customerId });
    expect(invite.page).toBe("pages/login/index");
    expect(invite.qrImageBase64.length).toBeGreaterThan(100);
    const { scene } = invite;

    const { openid } = world.wechat.users.add();
    const rt = runtime({ login: () => world.wechat.codes.issue(openid) });
    // WeChat hands the page the scene URL-encoded in options.scene.
    const page = await rt.open("pages/login/index", { scene: encodeURIComponent(scene) });
    expect(page.data.error).toBe("");
    expect(page.data.scene).toBe(scene);
    expect(rt.navigations.at(-1)).toEqual({ type: "reLaunch", url: "/pages/deliveries/index" });
    const stored = JSON.parse(rt.storage.get(SESSION_KEY)!) as { token: string };
    expect((await world.api.client(stored.token).mini.me.query()).id).toBe(customerId);

    // The invite is used up.
    const reuse = runtime({ login: () => world.wechat.codes.issue(world.wechat.users.add().openid) });
    const refused = await reuse.open("pages/login/index", { scene: encodeURIComponent(scene) });
    expect(refused.data.error).toMatch(/^邀请码无效或已过期/);
    expect(refused.data.stage).toBe("form");
    expect(reuse.storage.has(SESSION_KEY)).toBe(false);

    // Another launch (empty storage): WeChat login alone signs the bound user in.
    const next = runtime({ login: () => world.wechat.codes.issue(openid) });
    const auto = await next.open("pages/login/index");
    expect(auto.data.stage).toBe("done");
    expect(next.storage.has(SESSION_KEY)).toBe(true);
    expect(next.navigations.at(-1)).toEqual({ type: "reLaunch", url: "/pages/deliveries/index" });

    // Delivery notices: with the supplier's template configured, the deliveries page of a WeChat
    // session offers them; a tap asks consent (wx.requestSubscribeMessage) and records it.
    if (!has["mini.notifications.accept"]) return missing(ctx, "mini.notifications.accept");
    const templateId = world.wechat.demoTemplate!.templateId;
    await world.api.admin.admin.wechat.setDeliveryTemplate.mutate({
      tenantId: world.tenantId,
      templateId,
      page: "pages/delivery/index?id={delivery_id}",
      fields: { character_string1: { text: "A001" }, thing2: { text: "送货通知" }, time3: { text: "2025-01-02 10:00" }, phrase4: { text: "已发货" } },
    });
    const deliveries = await next.follow();
    expect(deliveries.data.error).toBe("");
    expect(deliveries.data.notice).toEqual({ templateId, credits: 0 });
    await deliveries.call("onSubscribe");
    expect(next.subscribeRequests).toEqual([[templateId]]);
    expect(deliveries.data.notice).toEqual({ templateId, credits: 1 });
    expect(next.toasts.at(-1)?.title).toBe("已开启送货通知");
    // Refused in the dialog: nothing recorded.
    next.subscribeAnswer[templateId] = "reject";
    await deliveries.call("onSubscribe");
    expect(deliveries.data.notice.credits).toBe(1);
    // A token-login session has no WeChat user: no notice offer.
    const tokenSession = await signedIn().open("pages/deliveries/index");
    expect(tokenSession.data.notice).toBeNull();
  });
});

describe("deliveries", () => {
  let rt: MiniRuntime;
  let list: PageHandle;

  beforeAll(async () => {
    rt = signedIn();
    list = await rt.open("pages/deliveries/index");
  });

  it("lists the customer's deliveries with display strings; profile and list in one batched request", async () => {
    const total = (await world.sql<{ n: number }>(`SELECT count(*)::int AS n FROM delivery WHERE customer_id = $1`, [customerId]))[0]!.n;
    expect(list.data.error).toBe("");
    expect(list.data.deliveries.length).toBeGreaterThan(0);
    expect(list.data.total).toBe(total);
    expect(list.data.deliveries.length).toBe(Math.min(total, 20));
    for (const row of list.data.deliveries) {
      expectDisplayRow(row, ["id", "billNo", "billDate", "totalAmount", "status", "statusText", "itemCount", "signedAt"]);
      expect(row.billDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(row.totalAmount).toMatch(/^-?[\d,]+\.\d{2}$/);
    }
    expect(list.data.customerName).not.toBe("");
    const batched = rt.requests.find((r) => r.url.includes("mini.me,mini.deliveries.list") || r.url.includes("mini.deliveries.list,mini.me"));
    expect(batched, rt.requests.map((r) => r.url).join("\n")).toBeDefined();
    expect(batched).toMatchObject({ method: "GET", status: 200 });
    expect(rt.warnings).toEqual([]);
  });

  it("filters by status", async () => {
    await list.tap("onFilter", { status: "SIGNED" });
    expect(list.data.status).toBe("SIGNED");
    expect(list.data.deliveries.every((d: { status: string }) => d.status === "SIGNED")).toBe(true);
    await list.tap("onFilter", { status: "PENDING" });
    expect(list.data.deliveries.length).toBeGreaterThan(0);
    expect(list.data.deliveries.every((d: { status: string }) => d.status === "PENDING")).toBe(true);
  });

  it("signs a delivery: signature drawn on the canvas + one photo + location → signed", async () => {
    const pending = list.data.deliveries[0] as { id: string; billNo: string };
    await list.tap("onOpen", { id: pending.id });
    expect(rt.navigations.at(-1)).toEqual({ type: "navigateTo", url: `/pages/delivery/index?id=${pending.id}` });
    const page = await rt.follow();
    expect(page.data.error).toBe("");
    expect(page.data.delivery).toMatchObject({ id: pending.id, billNo: pending.billNo, status: "PENDING" });
    expect(page.data.items.length).toBeGreaterThan(0);
    for (const item of page.data.items) expectDisplayRow(item, ["seq", "name", "qty", "unit"]);
    expect(page.data.signoff).toBeNull();
    expect(page.instance.pad, "the signature pad found its <canvas type=2d>").not.toBeNull();

    // Nothing drawn, no name: refused on the page, nothing sent.
    const before = rt.requests.length;
    await page.call("onSubmit");
    expect(page.data.formError).toBe("请填写签收人姓名");
    await page.input("onSignerInput", "  王五 ");
    await page.call("onSubmit");
    expect(page.data.formError).toBe("请在签名框内签名");
    expect(rt.requests.length).toBe(before);

    await page.draw([[20, 120], [60, 40], [100, 130], [150, 50], [200, 140], [260, 60]]);
    expect(page.data.hasSignature).toBe(true);
    const canvas = rt.canvases.at(-1)!;
    expect(canvas.width).toBe(600); // 300 css px × pixel ratio 2
    expect(canvas.inkPixels()).toBeGreaterThan(500);

    rt.mediaFiles = [photoPath];
    await page.call("onChoosePhotos");
    expect(page.data.photos).toEqual([photoPath]);
    await page.call("onToggleGps");
    expect(page.data.gpsText).toBe("31.23040, 121.47370");
    await page.input("onRemarkInput", "放在门卫室");

    await page.call("onSubmit");
    expect(rt.modals.at(-1)?.title).toBe("确认签收");
    expect(page.data.formError).toBe("");
    expect(page.data.submitting).toBe(false);
    expect(page.data.delivery.status).toBe("SIGNED");
    expect(page.data.delivery.statusText).toBe("已签收");
    expect(page.data.signoff).toMatchObject({ signerName: "王五", remark: "放在门卫室", photoCount: "1", gps: "31.23040, 121.47370" });
    expect(page.data.signoff.signedAt).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(rt.toasts.some((t) => t.title === "签收成功")).toBe(true);
    // The sign-off's images came back through their authorized URLs.
    expect(existsSync(page.data.signoff.signatureImage)).toBe(true);
    expect(magic(page.data.signoff.signatureImage, 4)).toBe(PNG_MAGIC);
    expect(page.data.signoff.photoImages).toHaveLength(1);
    expect(magic(page.data.signoff.photoImages[0], 3)).toBe(JPEG_MAGIC); // the server re-encodes photos

    // What the server holds.
    const detail = await world.api.client(sessionToken).mini.deliveries.get.query({ id: pending.id });
    expect(detail.status).toBe("SIGNED");
    expect(detail.signoff).toMatchObject({ signerName: "王五", remark: "放在门卫室", gps: { latitude: 31.2304, longitude: 121.4737, accuracy: 15 } });
    expect(detail.signoff!.photoUrls).toHaveLength(1);
    const sign = rt.requests.find((r) => r.method === "POST" && r.url.includes("mini.deliveries.sign"));
    expect(sign?.status).toBe(200);
    expect(sign?.body).toContain(readFileSync(photoPath).toString("base64").slice(0, 200));
    expect(rt.warnings).toEqual([]);

    // Back on the list, onShow refreshes it: the signed delivery is no longer pending.
    await list.call("onShow");
    expect(list.data.deliveries.some((d: { id: string }) => d.id === pending.id)).toBe(false);
  });

  it("a delivery signed meanwhile elsewhere: the submit says it was already signed, by whom and when, and shows the first sign-off", async () => {
    const pending = (await world.api.client(sessionToken).mini.deliveries.list.query({ status: "PENDING" })).deliveries[0]!;
    const rt = signedIn();
    const page = await rt.open("pages/delivery/index", { id: pending.id });
    expect(page.data.signoff).toBeNull();
    const signedAt = new Date(Date.now() - 3600_000);
    await world.api.client(sessionToken).mini.deliveries.sign.mutate({ id: pending.id, signerName: "赵六", signedAt, signatureBase64: gradientPng(60, 30).toString("base64") });

    await page.input("onSignerInput", "王五");
    await page.draw([[20, 120], [60, 40], [100, 130]]);
    await page.call("onSubmit");
    expect(page.data.formError).toBe("");
    expect(page.data.alreadySignedNotice).toBe(`该送货单已于 ${page.data.signoff.signedAt} 由 赵六 签收，本次提交未保存`);
    expect(page.data.signoff.signedAt).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(page.data.signoff).toMatchObject({ signerName: "赵六" });
    expect(page.data.delivery.status).toBe("SIGNED");
    expect(rt.toasts.at(-1)?.title).toBe("该送货单已签收过");
    expect(rt.toasts.some((t) => t.title === "签收成功")).toBe(false);
  });

  it("at most 10 requests in flight: 60 loads at once are queued, none fails", async () => {
    const fresh = signedIn();
    const page = await fresh.open("pages/deliveries/index");
    fresh.requests.length = 0;
    fresh.peakInFlight = 0;
    await Promise.all(Array.from({ length: 60 }, () => page.call("load", true)));
    expect(fresh.requests.length).toBeGreaterThan(MAX_CONCURRENT_REQUESTS); // batches of ≤ 4 calls
    expect(fresh.requests.filter((r) => r.error)).toEqual([]);
    expect(fresh.peakInFlight).toBeLessThanOrEqual(MAX_CONCURRENT_REQUESTS);
    expect(page.data.error).toBe("");
    expect(page.data.deliveries.length).toBeGreaterThan(0);
  });
});

describe("statements", () => {
  it("lists statements and confirms one (after a cancelled dialog changed nothing)", async () => {
    const rt = signedIn();
    const list = await rt.open("pages/statements/index");
    expect(list.data.error).toBe("");
    expect(list.data.statements.length).toBeGreaterThan(0);
    for (const row of list.data.statements) {
      expectDisplayRow(row, ["id", "period", "currency", "totalAmount", "status", "statusText", "revision", "lineCount", "confirmedAt"]);
      expect(row.period).toMatch(/^\d{4}-\d{2}$/);
    }
    const open = list.data.statements.find((s: { status: string }) => s.status === "OPEN") as { id: string };
    expect(open).toBeDefined();

    await list.tap("onOpen", { id: open.id });
    const page = await rt.follow();
    expect(page.data.statement).toMatchObject({ id: open.id, status: "OPEN" });
    expect(page.data.lines.length).toBe(Number(page.data.statement.lineCount));
    expect(page.data.canConfirm).toBe(true);

    rt.modalAnswer = false;
    await page.call("onConfirm");
    expect(page.data.statement.status).toBe("OPEN");
    expect(rt.requests.some((r) => r.url.includes("mini.statements.confirm"))).toBe(false);

    rt.modalAnswer = true;
    await page.call("onConfirm");
    expect(page.data.error).toBe("");
    expect(page.data.statement.status).toBe("CONFIRMED");
    expect(page.data.statement.statusText).toBe("已确认");
    expect(page.data.canConfirm).toBe(false);
    expect(page.data.confirmation.confirmedBy).not.toBe("");
    expect(page.data.confirmation.confirmedAt).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    const server = await world.api.client(sessionToken).mini.statements.get.query({ id: open.id });
    expect(server.status).toBe("CONFIRMED");
    expect(rt.warnings).toEqual([]);
  });
});

describe("orders", () => {
  it("searches orders and shows one with per-material progress", async (ctx) => {
    for (const p of ["mini.orders.search", "mini.orders.get", "mini.orders.materials"]) if (!has[p]) return missing(ctx, p);
    const rt = signedIn();
    const list = await rt.open("pages/orders/index");
    expect(list.data.error).toBe("");
    expect(list.data.orders.length).toBeGreaterThan(0);
    for (const row of list.data.orders) {
      expectDisplayRow(row, ["id", "billNo", "billDate", "statusText", "orderedQty", "deliveredQty", "remainingQty"]);
      expect(row.percent).toBeGreaterThanOrEqual(0);
      expect(row.percent).toBeLessThanOrEqual(100);
    }
    // An order with deliveries against it, if the sandbox made one for this customer.
    // The sandbox's out-bound documents name their orders (src_bill_no): some progress is shown.
    const withProgress = (list.data.orders as Array<{ id: string; billNo: string; percent: number; progressStatus: string }>).find((o) => o.percent > 0)!;
    expect(withProgress).toBeDefined();

    await list.tap("onFilter", { status: withProgress.progressStatus });
    expect(list.data.orders.length).toBeGreaterThan(0);
    expect(list.data.orders.every((o: { progressStatus: string }) => o.progressStatus === withProgress.progressStatus)).toBe(true);
    await list.tap("onFilter", { status: "" });

    await list.input("onKeywordInput", withProgress.billNo);
    await list.call("onSearch");
    expect(list.data.orders.map((o: { id: string }) => o.id)).toContain(withProgress.id);

    await list.tap("onOpen", { id: withProgress.id });
    const page = await rt.follow();
    expect(page.data.error).toBe("");
    expect(page.data.order).toMatchObject({ id: withProgress.id, billNo: withProgress.billNo });
    expect(page.data.lines.length).toBeGreaterThan(0);
    expect(page.data.materials.length).toBeGreaterThan(0);
    for (const m of page.data.materials) {
      expectDisplayRow(m, ["name", "ordered", "delivered", "remaining"]);
      expect(m.percent).toBeGreaterThanOrEqual(0);
      expect(m.percent).toBeLessThanOrEqual(100);
    }
    expect(page.data.order.percent).toBe(withProgress.percent);
    expect(page.data).toMatchObject({ source: "stored", cacheHit: false });
    expect(page.data.queryTime).toMatch(/^\d+(\.\d+)? ms$/);
    expect(page.data.sourceText).toMatch(/^同步于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);

    // "从 ERP 刷新": fresh: true reads the order live from the ERP; again within the TTL: the cache.
    await page.call("onRefresh");
    expect(page.data.error).toBe("");
    expect(page.data).toMatchObject({ source: "kingdee", cacheHit: false });
    expect(page.data.sourceText).toMatch(/^ERP 实时数据 /);
    expect(page.data.materials.length).toBeGreaterThan(0);
    await page.call("onRefresh");
    expect(page.data).toMatchObject({ source: "cache", cacheHit: true });
    // Both queries of a load travel in one batched request.
    expect(rt.requests.some((r) => r.url.includes("mini.orders.get,mini.orders.materials"))).toBe(true);
    expect(rt.warnings).toEqual([]);
  });
});

describe("session and network failures", () => {
  it("an unknown session: the page clears it and relaunches the login page", async () => {
    const rt = runtime();
    rt.storage.set(SESSION_KEY, JSON.stringify({ token: "x".repeat(43), expiresAt: new Date(Date.now() + 3600_000).toISOString() }));
    const page = await rt.open("pages/deliveries/index");
    expect(page.data.error).not.toBe("");
    expect(rt.storage.has(SESSION_KEY)).toBe(false);
    expect(rt.navigations.filter((n) => n.type === "reLaunch")).toEqual([{ type: "reLaunch", url: "/pages/login/index" }]);
    expect(rt.requests.every((r) => r.status === 401)).toBe(true);
  });

  it("no session at all: nothing is sent, straight to the login page", async () => {
    const rt = runtime();
    const page = await rt.open("pages/statements/index");
    expect(rt.requests).toEqual([]);
    expect(page.data.statements).toEqual([]);
    expect(rt.navigations.at(-1)).toEqual({ type: "reLaunch", url: "/pages/login/index" });
  });

  it("a network failure (wx.request fail) shows a network error and keeps the session", async () => {
    const rt = signedIn();
    rt.offline = true;
    const page = await rt.open("pages/statements/index");
    expect(page.data.error).toMatch(/network/);
    expect(rt.storage.has(SESSION_KEY)).toBe(true);
    expect(rt.navigations).toEqual([]);
  });

  it("a 4xx is a response, not a network error: BAD_REQUEST field errors reach the page", async () => {
    const rt = signedIn();
    const page = await rt.open("pages/delivery/index", { id: "not-a-uuid" });
    expect(page.data.error).toMatch(/^id: /);
    expect(rt.requests[0]?.status).toBe(400);
  });
});
