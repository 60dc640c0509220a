#!/usr/bin/env node
// `pnpm admin <command>`: see `pnpm admin --help`.
import { main } from "./main.js";

const io = {
  out: (line = "") => void process.stdout.write(`${line}\n`),
  err: (line = "") => void process.stderr.write(`${line}\n`),
  isTTY: Boolean(process.stdout.isTTY),
  rewrite: (line: string) => void process.stdout.write(`\r\x1b[K${line}`),
};

process.exitCode = await main(process.argv.slice(2), { env: process.env, cwd: process.cwd(), io });
