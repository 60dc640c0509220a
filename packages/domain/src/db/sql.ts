import type pg from "pg";
import type { Transaction } from "sequelize";

/**
 * Runs a statement with positional parameters on one connection; resolves with its rows.
 * For hot paths (the sync's page commit): it skips Sequelize's per-query work, which includes a
 * scan of every string parameter (a page's whole JSON) for NUL bytes. Statements stay unnamed, so
 * each is planned for the table sizes of the moment (a cached generic plan, made while a fresh
 * tenant's tables were empty, would keep scanning them whole as they grow).
 */
export type Sql = <Row = Record<string, unknown>>(text: string, params: readonly unknown[]) => Promise<Row[]>;

/**
 * `Sql` on the connection of a Sequelize transaction, so its statements commit with everything
 * else in it. Rows come back as `sequelize.query` returns them (same client, same type parsers).
 */
export function transactionSql(transaction: Transaction): Sql {
  // Sequelize keeps the pg client of a started transaction here (not in its typings).
  const client = (transaction as unknown as { connection?: pg.ClientBase }).connection;
  if (!client) throw new Error("transactionSql: the transaction has no connection (not started, or already finished)");
  return async <Row>(text: string, params: readonly unknown[]) => (await client.query(text, [...params])).rows as Row[];
}
