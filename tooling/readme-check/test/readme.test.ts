// The newcomer's path, as a test: a fresh clone (of the committed HEAD) inside a folder other users
// cannot enter (mkdtemp makes it mode 700, like /root), the README's install line, one `pnpm start`,
// then every command the README and the start banner show, each expected to exit 0.
// Builds come from the source checkout's turbo cache (TURBO_CACHE_DIR), so nothing is rebuilt that
// the source has built already.
import { execFileSync, spawn, type SpawnOptions } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createTestDatabase, repoRoot } from "@erpbridge/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const source = repoRoot();
const privateDir = mkdtempSync(join(tmpdir(), "erpbridge-readme-"));
const clone = join(privateDir, "erpbridge");
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** The turbo cache the source checkout uses (git worktrees share the main worktree's). */
const turboCache = join(
  dirname(execFileSync("git", ["rev-parse", "--path-format=absolute", "--git-common-dir"], { cwd: source, encoding: "utf8" }).trim()),
  ".turbo",
  "cache",
);

/** A newcomer's shell: none of this run's configuration, test runner or package-manager state. */
function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|PNPM_|TURBO_|VITEST|NODE_ENV$|INIT_CWD$|DATABASE_URL$|REDIS_URL$|MONGODB_URL$|ADMIN_TOKEN$|ERPBRIDGE_)/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, TURBO_CACHE_DIR: turboCache, TURBO_TELEMETRY_DISABLED: "1", ...extra };
}

interface Result {
  code: number | null;
  stdout: string;
  /** stdout and stderr as they came. */
  output: string;
}

function run(command: string, options: { env?: Record<string, string>; cwd?: string } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { cwd: options.cwd ?? clone, env: shellEnv(options.env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let output = "";
    child.stdout.on("data", (chunk) => ((stdout += chunk), (output += chunk)));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, output }));
  });
}

async function expectOk(command: string, options: { env?: Record<string, string>; cwd?: string } = {}): Promise<Result> {
  const result = await run(command, options);
  expect(result.code, `${command}\n${result.output}`).toBe(0);
  return result;
}

/** A long-running command (a server): started in its own process group, stopped with SIGINT to the group. */
function startServer(command: string, env: Record<string, string> = {}) {
  const options: SpawnOptions = { cwd: clone, env: shellEnv(env), stdio: ["ignore", "pipe", "pipe"], detached: true };
  const child = spawn("sh", ["-c", command], options);
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | string | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  const waitFor = (pattern: RegExp, ms: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${command}: no ${pattern} within ${ms / 1000} s:\n${output.slice(-4000)}`)), ms);
      const check = () => {
        const match = pattern.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match);
        }
      };
      child.stdout!.on("data", check);
      check();
      void exited.then((code) => reject(new Error(`${command}: exited with ${code}:\n${output.slice(-4000)}`)));
    });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGINT");
    return exited;
  };
  return { waitFor, stop, output: () => output };
}

/** Every line of the README's ```sh blocks, comments removed. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(clone, "README.md"), "utf8");
  return [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((block) => block[1]!.split("\n"))
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter(Boolean);
}

let instance: ReturnType<typeof startServer> | undefined;
let startOutput = "";
let banner: { url: string; adminToken: string; tryLines: string[] };

beforeAll(async () => {
  execFileSync("git", ["clone", "--quiet", source, clone]);
});
afterAll(async () => {
  await instance?.stop();
  rmSync(privateDir, { recursive: true, force: true });
  // As root, embedded PostgreSQL put its binaries and data where the postgres user can reach them.
  const moved = /live in (\/var\/tmp\/erpbridge-pg-[0-9a-f]+)/.exec(instance?.output() ?? startOutput)?.[1];
  if (moved) rmSync(moved, { recursive: true, force: true });
});

describe("the README from a fresh clone in a private folder", () => {
  it("installs quietly and offline with the README's install line", async () => {
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    const { output } = await expectOk("pnpm install --frozen-lockfile --offline");
    expect(output).not.toMatch(/Ignored build scripts/);
    expect(output).not.toMatch(/WARN/);
    // sharp's install script is deliberately not run (pnpm-workspace.yaml): its prebuilt binary still resizes.
    const resize =
      "import('sharp').then(async ({ default: sharp }) => { const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#c00' } }).png().toBuffer(); " +
      "console.log((await sharp(await sharp(png).resize(100).jpeg().toBuffer()).metadata()).width); })";
    expect((await expectOk(`node -e "${resize}"`, { cwd: join(clone, "services", "api") })).stdout.trim()).toBe("100");
  });

  it("pnpm start: the embedded default comes up and prints its banner", async () => {
    instance = startServer("pnpm start", { PORT: "0", HOST: "127.0.0.1" });
    const [, url, adminToken] = await instance.waitFor(/API\s+(http:\/\/\S+)\/trpc[\s\S]*admin token\s+(\S+)[\s\S]*Ctrl-C stops it/, 300_000);
    const tryBlock = /Try:\n([\s\S]*?)\n\n/.exec(instance.output())![1]!;
    banner = { url: url!, adminToken: adminToken!, tryLines: tryBlock.split("\n").map((l) => l.trim()) };
    expect(banner.tryLines.some((l) => l.includes("pnpm admin sync:status"))).toBe(true);
  });

  it("runs each command the banner suggests", async () => {
    for (const line of banner.tryLines) await expectOk(line);
  });

  it("runs each pnpm command of the README's code blocks against the started instance", async () => {
    const env = { ERPBRIDGE_URL: banner.url, ADMIN_TOKEN: banner.adminToken };
    const tenantId = UUID.exec((await expectOk("pnpm -s admin tenant:list", { env })).stdout)![0];
    const customers = await expectOk("pnpm -s admin customer:list --search 商贸 --json", { env });
    const customerId = UUID.exec(customers.stdout)![0];
    // A login token of its own for the README's revoke example.
    const issued = await expectOk(`pnpm -s admin customer:token --customer ${customerId}`, { env });
    const tokenId = /^token id: (\S+)$/m.exec(issued.stdout)![1];

    const commands: string[] = [];
    for (const line of readmeCommands()) {
      if (line.startsWith("export ")) {
        // The README's `export ERPBRIDGE_URL=… ADMIN_TOKEN=<printed by pnpm start>`: `env` above.
        expect(line).toMatch(/ERPBRIDGE_URL=.*ADMIN_TOKEN=/);
        continue;
      }
      if (!/^pnpm /.test(line)) continue; // npm install -g, docker compose, cp: not this machine's business
      if (line === "pnpm start") continue; // the instance above
      if (line === "pnpm test") continue; // the whole suite: this test is part of it
      const command = line
        .replace(/--tenant <id>/g, `--tenant ${tenantId}`)
        .replace(/--customer <id>/g, `--customer ${customerId}`)
        .replace(/--token-id <id>/g, `--token-id ${tokenId}`);
      expect(command, "a placeholder this test does not know how to fill").not.toMatch(/<[^>]+>/);
      commands.push(command);
    }
    // Independent of each other: run them side by side.
    await Promise.all(
      commands.map(async (command) => {
        if (!/ start$/.test(command)) return expectOk(command, { env });
        // A sandbox on its own: it prints its URL, then runs until stopped. Any free port, not its default.
        const server = startServer(command, { KINGDEE_SANDBOX_PORT: "0", WECHAT_SANDBOX_PORT: "0" });
        await server.waitFor(/http:\/\/127\.0\.0\.1:\d+/, 240_000);
        expect([0, "SIGINT", 130]).toContain(await server.stop());
      }),
    );
    const ran = commands;
    expect(ran.filter((c) => c.startsWith("pnpm admin")).length).toBeGreaterThanOrEqual(6);
    expect(statSync(join(clone, "qr.png")).size).toBeGreaterThan(100);
  });

  it("pnpm admin --help and the mini-program build as the READMEs show them", async () => {
    // The CLI's stdout is its own: turbo's build output goes to stderr.
    expect((await expectOk("pnpm -s admin --help")).stdout).toMatch(/^usage: pnpm admin <command>/);
    const readme = readFileSync(join(clone, "README.md"), "utf8");
    const miniBuild = /`(MINI_API_URL=http:\/\/<host>:3000 pnpm --filter mini-program build)`/.exec(readme)![1]!;
    const { stdout } = await expectOk(miniBuild.replace("http://<host>:3000", banner.url));
    expect(stdout).toContain(`for ${banner.url}`);
  });

  it("pnpm db:migrate against a PostgreSQL server", async () => {
    const database = await createTestDatabase("readme_migrate");
    try {
      await expectOk("pnpm db:migrate", { env: { DATABASE_URL: database.url } });
    } finally {
      await database.drop();
    }
  });

  it("pnpm test (CI's command) runs lint and typecheck, then the tests", async () => {
    // --dry=json prints each turbo plan instead of running it; a plan's braces are at column 0.
    const env = { DATABASE_URL: process.env.DATABASE_URL! };
    const { stdout } = await expectOk("node tooling/scripts/test.mjs --dry=json --filter=@erpbridge/kingdee-sdk", { env });
    const plans = [...stdout.matchAll(/^\{\n[\s\S]*?\n\}$/gm)].map((plan) =>
      (JSON.parse(plan[0]) as { tasks: Array<{ taskId: string }> }).tasks.map((t) => t.taskId).filter((id) => !id.endsWith("#build")).sort(),
    );
    expect(plans).toEqual([["@erpbridge/kingdee-sdk#lint", "@erpbridge/kingdee-sdk#typecheck"], ["@erpbridge/kingdee-sdk#test"]]);
  });

  it("the test cache key says which services are configured (never their URLs)", async () => {
    // test.mjs --dry=json prints turbo's plans (lint and typecheck, then test); a task's hash must differ with
    // and without REDIS_URL.
    const hash = async (env: Record<string, string>) => {
      const { stdout: output } = await expectOk("node tooling/scripts/test.mjs --dry=json --filter=@erpbridge/kingdee-sdk", { env });
      const plan = JSON.parse(output.slice(output.lastIndexOf("\n{") + 1, output.lastIndexOf("\n}") + 2)) as {
        tasks: Array<{ taskId: string; hash: string; environmentVariables: { specified: { env: string[] } } }>;
      };
      const task = plan.tasks.find((t) => t.taskId === "@erpbridge/kingdee-sdk#test")!;
      return { hash: task.hash, env: task.environmentVariables.specified.env };
    };
    const databaseUrl = process.env.DATABASE_URL!;
    const withoutRedis = await hash({ DATABASE_URL: databaseUrl });
    const withRedis = await hash({ DATABASE_URL: databaseUrl, REDIS_URL: "redis://127.0.0.1:6379" });
    const otherRedis = await hash({ DATABASE_URL: databaseUrl, REDIS_URL: "redis://other-host:6380" });
    expect(withRedis.hash).not.toBe(withoutRedis.hash);
    expect(otherRedis.hash).toBe(withRedis.hash); // the key has which services, not where they are
    expect(withRedis.env.join(" ")).not.toContain("6379");
  });

  it.runIf(process.getuid?.() === 0)("pnpm test's embedded PostgreSQL in a private folder fails at once with what to do", async () => {
    const started = Date.now();
    const result = await run(`node -e "import('@erpbridge/test-support').then((m) => m.ensureDatabaseUrl())"`, {
      cwd: join(clone, "tooling", "test-support"),
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("Set DATABASE_URL");
    expect(result.output).not.toContain("EACCES");
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("Ctrl-C stops the instance cleanly", async () => {
    expect([0, "SIGINT"]).toContain(await instance!.stop());
    startOutput = instance!.output();
    instance = undefined;
  });
});
