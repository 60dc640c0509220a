import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repoRoot = resolve(import.meta.dirname, "..", "..", "..");
const dataDir = mkdtempSync(join(tmpdir(), "erpbridge-run-"));
chmodSync(dataDir, 0o755); // embedded PostgreSQL runs initdb as its own user when we are root
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function postgresRunningOn(dir: string): boolean {
  return readdirSync("/proc")
    .filter((pid) => /^\d+$/.test(pid))
    .some((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir);
      } catch {
        return false;
      }
    });
}

/** Starts the README's run command with no configuration and waits for its banner. */
function start() {
  const env: NodeJS.ProcessEnv = { ...process.env, ERPBRIDGE_DATA_DIR: dataDir, PORT: "0", TURBO_TELEMETRY_DISABLED: "1" };
  for (const name of ["DATABASE_URL", "REDIS_URL", "MONGODB_URL", "ADMIN_TOKEN", "ENCRYPTION_KEY", "HOST"]) delete env[name];
  const child = spawn("pnpm", ["start"], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | string | null>((r) => child.on("exit", (code, signal) => r(code ?? signal)));
  const banner = new Promise<{ url: string; adminToken: string; loginToken: string }>((resolveBanner, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 150 s:\n${output}`)), 150_000);
    const check = () => {
      const url = /API\s+(http:\/\/\S+)\/trpc/.exec(output)?.[1];
      const adminToken = /admin token\s+(\S+)/.exec(output)?.[1];
      const loginToken = /login token (\S+)/.exec(output)?.[1];
      if (url && adminToken && loginToken) {
        clearTimeout(timer);
        resolveBanner({ url, adminToken, loginToken });
      }
    };
    child.stdout.on("data", check);
    void exited.then((code) => reject(new Error(`exited with ${code} before the banner:\n${output}`)));
  });
  // The log line written when the port is open, before the demo's first sync (JSON logs: no TTY here).
  const listening = new Promise<string>((resolveUrl, reject) => {
    const check = () => {
      const url = /"url":"(http:\/\/[^"]+)"[^\n]*listening; syncing the demo tenant/.exec(output)?.[1];
      if (url) resolveUrl(url);
    };
    child.stdout.on("data", check);
    void exited.then((code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
  });
  return { child, banner, listening, exited, output: () => output };
}

/** Ctrl-C: SIGINT to the whole process group, as a terminal sends it; pnpm may exit before node has finished. */
async function stop(run: ReturnType<typeof start>) {
  process.kill(-run.child.pid!, "SIGINT");
  expect([0, "SIGINT"]).toContain(await run.exited);
  const deadline = Date.now() + 30_000;
  while (!/stopped cleanly/.test(run.output()) || postgresRunningOn(dataDir)) {
    if (Date.now() > deadline) throw new Error(`did not stop cleanly:\n${run.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(run.output()).not.toMatch(/shutdown step failed/);
}

describe("the README's run command (embedded default)", () => {
  it("starts with nothing configured, syncs the demo tenant, serves health and a customer, stops cleanly, and reuses its data", { timeout: 300_000 }, async () => {
    const first = start();
    // Before the first sync has finished, the service says it is not ready yet (and the banner is not out).
    expect(await first.listening).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/); // without HOST: this machine only
    const early = await fetch(`${await first.listening}/health`);
    expect(first.output()).not.toMatch(/admin token/);
    expect(early.status).toBe(503);
    expect(await early.json()).toMatchObject({ ready: false, checks: { startup: { ok: false } } });
    const { url, adminToken, loginToken } = await first.banner;
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", ready: true });
    const login = await fetch(`${url}/trpc/mini.auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { token: loginToken } }),
    });
    expect(login.status).toBe(200);
    // The banner's webhook URL (generated token) takes a genuine push from the sandbox.
    const webhook = /Kingdee push\s+(http:\/\/127\.0\.0\.1:\d+\/webhook\/kingdee\/auth\?token=[\w-]{24,})/.exec(first.output())?.[1];
    const sandboxUrl = /Kingdee \(sim\)\s+(http:\/\/\S+)/.exec(first.output())?.[1];
    const pushed = await fetch(`${sandboxUrl}/__sandbox/push-authorization`, { method: "POST", body: JSON.stringify({ url: webhook }) });
    expect(await pushed.json()).toEqual({ status: 200, body: "success" });
    await stop(first);

    const second = start();
    const again = await second.banner;
    expect(again.adminToken).toBe(adminToken); // same data, same generated secrets
    const runs = await fetch(`${again.url}/health`);
    expect(runs.status).toBe(200);
    await stop(second);
  });
});
