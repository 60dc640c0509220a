import { QueryTypes, type Sequelize } from "sequelize";
import { confirmStatement, StatementSupersededError, type StatementConfirmationRecord } from "./confirm.js";

export const STATEMENT_STATUSES = ["OPEN", "CONFIRMED", "SUPERSEDED"] as const;
export type StatementStatus = (typeof STATEMENT_STATUSES)[number];

/**
 * Monthly statements as the signed-in customer sees them. The list shows the live revision per
 * customer × month (OPEN or CONFIRMED); SUPERSEDED revisions are history, reachable by id. Every
 * query is scoped by tenant and customer: another customer's statement is not found. Money as
 * exact decimal strings.
 */

export interface StatementRecord {
  id: string;
  /** "YYYY-MM" */
  period: string;
  currency: string;
  /** DECIMAL(18,2) as a string. */
  totalAmount: string;
  status: StatementStatus;
  revision: number;
  lineCount: number;
  confirmedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface StatementLineRecord {
  docType: string;
  docId: string;
  docNo: string | null;
  /** "YYYY-MM-DD" */
  docDate: string | null;
  amount: string;
}

export interface StatementRevisionRef {
  id: string;
  revision: number;
  status: StatementStatus;
}

export interface StatementDetailRecord extends StatementRecord {
  lines: StatementLineRecord[];
  confirmation: StatementConfirmationRecord | null;
  /** The newest revision of the same month when this one is not it (this one is then history). */
  newerRevision: StatementRevisionRef | null;
}

export interface ListStatementsInput {
  tenantId: string;
  customerId: string;
  /** One month, "YYYY-MM"; or a range with `from`/`to` (inclusive). */
  period?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  page: number;
  pageSize: number;
}

const STATEMENT_COLUMNS = `s.id, s.period, s.currency, s.total_amount::text AS "totalAmount", s.status, s.revision,
  (SELECT count(*)::int FROM statement_line l WHERE l.statement_id = s.id) AS "lineCount",
  sc.confirmed_at AS "confirmedAt", s.created_at AS "createdAt", s.updated_at AS "updatedAt"`;

/** The live revision per month, newest month first, with the total count. */
export async function listStatements(
  sequelize: Sequelize,
  input: ListStatementsInput,
): Promise<{ page: number; pageSize: number; total: number; rows: StatementRecord[] }> {
  const filter = `WHERE s.tenant_id = $1 AND s.customer_id = $2 AND s.status IN ('OPEN', 'CONFIRMED')
      AND ($3::text IS NULL OR s.period = $3) AND ($4::text IS NULL OR s.period >= $4) AND ($5::text IS NULL OR s.period <= $5)`;
  const bind = [input.tenantId, input.customerId, input.period ?? null, input.from ?? null, input.to ?? null];
  const [{ total }] = (await sequelize.query<{ total: number }>(`SELECT count(*)::int AS total FROM statement s ${filter}`, {
    bind,
    type: QueryTypes.SELECT,
  })) as [{ total: number }];
  const rows = await sequelize.query<StatementRecord>(
    `SELECT ${STATEMENT_COLUMNS}
       FROM statement s LEFT JOIN statement_confirmation sc ON sc.statement_id = s.id
     ${filter}
      ORDER BY s.period DESC, s.revision DESC
      LIMIT $6 OFFSET $7`,
    { bind: [...bind, input.pageSize, (input.page - 1) * input.pageSize], type: QueryTypes.SELECT },
  );
  return { page: input.page, pageSize: input.pageSize, total, rows };
}

/** One statement (any revision) of this customer with its lines and confirmation; null if not theirs. */
export async function getStatement(
  sequelize: Sequelize,
  input: { tenantId: string; customerId: string; statementId: string },
): Promise<StatementDetailRecord | null> {
  const [statement] = await sequelize.query<StatementRecord>(
    `SELECT ${STATEMENT_COLUMNS}
       FROM statement s LEFT JOIN statement_confirmation sc ON sc.statement_id = s.id
      WHERE s.id = $1 AND s.tenant_id = $2 AND s.customer_id = $3`,
    { bind: [input.statementId, input.tenantId, input.customerId], type: QueryTypes.SELECT },
  );
  if (!statement) return null;
  const [lines, confirmations, newer] = await Promise.all([
    sequelize.query<StatementLineRecord>(
      `SELECT doc_type AS "docType", doc_id AS "docId", doc_no AS "docNo", to_char(doc_date, 'YYYY-MM-DD') AS "docDate", amount::text AS amount
         FROM statement_line WHERE statement_id = $1 ORDER BY doc_date, doc_no, doc_id`,
      { bind: [statement.id], type: QueryTypes.SELECT },
    ),
    sequelize.query<StatementConfirmationRecord>(
      `SELECT id, statement_id AS "statementId", revision, confirmed_at AS "confirmedAt", confirmed_by AS "confirmedBy"
         FROM statement_confirmation WHERE statement_id = $1`,
      { bind: [statement.id], type: QueryTypes.SELECT },
    ),
    sequelize.query<StatementRevisionRef>(
      `SELECT id, revision, status FROM statement
        WHERE tenant_id = $1 AND customer_id = $2 AND period = $3 AND revision > $4
        ORDER BY revision DESC LIMIT 1`,
      { bind: [input.tenantId, input.customerId, statement.period, statement.revision], type: QueryTypes.SELECT },
    ),
  ]);
  return { ...statement, lines, confirmation: confirmations[0] ?? null, newerRevision: newer[0] ?? null };
}

/**
 * The customer confirms a statement revision (via `confirmStatement`: idempotent, records the
 * revision confirmed). A SUPERSEDED revision is refused with `StatementSupersededError` naming the
 * revision to confirm instead — even if it had been confirmed before it was superseded: the
 * customer is looking at history. Returns null when the statement is not this customer's.
 */
export async function confirmCustomerStatement(
  sequelize: Sequelize,
  input: { tenantId: string; customerId: string; statementId: string; confirmedBy: string },
): Promise<StatementConfirmationRecord | null> {
  const [statement] = await sequelize.query<{ status: StatementStatus; revision: number; period: string }>(
    `SELECT status, revision, period FROM statement WHERE id = $1 AND tenant_id = $2 AND customer_id = $3`,
    { bind: [input.statementId, input.tenantId, input.customerId], type: QueryTypes.SELECT },
  );
  if (!statement) return null;
  if (statement.status === "SUPERSEDED") {
    const [live] = await sequelize.query<{ revision: number }>(
      `SELECT revision FROM statement WHERE tenant_id = $1 AND customer_id = $2 AND period = $3 AND status IN ('OPEN', 'CONFIRMED')`,
      { bind: [input.tenantId, input.customerId, statement.period], type: QueryTypes.SELECT },
    );
    throw new StatementSupersededError(
      `statement ${statement.period} revision ${statement.revision} was superseded` +
        (live ? ` by revision ${live.revision}; confirm that one` : "; reload the statement"),
    );
  }
  return confirmStatement(sequelize, input);
}
