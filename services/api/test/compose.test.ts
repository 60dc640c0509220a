import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const repoRoot = resolve(import.meta.dirname, "..", "..", "..");

/** `docker compose` (v2 plugin) or `docker-compose` (v1), whichever this machine has; no engine needed for `config`. */
function composeCommand(): string[] | undefined {
  if (spawnSync("docker", ["compose", "version"], { stdio: "ignore" }).status === 0) return ["docker", "compose"];
  if (spawnSync("docker-compose", ["version"], { stdio: "ignore" }).status === 0) return ["docker-compose"];
  return undefined;
}

const compose = composeCommand();
if (!compose) console.log("skipped: no docker compose client on this machine (compose config check)");

describe("compose deployment", () => {
  it.skipIf(!compose)("docker-compose.yml is valid with .env made from .env.example, and deploys app, postgres:16, redis:7, mongo:7", () => {
    // As the README says: copy .env.example to .env next to the compose file.
    const dir = mkdtempSync(join(tmpdir(), "erpbridge-compose-"));
    try {
      copyFileSync(join(repoRoot, "docker-compose.yml"), join(dir, "docker-compose.yml"));
      copyFileSync(join(repoRoot, ".env.example"), join(dir, ".env"));
      const [cmd, ...args] = compose!;
      const out = execFileSync(cmd!, [...args, "-f", join(dir, "docker-compose.yml"), "--project-directory", dir, "config"], {
        encoding: "utf8",
      });
      for (const image of ["postgres:16", "redis:7", "mongo:7"]) expect(out).toContain(`image: ${image}`);
      expect(out).toMatch(/condition: service_healthy/);
      expect(out).toMatch(/MONGODB_URL: mongodb:\/\/mongo:27017\/erpbridge/);
      expect(out).toMatch(/healthcheck:/);
      expect(out).toMatch(/worker:/);
      expect(out).toMatch(/JOBS: "?off"?/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** One top-level service's lines (two-space indented key, up to the next one). */
  function serviceBlock(name: string): string {
    const lines = readFileSync(join(repoRoot, "docker-compose.yml"), "utf8").split("\n");
    const start = lines.indexOf(`  ${name}:`);
    expect(start, `service ${name}`).toBeGreaterThan(-1);
    const end = lines.findIndex((line, i) => i > start && /^ {0,2}[a-z][\w-]*:/.test(line));
    return lines.slice(start, end === -1 ? undefined : end).filter((line) => !line.trim().startsWith("#")).join("\n");
  }

  it("runs jobs in a worker service that scales on its own, and the app with jobs off", () => {
    const worker = serviceBlock("worker");
    expect(worker).toContain(`command: ["node", "dist/worker.js"]`);
    expect(worker).toMatch(/deploy:\n\s+replicas: \$\{WORKER_REPLICAS:-1\}/);
    expect(worker).not.toMatch(/ports:|container_name:/); // scaling needs neither a fixed name nor a host port
    expect(worker).toMatch(/image: erpbridge\/api:latest/); // the same image as the app
    const app = serviceBlock("app");
    expect(app).toMatch(/JOBS: "off"/);
    expect(app).toMatch(/ports:/);
    expect(readFileSync(join(repoRoot, ".env.example"), "utf8")).toMatch(/^JOBS=embedded$/m);
  });
});
