import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const packageDir = resolve(import.meta.dirname, "..");
const kitDir = resolve(packageDir, "..", "integration-kit");
const work = mkdtempSync(join(tmpdir(), "kingdee-sdk-pack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the published package", () => {
  it("packs, installs in an empty project, imports and type-checks", { timeout: 120_000 }, () => {
    execFileSync("pnpm", ["pack", "--pack-destination", work], { cwd: packageDir, stdio: "pipe" });
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"))!;
    // The kernel it depends on is not on a registry here: pack it too and install both tarballs.
    const kitPack = join(work, "kit");
    execFileSync("pnpm", ["pack", "--pack-destination", kitPack], { cwd: kitDir, stdio: "pipe" });
    const kitTarball = join(kitPack, readdirSync(kitPack).find((f) => f.endsWith(".tgz"))!);
    const files = execFileSync("tar", ["-tzf", join(work, tarball)], { encoding: "utf8" }).split("\n");
    expect(files).toContain("package/dist/index.js");
    expect(files).toContain("package/dist/index.d.ts");
    expect(files).toContain("package/README.md");
    expect(files.some((f) => f.startsWith("package/src/") || f.startsWith("package/test/"))).toBe(false);

    const project = join(work, "consumer");
    execFileSync("mkdir", ["-p", project]);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", kitTarball, join(work, tarball)], { cwd: project, stdio: "pipe" });

    const out = execFileSync(
      "node",
      [
        "--input-type=module",
        "-e",
        `import { KingdeeClient, appSignature, resources } from "@erpbridge/kingdee-sdk";
         console.log(typeof KingdeeClient, appSignature("abc", "abc123"), resources.sal_out_bound.listPath);`,
      ],
      { cwd: project, encoding: "utf8" },
    );
    expect(out.trim()).toBe(
      "function ZDljMTI3NGIyNTE1MTRkYzlkNjc1MDNhYjUzMzgzNWMyY2M4YTdjMzdmNmM3YTVlNDkxMTkzNjdiOTFjNzUyZQ== /jdy/v2/scm/sal_out_bound",
    );

    // The declarations resolve for a NodeNext TypeScript consumer.
    writeFileSync(
      join(project, "main.ts"),
      `import { KingdeeClient, type SalOutBoundDetail } from "@erpbridge/kingdee-sdk";
       const client = new KingdeeClient({ clientId: "1", clientSecret: "s", appKey: "k", appSecret: "a", domain: "https://tf.jdy.com" });
       export async function first(): Promise<SalOutBoundDetail["bill_no"] | undefined> {
         for await (const page of client.resource("sal_out_bound").pages({ modifiedFrom: 0 })) return page.rows[0]?.bill_no;
         return undefined;
       }\n`,
    );
    const tsc = join(packageDir, "node_modules", ".bin", "tsc");
    execFileSync(
      tsc,
      ["--noEmit", "--strict", "--module", "NodeNext", "--moduleResolution", "NodeNext", "--target", "ES2022", "--skipLibCheck", "--types", "node", "--typeRoots", join(packageDir, "node_modules", "@types"), "main.ts"],
      { cwd: project, stdio: "pipe" },
    );
  });
});
