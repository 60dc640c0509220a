import { afterAll, describe, expect, it } from "vitest";
import { businessDate, resourceNames, resources } from "../src/index.js";
import { OUT_BOUND_PATH, sandboxWithClient } from "./helpers.js";

const { sandbox, client } = await sandboxWithClient({ counts: { sal_out_bound: 1_250 } });
afterAll(() => sandbox.stop());

describe("paging", () => {
  it("pages through 1,250 out-bound documents: every row once, in stable order", async () => {
    sandbox.calls.reset();
    const ids: string[] = [];
    let pages = 0;
    for await (const page of client().resource("sal_out_bound").pages({ pageSize: 100 })) {
      pages++;
      expect(page.count).toBe(1_250);
      ids.push(...page.rows.map((row) => row.id));
    }
    expect(pages).toBe(13);
    expect(ids).toHaveLength(1_250);
    expect(new Set(ids).size).toBe(1_250);
    expect(sandbox.calls.count(OUT_BOUND_PATH)).toBe(13);
  });

  it("normalises a string count (customer list) to a number", async () => {
    const page = await client().resource("customer").list({ pageSize: 7 });
    expect(typeof page.count).toBe("number");
    expect(page.count).toBe(sandbox.data.count("customer"));
    expect(page.rows).toHaveLength(7);
  });

  it("filters by modify time window", async () => {
    const all = sandbox.data.rows("sal_out_bound");
    const times = all.map((row) => Date.parse(`${String(row.modify_time).replace(" ", "T")}+08:00`)).sort((a, b) => a - b);
    const from = times[Math.floor(times.length / 2)]!;
    const to = times[Math.floor(times.length * 0.8)]!;
    const seen: string[] = [];
    for await (const page of client().resource("sal_out_bound").pages({ modifiedFrom: from, modifiedTo: to })) {
      for (const row of page.rows) {
        const t = Date.parse(`${String(row.modify_time).replace(" ", "T")}+08:00`);
        expect(t).toBeGreaterThanOrEqual(from);
        expect(t).toBeLessThanOrEqual(to);
        seen.push(row.id);
      }
    }
    const expected = times.filter((t) => t >= from && t <= to).length;
    expect(seen).toHaveLength(expected);
  });

  it("resumes at a start page", async () => {
    const pages = [];
    for await (const page of client().resource("sal_out_bound").pages({ pageSize: 100, startPage: 12 })) pages.push(page.page);
    expect(pages).toEqual([12, 13]);
  });

  it("fetches a detail by id and by number, with entries", async () => {
    const [row] = (await client().resource("sal_out_bound").list({ pageSize: 1 })).rows;
    const byId = await client().resource("sal_out_bound").detail({ id: row!.id });
    const byNumber = await client().resource("sal_out_bound").detail({ number: row!.bill_no });
    expect(byId.id).toBe(row!.id);
    expect(byNumber.id).toBe(row!.id);
    expect(byId.material_entity.length).toBeGreaterThan(0);
  });

  it("declares every resource once with paths, keys and time filters", () => {
    expect(resourceNames).toHaveLength(14);
    expect(resources.sal_out_bound).toMatchObject({ listPath: OUT_BOUND_PATH, detailPath: "/jdy/v2/scm/sal_out_bound_detail", numberField: "bill_no" });
    expect(resources.inventory_stock.timeFilter).toBeNull();
    expect(resources.sal_invoice.timeFilter?.unit).toBe("date");
  });

  it("date filters are formatted in Beijing time", () => {
    expect(businessDate(Date.UTC(2025, 0, 1, 16, 30))).toBe("2025-01-02");
  });

  it("the generic request reaches any endpoint", async () => {
    const data = await client().request<{ rows: unknown[] }>({ method: "GET", path: "/jdy/v2/bd/material", query: { page: 1, page_size: 3 } });
    expect(data.rows).toHaveLength(3);
  });
});
