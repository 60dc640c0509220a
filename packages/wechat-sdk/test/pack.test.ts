import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const packageDir = resolve(import.meta.dirname, "..");
const kitDir = resolve(packageDir, "..", "integration-kit");
const work = mkdtempSync(join(tmpdir(), "wechat-sdk-pack-"));
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
    const manifest = JSON.parse(execFileSync("tar", ["-xzOf", join(work, tarball), "package/package.json"], { encoding: "utf8" }));
    // pnpm pack resolves catalog: and workspace: ranges; the runtime dependencies are the kit and zod.
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["@erpbridge/integration-kit", "zod"]);
    for (const range of Object.values(manifest.dependencies)) expect(range).not.toMatch(/catalog|workspace/);

    const project = join(work, "consumer");
    execFileSync("mkdir", ["-p", project]);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", kitTarball, join(work, tarball)], { cwd: project, stdio: "pipe" });

    const out = execFileSync(
      "node",
      [
        "--input-type=module",
        "-e",
        `import { WechatMiniProgramClient, WechatError, WECHAT_PROTOCOL } from "@erpbridge/wechat-sdk";
         const client = new WechatMiniProgramClient({ appId: "wx1", appSecret: "s" });
         let missing = "";
         try { new WechatMiniProgramClient({ appId: "wx1" }); } catch (e) { missing = e.message; }
         console.log(typeof client.subscribeMessage.send, new WechatError({ message: "m", category: "consent", method: "POST", endpoint: "/x" }).name, WECHAT_PROTOCOL.paths.stableToken, /appSecret is required/.test(missing));`,
      ],
      { cwd: project, encoding: "utf8" },
    );
    expect(out.trim()).toBe("function WechatError /cgi-bin/stable_token true");

    // The declarations resolve for a NodeNext TypeScript consumer.
    writeFileSync(
      join(project, "main.ts"),
      `import { WechatMiniProgramClient, WechatError, type Code2SessionResult, type PhoneInfo } from "@erpbridge/wechat-sdk";
       const client = new WechatMiniProgramClient({ appId: "wx1", appSecret: "s", tokenRefreshWindowSeconds: 300 });
       export async function login(code: string): Promise<Code2SessionResult["openid"]> {
         return (await client.code2Session(code)).openid;
       }
       export async function notify(openid: string): Promise<"sent" | "no-consent"> {
         try {
           await client.subscribeMessage.send({ touser: openid, templateId: "t", data: { thing1: { value: "ok" } } });
           return "sent";
         } catch (error) {
           if (error instanceof WechatError && error.category === "consent") return "no-consent";
           throw error;
         }
       }
       export const qr: Promise<Buffer> = client.wxacode.getUnlimited({ scene: "a=1", envVersion: "trial" });
       export const phone: Promise<PhoneInfo["countryCode"]> = client.getUserPhoneNumber("c").then((p) => p.countryCode);\n`,
    );
    const tsc = join(packageDir, "node_modules", ".bin", "tsc");
    execFileSync(
      tsc,
      ["--noEmit", "--strict", "--module", "NodeNext", "--moduleResolution", "NodeNext", "--target", "ES2022", "--skipLibCheck", "--types", "node", "--typeRoots", join(packageDir, "node_modules", "@types"), "main.ts"],
      { cwd: project, stdio: "pipe" },
    );
  });
});
