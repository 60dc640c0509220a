import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const MAX_BYTES = 80 * 1024;
/** The client's runtime: tRPC's client (and the shared bits of @trpc/server it re-uses) and superjson with its helpers. */
const ALLOWED_PACKAGES = ["@trpc/client", "@trpc/server", "superjson", "copy-anything", "is-what"];

/** Server-side code that must never reach a client bundle (the client imports the router TYPE only). */
const FORBIDDEN_MODULES = ["sequelize", "sequelize-typescript", "fastify", "pg", "pg-protocol", "ioredis", "agenda", "pino", "prom-client", "qrcode"];
const FORBIDDEN_TEXT = ["Sequelize", "fastify", "pg-protocol", "ioredis", "agenda", "@erpbridge/domain", "@erpbridge/api", "postgres"];

describe("bundle", () => {
  it.each(["browser", "neutral"] as const)("bundles for %s without server code, and small", async (platform) => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform,
      format: "esm",
      minify: true,
      write: false,
      metafile: true,
      logLevel: "silent",
      // The neutral platform resolves nothing by default; give it what a bundler for a mini-program would.
      ...(platform === "neutral" ? { mainFields: ["module", "main"], conditions: ["import", "default"] } : {}),
    });
    const code = result.outputFiles[0]!.text;
    const bytes = Buffer.byteLength(code);
    console.log(`@erpbridge/client bundle (${platform}, esm, minified): ${(bytes / 1024).toFixed(1)} KiB`);

    const inputs = Object.keys(result.metafile.inputs);
    // The package of each input: what follows its last `node_modules/` (pnpm nests them under `.pnpm/…/node_modules/`).
    const packages = new Set(inputs.flatMap((path) => /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? []));
    for (const name of FORBIDDEN_MODULES) expect(packages, `bundle pulled in ${name}`).not.toContain(name);
    expect(inputs.filter((path) => /(^|\/)(packages\/domain|services\/api)\//.test(path))).toEqual([]);
    // What the client needs and nothing else.
    expect([...packages].filter((name) => !ALLOWED_PACKAGES.includes(name))).toEqual([]);
    expect(packages).toContain("@trpc/client");
    for (const text of FORBIDDEN_TEXT) expect(code.includes(text), `bundle contains "${text}"`).toBe(false);

    expect(bytes).toBeLessThan(MAX_BYTES);
  });
});
