import { TRPCClientError } from "@trpc/client";
import { QueryTypes } from "sequelize";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApi, startTestApi, waitForRun } from "./harness.js";

// admin.customers: list/search, local and ERP-linked customers, login tokens with their QR code.

let api: TestApi;
let tenantId: string;
const PUBLIC_URL = "https://erp.example.com";

interface ErrorData {
  code: string;
  fieldErrors: Array<{ path: string; message: string }> | null;
}
async function failure(promise: Promise<unknown>): Promise<ErrorData> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) return error.data as ErrorData;
    throw error;
  }
  throw new Error("expected the call to fail");
}

beforeAll(async () => {
  api = await startTestApi({ env: { PUBLIC_URL } });
  tenantId = await api.createSandboxTenant();
}, 120_000);
afterAll(() => api?.close());

describe("admin.customers", () => {
  let preLinkedId: string;
  let erpCustomer: { id: string; name: string };

  it("links a Kingdee customer before the sync; the sync fills it in and attaches its deliveries", async () => {
    const rows = api.sandbox.data.rows("customer") as Array<{ id: string; name: string }>;
    erpCustomer = { id: String(rows[0]!.id), name: rows[0]!.name };
    const first = await api.admin.admin.customers.create.mutate({ tenantId, name: "Placeholder name", phone: "+86 138-0000-0000", kingdeeCustomerId: erpCustomer.id });
    expect(first).toMatchObject({ created: true, customer: { tenantId, name: "Placeholder name", kingdeeCustomerId: erpCustomer.id, phone: "+86 138-0000-0000" } });
    const again = await api.admin.admin.customers.create.mutate({ tenantId, name: "Other", kingdeeCustomerId: erpCustomer.id });
    expect(again).toMatchObject({ created: false, customer: { id: first.customer.id } });
    preLinkedId = first.customer.id;

    for (const jobName of ["master_data_full", "documents_incremental"] as const) {
      expect((await waitForRun(api, (await api.admin.admin.sync.run.mutate({ tenantId, jobName })).id)).status).toBe("success");
    }
    const [linked] = (await api.admin.admin.customers.list.query({ tenantId, search: erpCustomer.name })).customers.filter((c) => c.kingdeeCustomerId === erpCustomer.id);
    expect(linked).toMatchObject({ id: preLinkedId, name: erpCustomer.name });
    const [{ n }] = (await api.services.db.sequelize.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM delivery WHERE customer_id = $1`,
      { bind: [preLinkedId], type: QueryTypes.SELECT },
    )) as [{ n: number }];
    const { sessionToken } = await api.client().mini.auth.login.mutate({
      token: (await api.admin.admin.customers.issueToken.mutate({ customerId: preLinkedId })).token,
    });
    expect((await api.client(sessionToken).mini.deliveries.list.query({ pageSize: 100 })).total).toBe(n);
  });

  it("lists customers (ordered by name) with paging, search and tenant filter", async () => {
    const all = await api.admin.admin.customers.list.query({ tenantId, pageSize: 200 });
    expect(all.total).toBe(api.sandbox.data.count("customer"));
    const page = await api.admin.admin.customers.list.query({ tenantId, page: 2, pageSize: 2 });
    expect(page.customers.map((c) => c.id)).toEqual(all.customers.slice(2, 4).map((c) => c.id));
    expect((await api.admin.admin.customers.list.query({ search: "%" })).total).toBe(0); // LIKE wildcards are literal
    expect((await api.admin.admin.customers.list.query({ tenantId: "00000000-0000-4000-8000-000000000000" })).total).toBe(0);
    expect((await api.admin.admin.customers.list.query()).total).toBe(all.total);
  });

  it("creates a local customer who can log in and sees nothing yet", async () => {
    const { customer, created } = await api.admin.admin.customers.create.mutate({ tenantId, name: "  Walk-in Shop  " });
    expect(created).toBe(true);
    expect(customer).toMatchObject({ name: "Walk-in Shop", kingdeeCustomerId: null, phone: null });
    expect(customer.createdAt).toBeInstanceOf(Date);
    const second = await api.admin.admin.customers.create.mutate({ tenantId, name: "Walk-in Shop" });
    expect(second.customer.id).not.toBe(customer.id); // two local customers may share a name

    const issued = await api.admin.admin.customers.issueToken.mutate({ customerId: customer.id });
    expect(issued.loginUrl).toBe(`${PUBLIC_URL}/login?token=${encodeURIComponent(issued.token)}`);
    expect(issued.expiresAt.getTime()).toBeGreaterThan(Date.now() + (7 * 24 - 1) * 3600_000); // CUSTOMER_LOGIN_TOKEN_TTL_HOURS default
    const qr = await sharp(Buffer.from(issued.qrPngBase64, "base64")).metadata();
    expect(qr).toMatchObject({ format: "png" });
    expect(qr.width).toBeGreaterThanOrEqual(200);
    const client = api.client((await api.client().mini.auth.login.mutate({ token: issued.token })).sessionToken);
    expect(await client.mini.me.query()).toMatchObject({ id: customer.id, name: "Walk-in Shop" });
    expect((await client.mini.deliveries.list.query({})).total).toBe(0);
    expect((await client.mini.statements.list.query({})).total).toBe(0);
  });

  it("not found and bad input", async () => {
    expect((await failure(api.admin.admin.customers.create.mutate({ tenantId: "00000000-0000-4000-8000-000000000000", name: "X" }))).code).toBe("NOT_FOUND");
    expect((await failure(api.admin.admin.customers.issueToken.mutate({ customerId: "00000000-0000-4000-8000-000000000000" }))).code).toBe("NOT_FOUND");
    const bad = await failure(api.admin.admin.customers.create.mutate({ tenantId: "nope", name: "", phone: "call me", kingdeeCustomerId: "local:1" }));
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.fieldErrors!.map((f) => f.path).sort()).toEqual(["kingdeeCustomerId", "name", "phone", "tenantId"]);
    const ttl = await failure(api.admin.admin.customers.issueToken.mutate({ customerId: preLinkedId, ttlHours: 0 }));
    expect([ttl.code, ttl.fieldErrors!.map((f) => f.path)]).toEqual(["BAD_REQUEST", ["ttlHours"]]);
    const page = await failure(api.admin.admin.customers.list.query({ pageSize: 1000 }));
    expect([page.code, page.fieldErrors!.map((f) => f.path)]).toEqual(["BAD_REQUEST", ["pageSize"]]);
  });

  it("sign-off URLs are absolute under PUBLIC_URL", async () => {
    const issued = await api.admin.admin.customers.issueToken.mutate({ customerId: preLinkedId });
    const client = api.client((await api.client().mini.auth.login.mutate({ token: issued.token })).sessionToken);
    const [delivery] = (await client.mini.deliveries.list.query({ pageSize: 1 })).deliveries;
    const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer();
    const signoff = await client.mini.deliveries.sign.mutate({ id: delivery!.id, signerName: "Wang", signedAt: new Date(), signatureBase64: png.toString("base64") });
    expect(signoff.signatureUrl).toMatch(new RegExp(`^${PUBLIC_URL}/uploads/${tenantId}/${delivery!.id}/[0-9a-f]{32}\\.png$`));
    expect(signoff.photoUrls).toEqual([]);
    const served = await fetch(`${api.url}${signoff.signatureUrl.slice(PUBLIC_URL.length)}`, { headers: { authorization: `Bearer ${issued.token}` } });
    expect(served.status).toBe(401); // a login token is not a session
  });
});
