// @erpbridge/domain/statements: customer statements, their revisions and confirmations.
export { confirmStatement, StatementSupersededError, type StatementConfirmationRecord } from "./confirm.js";
export {
  confirmCustomerStatement, getStatement, listStatements, STATEMENT_STATUSES,
  type StatementStatus,
  type ListStatementsInput, type StatementDetailRecord, type StatementLineRecord, type StatementRecord, type StatementRevisionRef,
} from "./statements.js";
