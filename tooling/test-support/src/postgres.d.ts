export interface DatabaseServer {
  /** The server URL, also put in `process.env.DATABASE_URL`. */
  url: string;
  /** true when this process started embedded PostgreSQL (DATABASE_URL was unset). */
  embedded: boolean;
  /** Stops the embedded server if this call started it; no-op for an external DATABASE_URL. */
  stop(): Promise<void>;
}

export interface TestDatabase {
  /** URL of the new database on the DATABASE_URL server. */
  url: string;
  /** `<prefix>_<base36 time>_<random hex>` */
  name: string;
  /** `DROP DATABASE … WITH (FORCE)`; safe to call twice. */
  drop(): Promise<void>;
}

/** The monorepo root (folder holding pnpm-workspace.yaml). */
export declare function repoRoot(): string;

/**
 * Uses `process.env.DATABASE_URL` when set; otherwise starts embedded PostgreSQL (data dir
 * `<repo>/.data/test-pg`, initialised once and reused, free port) and sets DATABASE_URL to it.
 * Prints one line saying which it uses. Idempotent within a process.
 */
export declare function ensureDatabaseUrl(): Promise<DatabaseServer>;

/**
 * Creates a fresh database `<prefix>_<random>` on the DATABASE_URL server (calling
 * ensureDatabaseUrl() first if DATABASE_URL is unset) and returns its URL.
 */
export declare function createTestDatabase(prefix: string): Promise<TestDatabase>;
