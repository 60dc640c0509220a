import { hostname } from "node:os";
import { Agenda, type Job, type JobWithId } from "agenda";
import { createSchedulerBackend, schedulerBackendName, type SchedulerBackend } from "./backend.js";
import { consoleLogger, type DomainLogger } from "../logger.js";
import type { SchedulerBackendName } from "./types.js";
import { describeError } from "./url.js";

/** What a job kind's handler gets for one run. */
export interface JobContext<Data> {
  data: Data;
  /** Aborted as soon as the runtime stops: finish the unit of work in flight (a sync's page), then return. */
  signal: AbortSignal;
}

/**
 * One kind of job the runtime runs: sync, notifications, probes, later WeCom and DSCO tasks. The
 * name is the Agenda job name; what a run is about (tenant, job…) travels in its data.
 */
export interface JobKind<Data = unknown> {
  readonly name: string;
  /** Throw to record a failure on the Agenda job (its `failReason`); return to record success. */
  run(context: JobContext<Data>): Promise<void>;
  /** Repeats on this interval (ms or "30 seconds") once the runtime starts: one job row, shared by every replica. */
  every?: string | number | undefined;
  /** Parallel runs of this kind per process (default: the runtime's concurrency). */
  concurrency?: number | undefined;
  /** Lock lifetime of this kind (default: the runtime's). The lock is renewed while a run lasts. */
  lockLifetimeMs?: number | undefined;
  /** Removes one-off jobs of this kind once they ran (queued passes that need no history). */
  removeOnComplete?: boolean | undefined;
}

export interface JobRuntimeOptions {
  /** PostgreSQL URL (`DATABASE_URL`): the job table `agenda_jobs` lives here unless mongoUrl is set. */
  databaseUrl: string;
  /** `MONGODB_URL`: when set (non-empty), jobs are stored in MongoDB instead. */
  mongoUrl?: string | undefined;
  /** How often to poll for due jobs (ms or "5 seconds"; default 5000). Queued jobs also arrive by notification. */
  processEvery?: string | number | undefined;
  /**
   * Default lock lifetime in ms (default 10 000). A running job's lock is renewed every quarter of
   * it, so long runs are fine; a crashed worker's job is picked up again after this long. Agenda
   * keeps an internal (non-unref'd) timer of max(lockLifetime, processEvery) / 2 after each run, so
   * the process may linger that long after `stop()` if a job finished just before.
   */
  lockLifetimeMs?: number | undefined;
  /** Default parallel runs per kind in this process (default 5). */
  concurrency?: number | undefined;
  /**
   * How long `stop()` waits for running jobs after aborting their signal (default 20 000 ms, inside
   * a 30 s container stop); then it disconnects anyway and their locks expire.
   */
  stopTimeoutMs?: number | undefined;
  /** Start-up connection timeout (default 2000 ms). */
  connectTimeoutMs?: number | undefined;
  logger?: DomainLogger | undefined;
}

/**
 * The one Agenda instance of a process, with a registry of job kinds. Any process may queue and
 * query jobs (`agenda()` connects without processing); only a started runtime runs them.
 */
export interface JobRuntime {
  readonly backendName: SchedulerBackendName;
  /** Adds a job kind. Names are unique; kinds registered after connecting are defined at once. */
  register<Data>(kind: JobKind<Data>): void;
  /** The registered kinds' names, in registration order. */
  kinds(): string[];
  /** Connects (rejects with SchedulerStartError if the store is unreachable), starts processing and the repeating kinds. */
  start(): Promise<void>;
  /** Whether this process is processing jobs. */
  readonly started: boolean;
  /**
   * Stops taking jobs, tells running jobs to stop (their signal), waits (up to stopTimeoutMs) for
   * them to return, then disconnects. Safe to call twice or without start().
   */
  stop(): Promise<void>;
  /** The connected Agenda instance, for queueing and queries (connects if needed, does not start processing). */
  agenda(): Promise<Agenda>;
}

interface Running {
  abort: AbortController;
  done: Promise<void>;
  resolve: () => void;
}

interface Connection {
  backend: SchedulerBackend;
  agenda: Agenda;
  running: Map<string, Running>;
}

/** Creates the process's job runtime; nothing connects until `start()` or `agenda()`. */
export function createJobRuntime(options: JobRuntimeOptions): JobRuntime {
  const logger = options.logger ?? consoleLogger;
  const lockLifetimeMs = options.lockLifetimeMs ?? 10_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 20_000;
  const backendName = schedulerBackendName(options);
  const registry = new Map<string, JobKind<never>>();

  let connecting: Promise<Connection> | undefined;
  let started = false;
  let stopping: Promise<void> | undefined;

  function define(conn: Connection, kind: JobKind<never>): void {
    const lockLifetime = kind.lockLifetimeMs ?? lockLifetimeMs;
    conn.agenda.define<never>(
      kind.name,
      async (job: Job<never>) => {
        const id = job.attrs._id?.toString() ?? `${kind.name}/${Date.now()}`;
        let resolve!: () => void;
        const done = new Promise<void>((r) => (resolve = r));
        const entry: Running = { abort: new AbortController(), done, resolve };
        conn.running.set(id, entry);
        // Renew the lock while the job runs so Agenda neither kills it nor hands it to another worker.
        let touching: Promise<void> = Promise.resolve();
        const heartbeat = setInterval(() => {
          touching = touching.then(() =>
            job.touch().catch((error: unknown) =>
              logger.warn("Jobs: could not renew job lock", { kind: kind.name, error: describeError(error) }),
            ),
          );
        }, Math.max(250, Math.floor(lockLifetime / 4)));
        heartbeat.unref();
        try {
          await kind.run({ data: job.attrs.data, signal: entry.abort.signal });
        } catch (error) {
          throw error instanceof Error ? error : new Error(describeError(error));
        } finally {
          clearInterval(heartbeat);
          await touching;
          // removeOnComplete jobs emit no 'complete' after their row is gone.
          if (kind.removeOnComplete) {
            conn.running.delete(id);
            resolve();
          }
        }
      },
      {
        lockLifetime,
        ...(kind.concurrency !== undefined ? { concurrency: kind.concurrency } : {}),
        ...(kind.removeOnComplete ? { removeOnComplete: true } : {}),
      },
    );
  }

  async function connect(): Promise<Connection> {
    const backend = await createSchedulerBackend({
      databaseUrl: options.databaseUrl,
      mongoUrl: options.mongoUrl,
      connectTimeoutMs: options.connectTimeoutMs,
      logger,
    });
    try {
      const agenda = new Agenda({
        backend: backend.agendaBackend,
        name: `erpbridge@${hostname()}:${process.pid}`,
        processEvery: options.processEvery ?? 5_000,
        defaultLockLifetime: lockLifetimeMs,
        defaultConcurrency: options.concurrency ?? 5,
      });
      const conn: Connection = { backend, agenda, running: new Map() };
      agenda.on("error", (error: Error) => logger.warn("Jobs: agenda error", { error: describeError(error) }));
      // Job.run() emits 'complete' after it has saved the job's final state: stop() waits for that.
      // Remote notifications (other processes, via LISTEN/NOTIFY) carry no attrs and are ignored.
      agenda.on("complete", (job: JobWithId) => {
        const id = (job as Partial<JobWithId>).attrs?._id?.toString();
        const entry = id ? conn.running.get(id) : undefined;
        if (id && entry) {
          conn.running.delete(id);
          entry.resolve();
        }
      });
      for (const kind of registry.values()) define(conn, kind);
      return conn;
    } catch (error) {
      await backend.close().catch(() => undefined);
      throw error;
    }
  }

  async function connection(): Promise<Connection> {
    if (stopping) await stopping;
    if (!connecting) {
      connecting = connect();
      connecting.catch(() => (connecting = undefined));
    }
    return connecting;
  }

  async function stopConnection(conn: Connection): Promise<void> {
    const { agenda, running, backend } = conn;
    try {
      // Stops polling, drops notification subscriptions and unlocks jobs this process locked but
      // has not started; running jobs keep their lock. The connection stays open for them.
      await agenda.stop(false);
    } catch (error) {
      logger.warn("Jobs: error while stopping job processing", { error: describeError(error) });
    }
    if (running.size > 0) {
      // Told first, waited for second: a sync stops after its page in flight, well inside the timeout.
      for (const r of running.values()) r.abort.abort(new Error("job runtime stopped"));
      logger.info("Jobs: stopping running jobs", { running: running.size, timeoutMs: stopTimeoutMs });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.all([...running.values()].map((r) => r.done)).then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), stopTimeoutMs);
        }),
      ]);
      if (timer) clearTimeout(timer);
      if (timedOut) logger.warn("Jobs: jobs still running at shutdown, disconnecting anyway", { running: running.size });
    }
    await backend.close().catch((error: unknown) => logger.warn("Jobs: error while disconnecting", { error: describeError(error) }));
    logger.info("Jobs: stopped", { backend: backendName });
  }

  return {
    backendName,

    get started() {
      return started;
    },

    register<Data>(kind: JobKind<Data>) {
      if (registry.has(kind.name)) throw new Error(`Jobs: a job kind "${kind.name}" is already registered`);
      const erased = kind as unknown as JobKind<never>;
      registry.set(kind.name, erased);
      void connecting?.then((conn) => define(conn, erased), () => undefined);
    },

    kinds: () => [...registry.keys()],

    async start() {
      const conn = await connection();
      if (started) return;
      try {
        await conn.agenda.start();
        for (const kind of registry.values()) {
          if (kind.every !== undefined) await conn.agenda.every(kind.every, kind.name, undefined, { skipImmediate: true });
        }
      } catch (error) {
        logger.error("Jobs: could not start processing", { error: describeError(error) });
        connecting = undefined;
        await stopConnection(conn);
        throw error;
      }
      started = true;
      logger.info("Jobs: started", { backend: backendName, target: conn.backend.target, kinds: [...registry.keys()] });
    },

    async stop() {
      if (stopping) return stopping;
      const pending = connecting;
      if (!pending) return;
      stopping = (async () => {
        let conn: Connection;
        try {
          conn = await pending;
        } catch {
          return; // never connected
        }
        await stopConnection(conn);
      })().finally(() => {
        connecting = undefined;
        started = false;
        stopping = undefined;
      });
      return stopping;
    },

    async agenda() {
      return (await connection()).agenda;
    },
  };
}
