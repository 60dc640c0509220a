import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApi, startTestApi } from "./harness.js";

// admin.kingdee.proxy with caller-built paths, over real HTTP against the Kingdee sandbox.

let api: TestApi;
let tenantId: string;

beforeAll(async () => {
  api = await startTestApi();
  tenantId = await api.createSandboxTenant();
}, 60_000);
afterAll(() => api?.close());

async function badRequest(path: string) {
  const error = await api.admin.admin.kingdee.proxy.query({ tenantId, path }).catch((e: unknown) => e);
  expect(error, path).toBeInstanceOf(TRPCClientError);
  const data = (error as { data: unknown }).data as { code: string; fieldErrors: Array<{ path: string; message: string }> | null };
  expect(data.code, path).toBe("BAD_REQUEST");
  expect(data.fieldErrors?.[0]?.path, path).toBe("path");
  return (error as Error).message;
}

describe("admin.kingdee.proxy paths", () => {
  it("a ?query in the path is split out and signed as sent", async () => {
    const page = (await api.admin.admin.kingdee.proxy.query({ tenantId, path: "/jdy/v2/bd/customer?page=1&page_size=2" })) as { rows: unknown[] };
    expect(page.rows).toHaveLength(2);
    const merged = (await api.admin.admin.kingdee.proxy.query({ tenantId, path: "/jdy/v2/bd/customer?page_size=1", query: { page: 2 } })) as {
      rows: unknown[];
      page: number;
    };
    expect(merged).toMatchObject({ page: 2 });
    expect(merged.rows).toHaveLength(1);
  });

  it("%, .. and otherwise invalid paths are BAD_REQUEST naming the problem; nothing reaches Kingdee", async () => {
    api.sandbox.calls.reset();
    expect(await badRequest("/jdy/v2/bd/customer?search=%E5%AE%A2")).toMatch(/path must not contain %/);
    expect(await badRequest("/jdy/v2/bd/customer%3Fpage%3D1")).toMatch(/path must not contain %/);
    expect(await badRequest("/jdy/v2/bd/../scm/sal_out_bound")).toMatch(/path must not contain \. or \.\. segments/);
    expect(await badRequest("/jdy/v2/bd//customer")).toMatch(/segments/);
    expect(await badRequest("/jdy/v2/sys/common_operate?x=1")).toMatch(/allow-list/);
    expect(api.sandbox.calls.count()).toBe(0);
  });
});
