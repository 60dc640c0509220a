#!/usr/bin/env node
// Builds the mini-program into dist/ (the miniprogramRoot of project.config.json):
// every page (and app.ts) bundled by esbuild into one plain script (IIFE: the mini-program runtime
// runs page files as scripts that call the global Page()/App(); no ESM at runtime), with
// @erpbridge/client and the wx.request adapter inside; .wxml/.wxss/.json copied as they are.
//
//   MINI_API_URL=https://api.example.com node scripts/build.mjs [--outdir DIR] [--no-minify]
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");

function option(name) {
  const args = process.argv.slice(2);
  const index = args.indexOf(name);
  if (index >= 0) return args[index + 1];
  const inline = args.find((a) => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

const outdir = resolve(process.cwd(), option("--outdir") ?? join(root, "dist"));
const minify = !process.argv.includes("--no-minify");
const apiUrl = (process.env.MINI_API_URL || "http://localhost:3000").replace(/\/+$/, "");
if (!/^https?:\/\/[^/\s]+/.test(apiUrl)) {
  console.error(`MINI_API_URL must be an http(s) URL, got ${JSON.stringify(apiUrl)}`);
  process.exit(1);
}

const app = JSON.parse(readFileSync(join(src, "app.json"), "utf8"));
const entryPoints = { app: join(src, "app.ts") };
for (const page of app.pages) entryPoints[page] = join(src, `${page}.ts`);

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const result = await build({
  entryPoints,
  outdir,
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["es2017"],
  minify,
  legalComments: "none",
  charset: "utf8",
  metafile: true,
  logLevel: "warning",
  // Globals the runtime lacks, provided to every module that uses them (see src/api/shims.ts).
  inject: [join(src, "api/shims.ts")],
  define: {
    __API_URL__: JSON.stringify(apiUrl),
    "process.env.NODE_ENV": JSON.stringify("production"),
  },
  tsconfig: join(root, "tsconfig.json"),
});

// Everything that is not TypeScript: app.json, app.wxss, sitemap.json and the pages' .wxml/.wxss/.json.
function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (/\.(wxml|wxss|json|wxs|png|jpg|svg)$/.test(name)) {
      const target = join(outdir, relative(src, path));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(path, target);
    }
  }
}
copyAssets(src);

const outputs = Object.entries(result.metafile.outputs)
  .map(([file, info]) => ({ file: relative(outdir, resolve(process.cwd(), file)), bytes: info.bytes }))
  .sort((a, b) => a.file.localeCompare(b.file));
const total = outputs.reduce((sum, o) => sum + o.bytes, 0);
for (const { file, bytes } of outputs) console.log(`  ${file.padEnd(28)} ${(bytes / 1024).toFixed(1).padStart(7)} KiB`);
console.log(`built ${outputs.length} scripts (${(total / 1024).toFixed(1)} KiB) into ${outdir} for ${apiUrl}`);
