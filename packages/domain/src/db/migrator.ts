import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { QueryInterface, Sequelize } from "sequelize";
import { SequelizeStorage, Umzug, type MigrationFn, type MigrationMeta } from "umzug";
import { SCHEMA_LOCK_KEY } from "./schema-lock.js";

/** A migration module exports `up` and `down` of this type; the context is Sequelize's QueryInterface. */
export type Migration = MigrationFn<QueryInterface>;

/** Table where applied migrations are recorded (one row per name, without file extension). */
export const MIGRATION_TABLE = "migration_meta";

const thisFile = fileURLToPath(import.meta.url);
const migrationsDir = path.join(path.dirname(thisFile), "migrations");
// ".ts" when running from source (tsx, vitest), ".js" after `tsc`: load the matching files only.
const ext = path.extname(thisFile);

/** "0001-tenant.ts" and "0001-tenant.js" are the same migration: "0001-tenant". */
export function migrationName(fileName: string): string {
  return path.basename(fileName).replace(/\.(?:[cm]?[jt]s)$/, "");
}

export interface MigratorOptions {
  /** Where umzug reports progress; silent by default. */
  logger?: Pick<Console, "info" | "warn" | "error" | "debug"> | undefined;
}

export function createMigrator(sequelize: Sequelize, opts: MigratorOptions = {}): Umzug<QueryInterface> {
  return new Umzug<QueryInterface>({
    migrations: {
      glob: [`[0-9][0-9][0-9][0-9]-*${ext}`, { cwd: migrationsDir, ignore: ["**/*.d.ts", "**/*.d.mts"] }],
      resolve: ({ name, path: file, context }) => {
        if (!file) throw new Error(`migration ${name} has no file path`);
        const load = async () => {
          const mod = (await import(pathToFileURL(file).href)) as { up?: Migration; down?: Migration };
          if (typeof mod.up !== "function" || typeof mod.down !== "function") {
            throw new Error(`migration ${name} must export functions "up" and "down"`);
          }
          return mod as { up: Migration; down: Migration };
        };
        const migration = migrationName(name);
        return {
          name: migration,
          path: file,
          up: async () => (await load()).up({ name: migration, path: file, context }),
          down: async () => (await load()).down({ name: migration, path: file, context }),
        };
      },
    },
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: MIGRATION_TABLE }),
    logger: opts.logger,
  });
}

export interface MigrateOptions extends MigratorOptions {
  /** "up" applies every pending migration (default); "down" reverts the last applied one. */
  direction?: "up" | "down";
}

export interface MigrateResult {
  direction: "up" | "down";
  /** Names of the migrations applied (up) or reverted (down), in order. */
  migrations: string[];
}

/**
 * Runs migrations under a PostgreSQL advisory lock, so two processes starting together
 * (replicas, parallel scripts) never run the same migration twice.
 */
export async function migrate(sequelize: Sequelize, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const direction = opts.direction ?? "up";
  const umzug = createMigrator(sequelize, opts);
  // The lock is held by this transaction's connection until it ends; migrations use other
  // pool connections, which is fine for a mutex.
  return sequelize.transaction(async (transaction) => {
    await sequelize.query("SELECT pg_advisory_xact_lock(hashtext($1))", { bind: [SCHEMA_LOCK_KEY], transaction });
    const done: MigrationMeta[] = direction === "up" ? await umzug.up() : await umzug.down();
    return { direction, migrations: done.map((m) => m.name) };
  });
}

/** Names of applied and pending migrations. */
export async function migrationStatus(sequelize: Sequelize): Promise<{ executed: string[]; pending: string[] }> {
  const umzug = createMigrator(sequelize);
  const [executed, pending] = await Promise.all([umzug.executed(), umzug.pending()]);
  return { executed: executed.map((m) => m.name), pending: pending.map((m) => m.name) };
}
