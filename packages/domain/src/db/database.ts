import pg from "pg";
import { Sequelize } from "sequelize-typescript";
import { modelClasses, models, type Models } from "../models/index.js";

export interface DatabaseOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** false (default), true (console.log) or a function receiving each SQL statement. */
  logging?: boolean | ((sql: string) => void);
  /** Connection pool size (default 10). */
  poolMax?: number;
}

export interface Database {
  sequelize: Sequelize;
  models: Models;
  close(): Promise<void>;
}

/**
 * Connects Sequelize to PostgreSQL and registers every model. Nothing is created in the
 * database: run `migrate()` for the schema. Model classes are global in Sequelize, so use
 * one Database per process.
 */
export function createDatabase(opts: DatabaseOptions): Database {
  const logging =
    typeof opts.logging === "function"
      ? (sql: string) => (opts.logging as (sql: string) => void)(sql)
      : opts.logging
        ? (sql: string) => console.log(sql)
        : false;
  const sequelize = new Sequelize(opts.url, {
    dialect: "postgres",
    dialectModule: pg, // pnpm's strict layout: hand Sequelize our pg instead of letting it require one
    logging,
    timezone: "+00:00", // times travel as UTC; columns are timestamptz
    pool: { max: opts.poolMax ?? 10, min: 0, idle: 10_000 },
    define: { underscored: true, freezeTableName: true },
    models: modelClasses,
  });
  let closed = false;
  return {
    sequelize,
    models,
    async close() {
      if (closed) return;
      closed = true;
      await sequelize.close();
    },
  };
}
