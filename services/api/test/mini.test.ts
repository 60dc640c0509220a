import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { hashToken } from "@erpbridge/domain/customers";
import { signDelivery } from "@erpbridge/domain/deliveries";
import { TRPCClientError } from "@trpc/client";
import { QueryTypes } from "sequelize";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, type TestApi, startTestApi, waitForRun } from "./harness.js";

// The mini-program story over HTTP with the typed client: admin → sync → customer token → login →
// deliveries (sign, idempotent, files behind authorized URLs) → statements (confirm, revisions);
// then the auth matrix, isolation between customers, and input validation.

let api: TestApi;
let tenantId: string;
let png: Buffer; // a small signature
let bigJpeg: Buffer; // a photo larger than the compression bound
let gif: Buffer;

interface Session {
  customerId: string;
  kingdeeCustomerId: string;
  loginToken: string;
  token: string;
  client: TestApi["admin"];
}
let A: Session;
let B: Session;

const dataUrl = (mime: string, bytes: Buffer) => `data:${mime};base64,${bytes.toString("base64")}`;

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
const codeOf = async (promise: Promise<unknown>) => (await failure(promise)).data.code;
const fieldPaths = async (promise: Promise<unknown>) => {
  const { data } = await failure(promise);
  return { code: data.code, httpStatus: data.httpStatus, paths: (data.fieldErrors ?? []).map((f) => f.path), fieldErrors: data.fieldErrors ?? [] };
};

function uploadedFiles(): string[] {
  return readdirSync(api.uploadDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(api.uploadDir, join(entry.parentPath, entry.name)))
    .sort();
}

const sql = <T extends object>(query: string, bind: unknown[] = []) =>
  api.services.db.sequelize.query<T>(query, { bind, type: QueryTypes.SELECT });

const getFile = (url: string, token?: string) =>
  fetch(`${api.url}${url}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

async function signIn(customerId: string, kingdeeCustomerId: string): Promise<Session> {
  const issued = await api.admin.admin.customers.issueToken.mutate({ customerId });
  const { sessionToken } = await api.client().mini.auth.login.mutate({ token: issued.token });
  return { customerId, kingdeeCustomerId, loginToken: issued.token, token: sessionToken, client: api.client(sessionToken) };
}

beforeAll(async () => {
  api = await startTestApi();
  tenantId = await api.createSandboxTenant();
  png = await sharp({ create: { width: 300, height: 120, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 1 } } })
    .composite([{ input: Buffer.from('<svg width="300" height="120"><path d="M10 100 C 80 10, 150 10, 290 90" stroke="black" fill="none" stroke-width="4"/></svg>') }])
    .png()
    .toBuffer();
  bigJpeg = await sharp({ create: { width: 2400, height: 1600, channels: 3, background: { r: 10, g: 120, b: 200 } } }).jpeg().toBuffer();
  gif = await sharp({ create: { width: 10, height: 10, channels: 3, background: { r: 1, g: 2, b: 3 } } }).gif().toBuffer();

  for (const jobName of ["master_data_full", "documents_incremental"] as const) {
    const run = await waitForRun(api, (await api.admin.admin.sync.run.mutate({ tenantId, jobName })).id);
    expect(run.status).toBe("success");
  }
  // Two synced customers with several deliveries each.
  const customers = await sql<{ id: string; kingdeeCustomerId: string }>(
    `SELECT c.id, c.kingdee_customer_id AS "kingdeeCustomerId" FROM customer c JOIN delivery d ON d.customer_id = c.id
      WHERE c.tenant_id = $1 GROUP BY c.id HAVING count(*) >= 3 ORDER BY count(*) DESC, c.id LIMIT 2`,
    [tenantId],
  );
  expect(customers).toHaveLength(2);
  A = await signIn(customers[0]!.id, customers[0]!.kingdeeCustomerId);
  B = await signIn(customers[1]!.id, customers[1]!.kingdeeCustomerId);
}, 120_000);
afterAll(() => api?.close());

describe("mini-program: the whole story", () => {
  let deliveryId: string;
  let signoffId: string;
  let signatureUrl: string;
  let photoUrls: string[];

  it("admin links a synced customer (no duplicate) and issues a token with a QR code", async () => {
    const [row] = await sql<{ name: string }>(`SELECT name FROM customer WHERE id = $1`, [A.customerId]);
    const linked = await api.admin.admin.customers.create.mutate({ tenantId, name: "Ignored", kingdeeCustomerId: A.kingdeeCustomerId });
    expect(linked).toMatchObject({ created: false, customer: { id: A.customerId, name: row!.name, kingdeeCustomerId: A.kingdeeCustomerId } });

    const issued = await api.admin.admin.customers.issueToken.mutate({ customerId: A.customerId, ttlHours: 2 });
    expect(issued.token.length).toBeGreaterThanOrEqual(32);
    expect(issued.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3600_000);
    expect(issued.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 2 * 3600_000 + 5_000);
    expect(issued.qrPayload).toBe(issued.token);
    expect(issued.qrDataUrl).toBe(`data:image/png;base64,${issued.qrPngBase64}`);
    const meta = await sharp(Buffer.from(issued.qrPngBase64, "base64")).metadata();
    expect(meta.format).toBe("png");
    // Only the hash is stored.
    const stored = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM customer_login_token WHERE token_hash = $1`, [hashToken(issued.token)]);
    expect(stored[0]!.n).toBe(1);
    expect(JSON.stringify(await sql(`SELECT * FROM customer_login_token`))).not.toContain(issued.token);
  });

  it("the customer logs in and sees their profile; the single-use token does not log in again", async () => {
    const me = await A.client.mini.me.query();
    expect(me.id).toBe(A.customerId);
    expect(A.token.length).toBeGreaterThanOrEqual(32);
    const again = await failure(api.client().mini.auth.login.mutate({ token: A.loginToken }));
    expect(again.data.code).toBe("UNAUTHORIZED");
    expect(again.message).toBe("login token unknown, expired, used up or revoked");
  });

  it("lists their deliveries newest first with decimal strings, and filters by status", async () => {
    const [{ n }] = (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM delivery WHERE customer_id = $1`, [A.customerId])) as [{ n: number }];
    const all = await A.client.mini.deliveries.list.query({ pageSize: 100 });
    expect(all.total).toBe(n);
    expect(all.deliveries).toHaveLength(n);
    const keys = all.deliveries.map((d) => `${d.billDate}|${d.billNo}`);
    expect(keys).toEqual([...keys].sort().reverse());
    for (const d of all.deliveries) {
      expect(d.totalAmount).toMatch(/^-?\d+\.\d{2}$/);
      expect(d.billDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(d.status).toBe("PENDING");
    }
    const page2 = await A.client.mini.deliveries.list.query({ page: 2, pageSize: 1 });
    expect(page2.deliveries[0]!.id).toBe(all.deliveries[1]!.id);
    expect((await A.client.mini.deliveries.list.query()).pageSize).toBe(20);
    expect((await A.client.mini.deliveries.list.query({ status: "SIGNED" })).total).toBe(0);
    deliveryId = all.deliveries[0]!.id;
  });

  it("gets one delivery with its items", async () => {
    const d = await A.client.mini.deliveries.get.query({ id: deliveryId });
    expect(d.items.length).toBeGreaterThan(0);
    expect(d.itemCount).toBe(d.items.length);
    for (const item of d.items) expect(item.qty).toMatch(/^-?\d+\.\d{4}$/);
    expect(d.signoff).toBeNull();
  });

  it("signs it: signature and photos stored (photos compressed), status SIGNED, snapshot of what was seen", async () => {
    const before = await A.client.mini.deliveries.get.query({ id: deliveryId });
    const signedAt = new Date(Date.now() - 60_000);
    const signoff = await A.client.mini.deliveries.sign.mutate({
      id: deliveryId,
      signerName: "  Zhang San ",
      signedAt,
      signatureBase64: dataUrl("image/png", png),
      photosBase64: [bigJpeg.toString("base64"), dataUrl("image/png", png)],
      remark: "left at the gate",
      gps: { latitude: 31.23, longitude: 121.47, accuracy: 12 },
    });
    expect(signoff).toMatchObject({ deliveryId, alreadySigned: false, signerName: "Zhang San", remark: "left at the gate", gps: { latitude: 31.23, longitude: 121.47, accuracy: 12 } });
    expect(signoff.signedAt.getTime()).toBe(signedAt.getTime());
    expect(signoff.photoUrls).toHaveLength(2);
    expect(signoff.signatureUrl).toMatch(new RegExp(`^/uploads/${tenantId}/${deliveryId}/[0-9a-f]{32}\\.png$`));
    expect(signoff.photoUrls.every((u) => /\.jpg$/.test(u))).toBe(true); // photos are re-encoded as JPEG
    expect(signoff.snapshot).toMatchObject({
      customerName: before.customerName,
      billNo: before.billNo,
      billDate: before.billDate,
      totalAmount: before.totalAmount,
      items: before.items.map((i) => ({ seq: i.seq, materialName: i.materialName, unitName: i.unitName, qty: i.qty })),
    });
    signoffId = signoff.id;
    signatureUrl = signoff.signatureUrl;
    photoUrls = signoff.photoUrls;
    expect(uploadedFiles()).toEqual([signatureUrl, ...photoUrls].map((u) => u.replace("/uploads/", "")).sort());

    const after = await A.client.mini.deliveries.get.query({ id: deliveryId });
    expect(after.status).toBe("SIGNED");
    expect(after.signoff?.id).toBe(signoffId);
    expect(after.signedAt?.getTime()).toBe(signedAt.getTime());
    expect((await A.client.mini.deliveries.list.query({ status: "SIGNED" })).deliveries.map((d) => d.id)).toEqual([deliveryId]);
  });

  it("signing again with other data returns the first sign-off, flagged alreadySigned, and keeps no new files", async () => {
    const again = await A.client.mini.deliveries.sign.mutate({
      id: deliveryId,
      signerName: "Someone Else",
      signedAt: new Date(),
      signatureBase64: png.toString("base64"),
    });
    expect(again.id).toBe(signoffId);
    expect(again.alreadySigned).toBe(true);
    expect(again.signerName).toBe("Zhang San");
    expect(again.signatureUrl).toBe(signatureUrl);
    expect(uploadedFiles()).toHaveLength(3);
    const [{ n }] = (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM delivery_signoff WHERE delivery_id = $1`, [deliveryId])) as [{ n: number }];
    expect(n).toBe(1);
  });

  it("two concurrent submits make one record; the loser gets the winner's and its files are removed", async () => {
    const list = await A.client.mini.deliveries.list.query({ status: "PENDING" });
    const id = list.deliveries[0]!.id;
    // Separate clients: separate HTTP requests, not one batch.
    const submit = (name: string) =>
      api.client(A.token).mini.deliveries.sign.mutate({ id, signerName: name, signedAt: new Date(), signatureBase64: png.toString("base64"), photosBase64: [png.toString("base64")] });
    const results = await Promise.all([submit("First"), submit("Second"), submit("Third")]);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => !r.alreadySigned)).toHaveLength(1); // the winner; the losers are told
    const [{ n }] = (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM delivery_signoff WHERE delivery_id = $1`, [id])) as [{ n: number }];
    expect(n).toBe(1);
    const winner = results[0]!;
    const kept = uploadedFiles().filter((f) => f.includes(id));
    expect(kept).toEqual([winner.signatureUrl, ...winner.photoUrls].map((u) => u.replace("/uploads/", "")).sort());
  });

  it("domain: concurrent signDelivery calls on one delivery create exactly one sign-off", async () => {
    const pending = (await A.client.mini.deliveries.list.query({ status: "PENDING", pageSize: 100 })).deliveries;
    const id = pending[pending.length - 1]!.id;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        signDelivery(api.services.db.sequelize, {
          tenantId,
          customerId: A.customerId,
          deliveryId: id,
          signerName: `Racer ${i}`,
          signedAt: new Date(),
          signaturePath: `${tenantId}/${id}/${String(i).repeat(32)}.png`,
          photoPaths: [],
        }),
      ),
    );
    expect(results.filter((r) => r!.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r!.signoff.id)).size).toBe(1);
    expect(await signDelivery(api.services.db.sequelize, {
      tenantId, customerId: B.customerId, deliveryId: id, signerName: "B", signedAt: new Date(), signaturePath: "x", photoPaths: [],
    })).toBeNull();
  });

  it("serves the signature through its authorized URL: customer and admin yes, nobody else", async () => {
    const ok = await getFile(signatureUrl, A.token);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("image/png");
    expect(ok.headers.get("cache-control")).toMatch(/private/);
    const bytes = Buffer.from(await ok.arrayBuffer());
    expect((await sharp(bytes).metadata()).format).toBe("png");

    const photo = await getFile(photoUrls[0]!, ADMIN_TOKEN);
    expect(photo.status).toBe(200);
    expect(photo.headers.get("content-type")).toBe("image/jpeg");
    const meta = await sharp(Buffer.from(await photo.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 1920, 1280]); // 2400×1600 compressed to ≤1920 px

    expect((await getFile(signatureUrl)).status).toBe(401);
    expect((await getFile(signatureUrl, "not-a-real-token")).status).toBe(401);
    expect((await getFile(signatureUrl, B.token)).status).toBe(404);
    const other = signatureUrl.replace(/[0-9a-f]{32}/, "0".repeat(32));
    expect((await getFile(other, A.token)).status).toBe(404);
    for (const evil of ["/uploads/../../../etc/passwd", "/uploads/%2e%2e/%2e%2e/etc/passwd", `/uploads/${tenantId}/..%2F..%2Fetc%2Fpasswd`, "/uploads/"]) {
      expect((await getFile(evil, ADMIN_TOKEN)).status).toBe(404);
    }
  });

  it("a later ERP edit changes the delivery but not the sign-off; a sync never un-signs it", async () => {
    const before = await A.client.mini.deliveries.get.query({ id: deliveryId });
    const [{ kingdeeId }] = (await sql<{ kingdeeId: string }>(`SELECT kingdee_id AS "kingdeeId" FROM delivery WHERE id = $1`, [deliveryId])) as [{ kingdeeId: string }];
    api.sandbox.data.mutate("sal_out_bound", [kingdeeId]);
    const run = await waitForRun(api, (await api.admin.admin.sync.run.mutate({ tenantId, resource: "sal_out_bound" })).id);
    expect(run.status).toBe("success");
    const after = await A.client.mini.deliveries.get.query({ id: deliveryId });
    expect(after.status).toBe("SIGNED");
    expect(after.totalAmount === before.totalAmount && JSON.stringify(after.items) === JSON.stringify(before.items)).toBe(false);
    expect(after.signoff).toEqual(before.signoff);
    // And the database itself refuses to un-sign or rewrite a sign-off.
    await expect(api.services.db.sequelize.query(`UPDATE delivery SET status = 'PENDING' WHERE id = $1`, { bind: [deliveryId] })).rejects.toThrow(/un-signed/);
    await expect(api.services.db.sequelize.query(`DELETE FROM delivery_signoff WHERE delivery_id = $1`, { bind: [deliveryId] })).rejects.toThrow(/cannot be changed/);
  });

  it("lists statements (live revisions) and confirms one, idempotently", async () => {
    const list = await A.client.mini.statements.list.query({});
    expect(list.total).toBeGreaterThan(0);
    expect(list.statements.every((s) => s.status === "OPEN" && /^\d+\.\d{2}$/.test(s.totalAmount) && /^\d{4}-\d{2}$/.test(s.period))).toBe(true);
    const periods = list.statements.map((s) => s.period);
    expect(periods).toEqual([...periods].sort().reverse());
    const one = await A.client.mini.statements.list.query({ period: list.statements[0]!.period });
    expect(one.statements.map((s) => s.id)).toEqual([list.statements[0]!.id]);

    const statement = await A.client.mini.statements.get.query({ id: list.statements[0]!.id });
    expect(statement.lines.length).toBe(statement.lineCount);
    expect(statement.confirmation).toBeNull();
    expect(statement.newerRevision).toBeNull();

    const first = await A.client.mini.statements.confirm.mutate({ id: statement.id });
    const second = await A.client.mini.statements.confirm.mutate({ id: statement.id });
    expect(second).toEqual(first);
    expect(first).toMatchObject({ statementId: statement.id, revision: statement.revision });
    const [{ n }] = (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM statement_confirmation WHERE statement_id = $1`, [statement.id])) as [{ n: number }];
    expect(n).toBe(1);
    const confirmed = await A.client.mini.statements.get.query({ id: statement.id });
    expect(confirmed).toMatchObject({ status: "CONFIRMED", confirmation: { id: first.id } });
  });

  it("an ERP change after confirming makes a new revision; confirming the superseded one is a CONFLICT", async () => {
    const [live] = (await A.client.mini.statements.list.query({ pageSize: 1 })).statements;
    expect(live!.status).toBe("CONFIRMED");
    const [doc] = await sql<{ kingdeeId: string }>(
      `SELECT kingdee_id AS "kingdeeId" FROM delivery WHERE customer_id = $1 AND to_char(bill_date, 'YYYY-MM') = $2 LIMIT 1`,
      [A.customerId, live!.period],
    );
    api.sandbox.data.mutate("sal_out_bound", [doc!.kingdeeId]);
    await waitForRun(api, (await api.admin.admin.sync.run.mutate({ tenantId, resource: "sal_out_bound" })).id);

    const old = await A.client.mini.statements.get.query({ id: live!.id });
    expect(old.status).toBe("SUPERSEDED");
    expect(old.confirmation?.revision).toBe(live!.revision);
    expect(old.newerRevision).toMatchObject({ revision: live!.revision + 1, status: "OPEN" });
    const listed = await A.client.mini.statements.list.query({ period: live!.period });
    expect(listed.statements.map((s) => s.id)).toEqual([old.newerRevision!.id]);

    const error = await failure(A.client.mini.statements.confirm.mutate({ id: live!.id }));
    expect(error.data.code).toBe("CONFLICT");
    expect(error.message).toMatch(new RegExp(`revision ${live!.revision} was superseded by revision ${live!.revision + 1}`));
    const confirmed = await A.client.mini.statements.confirm.mutate({ id: old.newerRevision!.id });
    expect(confirmed.revision).toBe(live!.revision + 1);
  });
});

describe("mini-program: login tokens (single-use, max uses, revocation)", () => {
  const login = (token: string) => api.client().mini.auth.login.mutate({ token });

  it("a token is single-use by default; the issued view says so", async () => {
    const issued = await api.admin.admin.customers.issueToken.mutate({ customerId: B.customerId });
    expect(issued).toMatchObject({ maxUses: 1, tokenId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect((await login(issued.token)).sessionToken).toEqual(expect.any(String));
    expect(await codeOf(login(issued.token))).toBe("UNAUTHORIZED");
  });

  it("a reusable token allows exactly maxUses logins, also when they race", async () => {
    const issued = await api.admin.admin.customers.issueToken.mutate({ customerId: B.customerId, maxUses: 3 });
    for (let i = 0; i < 3; i++) expect((await login(issued.token)).sessionToken).toEqual(expect.any(String));
    expect(await codeOf(login(issued.token))).toBe("UNAUTHORIZED");

    const racing = await api.admin.admin.customers.issueToken.mutate({ customerId: B.customerId, maxUses: 2 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => login(racing.token)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    const listed = await api.admin.admin.customers.loginTokens.query({ customerId: B.customerId });
    expect(listed.find((t) => t.tokenId === racing.tokenId)).toMatchObject({ maxUses: 2, useCount: 2, revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(racing.token);

    expect((await fieldPaths(api.admin.admin.customers.issueToken.mutate({ customerId: B.customerId, maxUses: 0 }))).paths).toEqual(["maxUses"]);
    expect((await fieldPaths(api.admin.admin.customers.issueToken.mutate({ customerId: B.customerId, maxUses: 10_001 }))).paths).toEqual(["maxUses"]);
  });

  it("revoking a token ends every session it opened and its further logins; other sessions go on", async () => {
    const shared = await api.admin.admin.customers.issueToken.mutate({ customerId: B.customerId, maxUses: 5 });
    const sessions = [await login(shared.token), await login(shared.token)].map((s) => api.client(s.sessionToken));
    for (const session of sessions) expect((await session.mini.me.query()).id).toBe(B.customerId);

    const revoked = await api.admin.admin.customers.revokeToken.mutate({ tokenId: shared.tokenId });
    expect(revoked).toMatchObject({ tokenId: shared.tokenId, customerId: B.customerId, sessionsEnded: 2 });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    for (const session of sessions) expect(await codeOf(session.mini.me.query())).toBe("UNAUTHORIZED");
    expect(await codeOf(login(shared.token))).toBe("UNAUTHORIZED");
    expect((await B.client.mini.me.query()).id).toBe(B.customerId); // opened with another token

    const again = await api.admin.admin.customers.revokeToken.mutate({ tokenId: shared.tokenId });
    expect(again).toMatchObject({ sessionsEnded: 0, revokedAt: revoked.revokedAt });
    expect(await codeOf(api.admin.admin.customers.revokeToken.mutate({ tokenId: "00000000-0000-4000-8000-000000000000" }))).toBe("NOT_FOUND");
    expect(await codeOf(B.client.admin.customers.revokeToken.mutate({ tokenId: shared.tokenId }))).toBe("FORBIDDEN");
  });
});

describe("mini-program: auth matrix", () => {
  it("no token, a bad token, an expired session", async () => {
    expect(await codeOf(api.client().mini.me.query())).toBe("UNAUTHORIZED");
    expect(await codeOf(api.client().mini.deliveries.list.query({}))).toBe("UNAUTHORIZED");
    expect(await codeOf(api.client("x".repeat(43)).mini.me.query())).toBe("UNAUTHORIZED");
    expect(await codeOf(api.client("x".repeat(43)).mini.statements.confirm.mutate({ id: "00000000-0000-4000-8000-000000000000" }))).toBe("UNAUTHORIZED");

    const { token } = await api.admin.admin.customers.issueToken.mutate({ customerId: A.customerId });
    const { sessionToken } = await api.client().mini.auth.login.mutate({ token });
    const session = api.client(sessionToken);
    expect((await session.mini.me.query()).id).toBe(A.customerId);
    await api.services.db.sequelize.query(`UPDATE customer_session SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, {
      bind: [hashToken(sessionToken)],
    });
    // Session lookups are cached per process; PostgreSQL's change notice reaches the cache within milliseconds.
    await expect.poll(() => codeOf(session.mini.me.query()), { timeout: 2_000, interval: 20 }).toBe("UNAUTHORIZED");
    expect(await codeOf(session.mini.deliveries.list.query({}))).toBe("UNAUTHORIZED");
    expect((await getFile(`/uploads/${tenantId}/${randomUUIDLike()}/${"a".repeat(32)}.png`, sessionToken)).status).toBe(401);
  });

  it("an expired or unknown login token does not log in", async () => {
    const issued = await api.admin.admin.customers.issueToken.mutate({ customerId: B.customerId });
    await api.services.db.sequelize.query(`UPDATE customer_login_token SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, {
      bind: [hashToken(issued.token)],
    });
    expect(await codeOf(api.client().mini.auth.login.mutate({ token: issued.token }))).toBe("UNAUTHORIZED");
    expect(await codeOf(api.client().mini.auth.login.mutate({ token: randomBytes(32).toString("base64url") }))).toBe("UNAUTHORIZED");
  });

  it("a customer token on an admin procedure is FORBIDDEN; no token UNAUTHORIZED", async () => {
    expect(await codeOf(A.client.admin.customers.list.query({}))).toBe("FORBIDDEN");
    expect(await codeOf(A.client.admin.customers.issueToken.mutate({ customerId: B.customerId }))).toBe("FORBIDDEN");
    expect(await codeOf(A.client.admin.tenant.list.query())).toBe("FORBIDDEN");
    expect(await codeOf(api.client().admin.customers.list.query({}))).toBe("UNAUTHORIZED");
  });

  it("the admin token on a customer procedure is UNAUTHORIZED (it is no customer session)", async () => {
    expect(await codeOf(api.admin.mini.me.query())).toBe("UNAUTHORIZED");
    expect(await codeOf(api.admin.mini.deliveries.list.query({}))).toBe("UNAUTHORIZED");
    expect(await codeOf(api.admin.mini.statements.list.query({}))).toBe("UNAUTHORIZED");
  });
});

function randomUUIDLike() {
  return "00000000-0000-4000-8000-000000000001";
}

describe("mini-program: one customer never reaches another's data", () => {
  it("B gets NOT_FOUND for A's delivery, sign-off, statement and files; nothing is written", async () => {
    const aDeliveries = await A.client.mini.deliveries.list.query({ pageSize: 100 });
    const signed = aDeliveries.deliveries.find((d) => d.status === "SIGNED")!;
    const pending = aDeliveries.deliveries.find((d) => d.status === "PENDING")!;
    const [aStatement] = (await A.client.mini.statements.list.query({})).statements;
    const files = uploadedFiles();

    expect(await codeOf(B.client.mini.deliveries.get.query({ id: signed.id }))).toBe("NOT_FOUND");
    expect(await codeOf(B.client.mini.deliveries.get.query({ id: pending.id }))).toBe("NOT_FOUND");
    const signAs = (id: string) =>
      B.client.mini.deliveries.sign.mutate({ id, signerName: "Mallory", signedAt: new Date(), signatureBase64: png.toString("base64"), photosBase64: [png.toString("base64")] });
    expect(await codeOf(signAs(signed.id))).toBe("NOT_FOUND");
    expect(await codeOf(signAs(pending.id))).toBe("NOT_FOUND");
    expect(await codeOf(B.client.mini.statements.get.query({ id: aStatement!.id }))).toBe("NOT_FOUND");
    expect(await codeOf(B.client.mini.statements.confirm.mutate({ id: aStatement!.id }))).toBe("NOT_FOUND");
    // Unknown ids look exactly the same.
    const unknown = "00000000-0000-4000-8000-0000000000ff";
    const notFound = await failure(B.client.mini.deliveries.get.query({ id: unknown }));
    expect(notFound.data.code).toBe("NOT_FOUND");
    expect(notFound.message).toBe((await failure(B.client.mini.deliveries.get.query({ id: pending.id }))).message);
    expect(await codeOf(B.client.mini.statements.get.query({ id: unknown }))).toBe("NOT_FOUND");

    const detail = await A.client.mini.deliveries.get.query({ id: signed.id });
    for (const url of [detail.signoff!.signatureUrl, ...detail.signoff!.photoUrls]) {
      expect((await getFile(url, B.token)).status).toBe(404);
      expect((await getFile(url, A.token)).status).toBe(200);
    }
    expect((await B.client.mini.deliveries.list.query({ pageSize: 100 })).deliveries.some((d) => d.id === signed.id)).toBe(false);
    expect((await A.client.mini.deliveries.get.query({ id: pending.id })).status).toBe("PENDING");
    expect(uploadedFiles()).toEqual(files);
  });
});

describe("mini-program: input validation", () => {
  let pendingId: string;
  beforeAll(async () => {
    pendingId = (await A.client.mini.deliveries.list.query({ status: "PENDING" })).deliveries[0]!.id;
  });
  const sign = (overrides: Record<string, unknown>) =>
    A.client.mini.deliveries.sign.mutate({
      id: pendingId,
      signerName: "Li Si",
      signedAt: new Date(),
      signatureBase64: png.toString("base64"),
      ...overrides,
    } as Parameters<typeof A.client.mini.deliveries.sign.mutate>[0]);

  it("malformed fields are BAD_REQUEST with their paths, never 500", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ signerName: "   " }, "signerName"],
      [{ signerName: "x".repeat(51) }, "signerName"],
      [{ id: "not-a-uuid" }, "id"],
      [{ signedAt: "yesterday" }, "signedAt"],
      [{ signedAt: new Date(Date.now() + 86400_000) }, "signedAt"],
      [{ photosBase64: [123] }, "photosBase64.0"],
      [{ photosBase64: "abc" }, "photosBase64"],
      [{ gps: { latitude: 200, longitude: 0 } }, "gps.latitude"],
      [{ remark: "r".repeat(501) }, "remark"],
      [{ signatureBase64: undefined }, "signatureBase64"],
    ];
    for (const [overrides, path] of cases) {
      const result = await fieldPaths(sign(overrides));
      expect({ overrides, code: result.code, status: result.httpStatus }).toEqual({ overrides, code: "BAD_REQUEST", status: 400 });
      expect(result.paths).toContain(path);
    }
    expect((await fieldPaths(A.client.mini.deliveries.list.query({ pageSize: 101 }))).paths).toEqual(["pageSize"]);
    expect((await fieldPaths(A.client.mini.deliveries.list.query({ status: "LOST" as "SIGNED" }))).paths).toEqual(["status"]);
    expect((await fieldPaths(A.client.mini.statements.list.query({ period: "2025-13" }))).paths).toEqual(["period"]);
    expect((await fieldPaths(A.client.mini.statements.get.query({ id: "1" }))).paths).toEqual(["id"]);
    expect((await fieldPaths(api.client().mini.auth.login.mutate({ token: "short" }))).paths).toEqual(["token"]);
  });

  it("rejects non-images, lying data URLs, bad base64 and oversized uploads; nothing reaches UPLOAD_DIR", async () => {
    const files = uploadedFiles();
    const photoOver = Buffer.concat([png.subarray(0, 8), randomBytes(8 * 1024 * 1024 + 1 - 8)]);
    const signatureOver = Buffer.concat([png.subarray(0, 8), randomBytes(1024 * 1024 + 1 - 8)]);
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ signatureBase64: gif.toString("base64") }, "signatureBase64", /not a PNG or JPEG/],
      [{ signatureBase64: dataUrl("image/gif", gif) }, "signatureBase64", /only PNG or JPEG/],
      [{ photosBase64: [png.toString("base64"), randomBytes(2048).toString("base64")] }, "photosBase64.1", /not a PNG or JPEG/],
      [{ photosBase64: [dataUrl("image/jpeg", png)] }, "photosBase64.0", /declares image\/jpeg but the image is image\/png/],
      [{ signatureBase64: dataUrl("image/png", bigJpeg) }, "signatureBase64", /declares image\/png/],
      [{ signatureBase64: "iVBORw0KGgo$$$=" }, "signatureBase64", /not valid base64/],
      [{ signatureBase64: `${png.toString("base64").slice(0, 40)}\n${png.toString("base64").slice(40)}` }, "signatureBase64", /not valid base64/],
      [{ signatureBase64: "data:image/png,abc" }, "signatureBase64", /malformed data URL/],
      [{ signatureBase64: "" }, "signatureBase64", /empty/],
      [{ signatureBase64: signatureOver.toString("base64") }, "signatureBase64", /larger than 1 MiB/],
      [{ photosBase64: [photoOver.toString("base64")] }, "photosBase64.0", /larger than 8 MiB/],
      [{ photosBase64: Array.from({ length: 10 }, () => png.toString("base64")) }, "photosBase64", /at most 9/],
      // PNG magic bytes followed by garbage: passes the sniff, fails decoding.
      [{ photosBase64: [Buffer.concat([png.subarray(0, 8), randomBytes(4000)]).toString("base64")] }, "photosBase64.0", /not a decodable image\/png/],
      [{ signatureBase64: png.subarray(0, png.length - 40).toString("base64") }, "signatureBase64", /not a decodable/],
    ];
    for (const [overrides, path, message] of cases) {
      const result = await fieldPaths(sign(overrides));
      expect({ path, code: result.code }).toEqual({ path, code: "BAD_REQUEST" });
      const field = result.fieldErrors.find((f) => f.path === path);
      expect(field, `${path}: ${JSON.stringify(result.fieldErrors)}`).toBeDefined();
      expect(field!.message).toMatch(message);
    }
    expect(uploadedFiles()).toEqual(files);
    expect((await A.client.mini.deliveries.get.query({ id: pendingId })).status).toBe("PENDING");
  });

  it("refuses 8 decodable 7000×7000 PNGs plus a corrupt image from their headers alone, well under a second, decoding nothing", async () => {
    const huge = (await sharp({ create: { width: 7000, height: 7000, channels: 3, background: { r: 250, g: 250, b: 250 } } }).png().toBuffer()).toString("base64");
    const corrupt = Buffer.concat([png.subarray(0, 8), randomBytes(4000)]).toString("base64");
    const files = uploadedFiles();
    const decodes = async () => (await api.services.metrics.imageDecodes.get()).values[0]?.value ?? 0;
    const decodedBefore = await decodes();

    const cases: Array<[Record<string, unknown>, Record<string, RegExp>]> = [
      // Every image is checked before any is decoded: the corrupt ninth is found, the others are not decoded.
      [{ photosBase64: [...Array<string>(8).fill(huge), corrupt] }, { "photosBase64.8": /header is unreadable/ }],
      // Each image alone is allowed; together they exceed the request's pixel budget.
      [{ photosBase64: Array<string>(8).fill(huge) }, { photosBase64: /392 megapixels together, more than 120 per sign-off/ }],
      // A header declaring more than the per-image limit (a decompression bomb) is refused as such.
      [{ signatureBase64: pngWithDeclaredSize(100_000, 100_000).toString("base64") }, { signatureBase64: /100000×100000 pixels, more than 50 megapixels/ }],
    ];
    for (const [overrides, expected] of cases) {
      const started = performance.now();
      const result = await fieldPaths(sign(overrides));
      const elapsed = performance.now() - started;
      expect({ code: result.code, status: result.httpStatus }).toEqual({ code: "BAD_REQUEST", status: 400 });
      for (const [path, message] of Object.entries(expected)) {
        expect(result.fieldErrors.find((f) => f.path === path)?.message, JSON.stringify(result.fieldErrors)).toMatch(message);
      }
      expect(elapsed).toBeLessThan(1000);
    }
    expect(await decodes()).toBe(decodedBefore);
    expect(uploadedFiles()).toEqual(files);
    expect((await A.client.mini.deliveries.get.query({ id: pendingId })).status).toBe("PENDING");
  });
});

/** The small signature PNG with its IHDR rewritten to declare another size (the CRC is not checked before decoding). */
function pngWithDeclaredSize(width: number, height: number): Buffer {
  const copy = Buffer.from(png);
  copy.writeUInt32BE(width, 16);
  copy.writeUInt32BE(height, 20);
  return copy;
}
