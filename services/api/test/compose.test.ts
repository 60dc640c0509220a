import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
