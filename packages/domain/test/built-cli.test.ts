// The built code under plain node: catches what tsx/vitest hide (decorator metadata reading a
// class before it is initialised in circular model imports). Needs `pnpm build` first.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createTestDatabase, type TestDatabase } from "@erpbridge/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { exports: Record<string, unknown> };
const cli = fileURLToPath(new URL("../dist/db/migrate-cli.js", import.meta.url));
const built = existsSync(cli);
if (!built) console.log("skipped: dist not built (built migrate-cli test; run `pnpm --filter @erpbridge/domain build`)");

async function node(args: string[], env: Record<string, string | undefined>) {
  try {
    // From the package's own directory so "@erpbridge/domain/…" resolves through its "exports".
    const { stdout, stderr } = await run(process.execPath, args, { cwd: packageDir, env: { ...process.env, ...env }, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe.skipIf(!built)("built migrate-cli (plain node)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("domain_cli");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("applies, is idempotent, reverts one with --down", async () => {
    const up = await node([cli], { DATABASE_URL: db.url });
    expect(up.stderr).toBe("");
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/applied \d+ on .*: 0001-tenant, /);

    const again = await node([cli], { DATABASE_URL: db.url });
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toMatch(/is up to date/);

    const down = await node([cli, "--down"], { DATABASE_URL: db.url });
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/reverted 1 on/);
  });

  it("exits 1 with a clear message", async () => {
    const noUrl = await node([cli], { DATABASE_URL: "" });
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toMatch(/DATABASE_URL is not set/);

    const bad = await node([cli, "--sideways"], { DATABASE_URL: db.url });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown argument --sideways/);

    const unreachable = await node([cli], { DATABASE_URL: "postgres://nobody:pw@127.0.0.1:1/nothing" });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/db:migrate: up failed on 127\.0\.0\.1:1\/nothing/);
    expect(unreachable.stderr).not.toContain(":pw@");
  });

  it("loads every public subpath", async () => {
    const subpaths = Object.keys(packageJson.exports).map((key) => `@erpbridge/domain${key.slice(1)}`);
    const script = `for (const s of ${JSON.stringify(subpaths)}) await import(s);
      const m = await import("@erpbridge/domain/models"); console.log(Object.keys(m.models).length)`;
    const out = await node(["--input-type=module", "-e", script], {});
    expect(out.stderr).toBe("");
    expect(out.stdout.trim()).toBe("5"); // Tenant, Connection, SyncJob, SyncRun, Customer
  });
});
