import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../src/embedded/postgres.js";

// mkdtemp makes a mode-700 folder, like /root: as root, the `postgres` user cannot enter it.
const privateDir = mkdtempSync(join(tmpdir(), "erpbridge-private-"));
const moved: string[] = [];
afterAll(() => {
  rmSync(privateDir, { recursive: true, force: true });
  for (const dir of moved) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(process.getuid?.() === 0)("embedded PostgreSQL as root inside a folder other users cannot enter", () => {
  it("starts (binaries and data under /var/tmp), answers, and starts again on the same data", { timeout: 120_000 }, async () => {
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (stderr.push(String(chunk)), write(chunk))) as typeof process.stderr.write;
    let first: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
    try {
      first = await startEmbeddedPostgres(join(privateDir, ".data", "postgres"));
    } finally {
      process.stderr.write = write;
    }
    const home = /live in (\/var\/tmp\/erpbridge-pg-[0-9a-f]+)/.exec(stderr.join(""))?.[1];
    expect(home).toBeDefined();
    moved.push(home!);

    const query = async (url: string, sql: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    };
    await query(first.url, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)");
    await first.stop();

    const second = await startEmbeddedPostgres(join(privateDir, ".data", "postgres"));
    try {
      expect(await query(second.url, "SELECT n FROM kept")).toEqual([{ n: 42 }]);
    } finally {
      await second.stop();
    }
  });
});
