import { describe, expect, it } from "vitest";
import { startKingdeeSandbox } from "../src/index.js";
import { TestClient } from "./helpers.js";

// Correctness at scale only: speed is measured in the sync benchmark (packages/domain/bench), not asserted here.
describe("scale: 100k sal_out_bound", () => {
  it("seeds 100k documents and serves stable windowed pages and details", async () => {
    const t0 = performance.now();
    const sandbox = await startKingdeeSandbox({ counts: { sal_out_bound: 100_000 } });
    const startMs = performance.now() - t0;
    try {
      expect(sandbox.data.count("sal_out_bound")).toBe(100_000);
      const client = new TestClient(sandbox);
      await client.login();
      const now = Date.now();
      const window = { modify_start_time: now - 30 * 86_400_000, modify_end_time: now };
      const first = await client.get("/jdy/v2/scm/sal_out_bound", { ...window, page: 1, page_size: 100 });
      const count = first.data.count as number;
      expect(count).toBeGreaterThan(20_000);
      expect(count).toBeLessThan(100_000);
      const t1 = performance.now();
      const pages = 30;
      const ids = new Set<string>();
      for (let page = 2; page < 2 + pages; page++) {
        const res = await client.get("/jdy/v2/scm/sal_out_bound", { ...window, page, page_size: 100 });
        expect(res.data.count).toBe(count);
        for (const r of res.data.rows) ids.add(r.id);
      }
      const perPage = (performance.now() - t1) / pages;
      expect(ids.size).toBe(pages * 100);

      const t2 = performance.now();
      const sample = [...ids].slice(0, 300);
      await Promise.all(
        sample.map(async (id) => {
          const res = await client.get("/jdy/v2/scm/sal_out_bound_detail", { id });
          expect(res.data.id).toBe(id);
        }),
      );
      const perDetail = (performance.now() - t2) / sample.length;
      console.log(`start ${startMs.toFixed(0)} ms, page ${perPage.toFixed(2)} ms, detail ${perDetail.toFixed(2)} ms`);
    } finally {
      await sandbox.stop();
    }
  });
});
