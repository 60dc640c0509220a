import type pg from "pg";
import type { Transaction } from "sequelize";

/**
 * A hot-path statement: prepared once per connection under its name, then only executed (the
 * sync's page commit runs the same dozen statements thousands of times; planning them every time
 * and Sequelize's per-query bind scan of large payloads cost more than the writes).
 */
export interface SqlStatement {
  readonly name: string;
  readonly text: string;
}

/** Runs a statement with positional parameters on one connection; resolves with its rows. */
export type Sql = <Row = Record<string, unknown>>(statement: SqlStatement, params: readonly unknown[]) => Promise<Row[]>;

export const sqlStatement = (name: string, text: string): SqlStatement => ({ name, text });

/**
 * `Sql` on the connection of a Sequelize transaction, so hot-path statements commit with
 * everything else in it. Rows come back as `sequelize.query` returns them (same client, same
 * type parsers).
 */
export function transactionSql(transaction: Transaction): Sql {
  // Sequelize keeps the pg client of a started transaction here (not in its typings).
  const client = (transaction as unknown as { connection?: pg.ClientBase }).connection;
  if (!client) throw new Error("transactionSql: the transaction has no connection (not started, or already finished)");
  return async <Row>(statement: SqlStatement, params: readonly unknown[]) =>
    (await client.query<Row & pg.QueryResultRow>({ name: statement.name, text: statement.text, values: [...params] })).rows as Row[];
}
