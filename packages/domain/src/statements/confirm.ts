import { QueryTypes, type Sequelize } from "sequelize";
import { DomainError } from "../errors.js";

export class StatementSupersededError extends DomainError {
  readonly kind = "conflict";
  readonly code = "STATEMENT_SUPERSEDED";
}

export interface ConfirmStatementInput {
  tenantId: string;
  customerId: string;
  statementId: string;
  confirmedBy: string;
}

export interface StatementConfirmationRecord {
  id: string;
  statementId: string;
  revision: number;
  confirmedAt: Date;
  confirmedBy: string;
}

/**
 * A customer confirms the revision they saw. Idempotent: confirming again returns the first
 * confirmation. Returns null when the statement is not this customer's. A superseded revision
 * cannot be confirmed: the newer one must be.
 */
export async function confirmStatement(sequelize: Sequelize, input: ConfirmStatementInput): Promise<StatementConfirmationRecord | null> {
  return sequelize.transaction(async (transaction) => {
    const [statement] = await sequelize.query<{ id: string; status: string; revision: number }>(
      `SELECT id, status, revision FROM statement WHERE id = $1 AND tenant_id = $2 AND customer_id = $3 FOR UPDATE`,
      { bind: [input.statementId, input.tenantId, input.customerId], type: QueryTypes.SELECT, transaction },
    );
    if (!statement) return null;
    const existing = await sequelize.query<StatementConfirmationRecord>(
      `SELECT id, statement_id AS "statementId", revision, confirmed_at AS "confirmedAt", confirmed_by AS "confirmedBy"
         FROM statement_confirmation WHERE statement_id = $1`,
      { bind: [statement.id], type: QueryTypes.SELECT, transaction },
    );
    if (existing[0]) return existing[0];
    if (statement.status !== "OPEN") {
      throw new StatementSupersededError(`statement revision ${statement.revision} was superseded by a newer revision; confirm that one`);
    }
    await sequelize.query(`UPDATE statement SET status = 'CONFIRMED', updated_at = now() WHERE id = $1`, {
      bind: [statement.id],
      transaction,
    });
    const [created] = await sequelize.query<StatementConfirmationRecord>(
      `INSERT INTO statement_confirmation (id, statement_id, customer_id, revision, confirmed_at, confirmed_by, created_at)
       VALUES (gen_random_uuid(), $1, $2, $3, now(), $4, now())
       RETURNING id, statement_id AS "statementId", revision, confirmed_at AS "confirmedAt", confirmed_by AS "confirmedBy"`,
      { bind: [statement.id, input.customerId, statement.revision, input.confirmedBy], type: QueryTypes.SELECT, transaction },
    );
    return created!;
  });
}
