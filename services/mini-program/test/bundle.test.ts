import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMiniProgram, PACKAGE_DIR } from "./api.js";
import { MiniRuntime } from "./wx-runtime.js";

// What `pnpm --filter mini-program build` produces, checked without a server.

const API_URL = "https://api.erpbridge.test";
/** Server-only modules that must never reach the phone. */
const FORBIDDEN = ["sequelize", "fastify", "pg-protocol", "ioredis", "agenda"];

let work: string;
let dist: string;
let scripts: string[];

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "mini-program-bundle-"));
  dist = join(work, "dist");
  await buildMiniProgram(dist, API_URL);
  scripts = files(dist).filter((f) => f.endsWith(".js"));
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("dist/", () => {
  it("has app.json, app.js, app.wxss and every page's .js/.wxml/.wxss/.json", () => {
    const app = JSON.parse(readFileSync(join(dist, "app.json"), "utf8")) as { pages: string[]; tabBar?: { list: Array<{ pagePath: string }> } };
    expect(app.pages).toEqual([
      "pages/login/index",
      "pages/deliveries/index",
      "pages/delivery/index",
      "pages/statements/index",
      "pages/statement/index",
      "pages/orders/index",
      "pages/order/index",
    ]);
    for (const f of ["app.js", "app.wxss", "sitemap.json"]) expect(existsSync(join(dist, f)), f).toBe(true);
    for (const page of app.pages) for (const ext of ["js", "wxml", "wxss", "json"]) expect(existsSync(join(dist, `${page}.${ext}`)), `${page}.${ext}`).toBe(true);
    for (const tab of app.tabBar?.list ?? []) expect(app.pages).toContain(tab.pagePath);
    expect(scripts.map((f) => relative(dist, f)).sort()).toEqual(["app.js", ...app.pages.map((p) => `${p}.js`)].sort());
  });

  it("project.config.json points WeChat devtools at dist/", () => {
    const project = JSON.parse(readFileSync(join(PACKAGE_DIR, "project.config.json"), "utf8")) as Record<string, unknown>;
    expect(project).toMatchObject({ compileType: "miniprogram", miniprogramRoot: "dist/", appid: "touristappid" });
  });

  it("contains no server-only module", () => {
    for (const file of scripts) {
      const code = readFileSync(file, "utf8");
      for (const name of FORBIDDEN) expect(code.includes(name), `${relative(dist, file)} contains "${name}"`).toBe(false);
    }
  });

  it("plain scripts: no ESM, no require(), the API URL baked in; each registers exactly one App/Page in a bare realm", () => {
    for (const file of scripts) {
      const code = readFileSync(file, "utf8");
      expect(code, relative(dist, file)).not.toMatch(/^\s*(import|export)\s/m);
      expect(code, relative(dist, file)).not.toMatch(/\brequire\(/);
      expect(code).not.toContain("__API_URL__");
      if (!file.endsWith("app.js")) expect(code).toContain(API_URL);
    }
    // Loading every page in the wx stand-in (no fetch/URL/AbortController/process there) registers it.
    const rt = new MiniRuntime({ distDir: dist, tmpDir: join(work, "wxfiles") });
    rt.launch();
    for (const page of JSON.parse(readFileSync(join(dist, "app.json"), "utf8")).pages as string[]) {
      expect(() => (rt as unknown as { run(file: string, kind: string): unknown }).run(`${page}.js`, "Page")).not.toThrow();
    }
  });

  it("reports the bundle sizes (each page carries the client: tRPC + superjson + the wx adapter)", () => {
    const sizes = scripts.map((f) => ({ file: relative(dist, f), bytes: statSync(f).size })).sort((a, b) => a.file.localeCompare(b.file));
    const total = sizes.reduce((sum, s) => sum + s.bytes, 0);
    console.log(
      ["mini-program bundle sizes (minified):", ...sizes.map((s) => `  ${s.file.padEnd(28)} ${(s.bytes / 1024).toFixed(1)} KiB`), `  total ${(total / 1024).toFixed(1)} KiB`].join("\n"),
    );
    for (const s of sizes) expect(s.bytes, s.file).toBeLessThan(80 * 1024);
    // WeChat's main package limit is 2 MB.
    const all = files(dist).reduce((sum, f) => sum + statSync(f).size, 0);
    expect(all).toBeLessThan(2 * 1024 * 1024);
  });
});
