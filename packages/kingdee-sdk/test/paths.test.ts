import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { KingdeeError, parseRequestPath } from "../src/index.js";
import { CUSTOMER_PATH, sandboxWithClient } from "./helpers.js";

// Caller-built paths (e.g. through the API's admin proxy): what is signed must be what is sent.

const { sandbox, client } = await sandboxWithClient();
afterAll(() => sandbox.stop());
beforeEach(() => sandbox.calls.reset());

describe("a ?query written into the path", () => {
  it("is split out, sent and signed like `query` (the gateway accepts the signature)", async () => {
    const data = await client().request<{ rows: unknown[]; page_size: number }>({ method: "GET", path: `${CUSTOMER_PATH}?page=1&page_size=3` });
    expect(data.rows).toHaveLength(3);
    expect(data.page_size).toBe(3);
  });

  it("merges with `query`, path pairs first", async () => {
    const data = await client().request<{ rows: unknown[]; page: number }>({ method: "GET", path: `${CUSTOMER_PATH}?page_size=2`, query: { page: 2 } });
    expect(data).toMatchObject({ page: 2 });
    expect(data.rows).toHaveLength(2);
  });

  it("keeps values literally (a + is a plus, not a space)", () => {
    expect(parseRequestPath("/jdy/v2/bd/customer?search=a+b&flag")).toEqual({
      path: "/jdy/v2/bd/customer",
      query: [["search", "a+b"], ["flag", ""]],
    });
  });
});

describe("paths that cannot be signed as sent are refused before anything is sent", () => {
  const bad = [
    `${CUSTOMER_PATH}%2F..`,
    `${CUSTOMER_PATH}?search=%E5%AE%A2`,
    "/jdy/v2/bd/../scm/sal_out_bound",
    "/jdy/v2/bd/./customer",
    "/jdy//v2/bd/customer",
    "/jdy/v2/bd/cus tomer",
    "/jdy/v2/bd/客户",
    `${CUSTOMER_PATH}#x`,
    "jdy/v2/bd/customer",
    `${CUSTOMER_PATH}?a b=1`,
  ];
  const kingdee = client();
  for (const path of bad) {
    it(JSON.stringify(path), async () => {
      await kingdee.token.get();
      sandbox.calls.reset();
      const error = (await kingdee.request({ method: "GET", path }).catch((e: unknown) => e)) as KingdeeError;
      expect(error).toBeInstanceOf(KingdeeError);
      expect(error).toMatchObject({ category: "validation", retryable: false });
      expect(error.message).toMatch(/^Invalid Kingdee path: /);
      expect(sandbox.calls.count()).toBe(0);
    });
  }
});
