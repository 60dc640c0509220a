import { TRPCClientError } from "@trpc/client";
import { TenantNotReadyError } from "@erpbridge/domain/connections";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fieldErrors } from "../../../packages/client/src/index.js";
import { type TestApi, startTestApi } from "./harness.js";

let api: TestApi;
let tenantId: string;
const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

beforeAll(async () => {
  api = await startTestApi();
  tenantId = await api.createSandboxTenant(); // upserts the tenant, which writes its kingdee_jdy connection
});
afterAll(() => api?.close());

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; paths: string[] }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const data = error.data as { code: string } | undefined;
    if (!data) throw error;
    return { code: data.code, message: error.message, paths: fieldErrors(error).map((f) => f.path) };
  }
  throw new Error("expected the call to fail");
}

describe("admin.connections", () => {
  it("lists and gets the tenant's Kingdee connection with its secrets masked", async () => {
    const demo = api.sandbox.demoTenant;
    const [connection, ...others] = await api.admin.admin.connections.list.query({ tenantId });
    expect(others).toEqual([]);
    expect(connection).toMatchObject({
      tenantId, kind: "kingdee_jdy", name: "default", status: "active",
      settings: { clientId: demo.clientId, appKey: demo.appKey, domain: demo.domain, outerInstanceId: demo.outerInstanceId, baseUrl: api.sandbox.url },
      secrets: { clientSecret: true, appSecret: true },
      secretKeyId: api.services.keyring.current.id,
    });
    const got = await api.admin.admin.connections.get.query({ connectionId: connection!.id });
    expect(got).toEqual(connection);
    for (const shown of [connection, got]) {
      const json = JSON.stringify(shown);
      for (const secret of [demo.clientSecret, demo.appSecret, "v1:"]) expect(json).not.toContain(secret);
    }
  });

  it("test call: ok with the stored secrets; a wrong one answers its category without echoing it; left out, a secret stays", async () => {
    const [connection] = await api.admin.admin.connections.list.query({ tenantId });
    const connectionId = connection!.id;
    expect(await api.admin.admin.connections.test.mutate({ connectionId })).toMatchObject({ ok: true, latencyMs: expect.any(Number) });

    const wrong = "wrong-app-secret-PLAINTEXT-4411";
    const updated = await api.admin.admin.connections.update.mutate({ connectionId, secrets: { appSecret: wrong } });
    expect(JSON.stringify(updated)).not.toContain(wrong);
    const failed = await api.admin.admin.connections.test.mutate({ connectionId });
    expect(failed).toMatchObject({ ok: false, category: "authentication" });
    expect(JSON.stringify(failed)).not.toContain(wrong);

    await api.admin.admin.connections.update.mutate({ connectionId, secrets: { appSecret: api.sandbox.demoTenant.appSecret } });
    // Settings only: both secrets stay as they are, and the connection keeps working.
    const renamed = await api.admin.admin.connections.update.mutate({ connectionId, settings: { outerInstanceId: api.sandbox.demoTenant.outerInstanceId } });
    expect(renamed.secrets).toEqual({ clientSecret: true, appSecret: true });
    expect(await api.admin.admin.connections.test.mutate({ connectionId })).toMatchObject({ ok: true });
    expect((await api.admin.admin.erp.probe.mutate({ tenantId })).ok).toBe(true);
  });

  it("refuses settings and secrets the kind does not take, with the field named (BAD_REQUEST, never a 500)", async () => {
    const base = { tenantId, kind: "kingdee_jdy" as const, name: "second" };
    const cases: Array<[unknown, string[]]> = [
      [{ ...base, settings: { clientId: "c2", appKey: "k2", domain: "ftp://nope" } }, ["settings.domain"]],
      [{ ...base, settings: { appKey: "k2" } }, ["settings.clientId"]],
      [{ ...base, settings: { clientId: "c2", appKey: "k2", colour: "blue" } }, ["settings"]],
      [{ ...base, settings: { clientId: "c2", appKey: "k2" }, secrets: { appSecret: "" } }, ["secrets.appSecret"]],
      [{ ...base, settings: { clientId: "c2", appKey: "k2" }, secrets: { password: "x" } }, ["secrets"]],
      [{ ...base, kind: "sap_b1", settings: {} }, ["kind"]],
      [{ ...base, settings: "not an object" }, ["settings"]],
    ];
    for (const [input, paths] of cases) {
      const error = await failure(api.admin.admin.connections.create.mutate(input as never));
      expect(error, JSON.stringify(input)).toMatchObject({ code: "BAD_REQUEST", paths });
    }
    const unknownKey = await failure(api.admin.admin.connections.create.mutate({ ...base, settings: { clientId: "c2", appKey: "k2", colour: "blue" } }));
    expect(unknownKey.message).toMatch(/settings has unknown field colour/);
    expect(await api.admin.admin.connections.list.query({ tenantId })).toHaveLength(1);
  });

  it("creates a second connection that needs authorization until its secrets and domain are set; the same Kingdee app twice is a CONFLICT", async () => {
    const created = await api.admin.admin.connections.create.mutate({
      tenantId, kind: "kingdee_jdy", name: "second", settings: { clientId: "c2", appKey: "k2" }, secrets: { clientSecret: "s2" },
    });
    expect(created).toMatchObject({ name: "second", status: "needs_authorization", secrets: { clientSecret: true, appSecret: false } });
    expect(await api.admin.admin.connections.test.mutate({ connectionId: created.id })).toEqual({
      ok: false, category: "not_ready", message: "the connection lacks appSecret, domain",
    });
    const ready = await api.admin.admin.connections.update.mutate({
      connectionId: created.id, settings: { domain: "https://tf.jdy.com" }, secrets: { appSecret: "a2" },
    });
    expect(ready).toMatchObject({ status: "active", secrets: { clientSecret: true, appSecret: true } });
    const cleared = await api.admin.admin.connections.update.mutate({ connectionId: created.id, settings: { domain: null } });
    expect(cleared).toMatchObject({ status: "needs_authorization", settings: { clientId: "c2", appKey: "k2" } });
    expect(cleared.settings).not.toHaveProperty("domain");

    const demo = api.sandbox.demoTenant;
    const duplicateApp = await failure(api.admin.admin.connections.create.mutate({
      tenantId, kind: "kingdee_jdy", name: "third", settings: { clientId: demo.clientId, appKey: demo.appKey },
    }));
    expect(duplicateApp.code).toBe("CONFLICT");
    const duplicateName = await failure(api.admin.admin.connections.create.mutate({
      tenantId, kind: "kingdee_jdy", name: "second", settings: { clientId: "c3", appKey: "k3" },
    }));
    expect(duplicateName.code).toBe("CONFLICT");
  });

  it("disables: the tenant's client is not ready, the test call says so; enabling again works", async () => {
    const connection = (await api.admin.admin.connections.list.query({ tenantId })).find((c) => c.name === "default")!;
    expect(await api.admin.admin.connections.disable.mutate({ connectionId: connection.id })).toMatchObject({ status: "disabled" });
    await expect(api.services.kingdee.get(tenantId)).rejects.toBeInstanceOf(TenantNotReadyError);
    expect(await api.admin.admin.connections.test.mutate({ connectionId: connection.id })).toMatchObject({ ok: false, category: "disabled" });
    expect(await api.admin.admin.connections.update.mutate({ connectionId: connection.id, status: "active" })).toMatchObject({ status: "active" });
    expect(await api.admin.admin.connections.test.mutate({ connectionId: connection.id })).toMatchObject({ ok: true });
    await expect(api.services.kingdee.get(tenantId)).resolves.toBeDefined();
  });

  it("an unknown tenant or connection is NOT_FOUND; a malformed id is BAD_REQUEST", async () => {
    expect((await failure(api.admin.admin.connections.list.query({ tenantId: UNKNOWN_ID }))).code).toBe("NOT_FOUND");
    for (const call of [
      api.admin.admin.connections.get.query({ connectionId: UNKNOWN_ID }),
      api.admin.admin.connections.update.mutate({ connectionId: UNKNOWN_ID, settings: {} }),
      api.admin.admin.connections.disable.mutate({ connectionId: UNKNOWN_ID }),
      api.admin.admin.connections.test.mutate({ connectionId: UNKNOWN_ID }),
    ]) expect((await failure(call)).code).toBe("NOT_FOUND");
    expect((await failure(api.admin.admin.connections.create.mutate({
      tenantId: UNKNOWN_ID, kind: "kingdee_jdy", settings: { clientId: "c9", appKey: "k9" },
    }))).code).toBe("NOT_FOUND");
    expect(await failure(api.admin.admin.connections.get.query({ connectionId: "nope" }))).toMatchObject({ code: "BAD_REQUEST", paths: ["connectionId"] });
  });

  it("needs the admin token", async () => {
    expect((await failure(api.client().admin.connections.list.query({ tenantId }))).code).toBe("UNAUTHORIZED");
  });
});
