import { DataTypes } from "sequelize";
import type { Migration } from "../migrator.js";
import {
  addCheck, decimalColumn, fkColumn, idColumn, intColumn, jsonbColumn, oneOf, textColumn, timeColumn, timestampColumns,
} from "../migration-helpers.js";

export const up: Migration = async ({ context: qi }) => {
  await qi.createTable("statement", {
    id: idColumn(),
    tenant_id: fkColumn("tenant"),
    customer_id: fkColumn("customer"),
    period: { type: DataTypes.CHAR(7), allowNull: false }, // "2025-01"
    currency: textColumn({ default: "CNY" }),
    total_amount: decimalColumn(18, 2, { default: "0" }),
    status: textColumn({ default: "OPEN" }),
    revision: intColumn({ default: 1 }),
    content_hash: { type: DataTypes.CHAR(64), allowNull: true },
    ...timestampColumns(),
  });
  await addCheck(qi, "statement", "statement_status_check", oneOf("status", ["OPEN", "CONFIRMED", "SUPERSEDED"]));
  await addCheck(qi, "statement", "statement_period_check", `period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'`);
  await addCheck(qi, "statement", "statement_revision_check", `revision >= 1`);
  await qi.addIndex("statement", ["tenant_id", "customer_id", "period", "revision"], {
    unique: true,
    name: "statement_tenant_customer_period_revision_key",
  });
  // At most one live (not superseded) revision per customer × month.
  await qi.addIndex("statement", ["tenant_id", "customer_id", "period"], {
    unique: true,
    name: "statement_live_revision_key",
    where: { status: ["OPEN", "CONFIRMED"] },
  });

  await qi.createTable("statement_line", {
    id: idColumn(),
    statement_id: fkColumn("statement", { onDelete: "CASCADE" }),
    doc_type: textColumn(),
    doc_id: textColumn(),
    doc_no: textColumn({ nullable: true }),
    doc_date: { type: DataTypes.DATEONLY, allowNull: true },
    amount: decimalColumn(18, 2),
    raw: jsonbColumn({ nullable: true }),
  });
  await qi.addIndex("statement_line", ["statement_id"], { name: "statement_line_statement_idx" });

  await qi.createTable("statement_confirmation", {
    id: idColumn(),
    statement_id: { ...fkColumn("statement"), unique: true },
    customer_id: fkColumn("customer"),
    revision: intColumn(),
    confirmed_at: timeColumn(),
    confirmed_by: textColumn(),
    created_at: timeColumn({ now: true }),
  });

  // A confirmed (or superseded) statement is never changed in place: a later change is a new
  // revision row. Enforced in the database so no code path can bypass it.
  await qi.sequelize.query(`
    CREATE FUNCTION statement_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'OPEN' THEN
          RAISE EXCEPTION 'statement % (revision %) is % and cannot be deleted', OLD.id, OLD.revision, OLD.status
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
      END IF;
      IF OLD.status <> 'OPEN' AND (
           NEW.tenant_id IS DISTINCT FROM OLD.tenant_id OR NEW.customer_id IS DISTINCT FROM OLD.customer_id
        OR NEW.period IS DISTINCT FROM OLD.period OR NEW.revision IS DISTINCT FROM OLD.revision
        OR NEW.currency IS DISTINCT FROM OLD.currency OR NEW.total_amount IS DISTINCT FROM OLD.total_amount
        OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
        OR NOT (NEW.status = OLD.status OR (OLD.status = 'CONFIRMED' AND NEW.status = 'SUPERSEDED'))
      ) THEN
        RAISE EXCEPTION 'statement % (revision %) is % and cannot be changed; create a new revision', OLD.id, OLD.revision, OLD.status
          USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$;
  `);
  await qi.sequelize.query(
    `CREATE TRIGGER statement_guard BEFORE UPDATE OR DELETE ON statement FOR EACH ROW EXECUTE FUNCTION statement_guard()`,
  );
  await qi.sequelize.query(`
    CREATE FUNCTION statement_line_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE st text;
    BEGIN
      SELECT status INTO st FROM statement
        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.statement_id ELSE NEW.statement_id END;
      IF st IS NOT NULL AND st <> 'OPEN' THEN
        RAISE EXCEPTION 'lines of a % statement cannot be changed; create a new revision', st
          USING ERRCODE = 'check_violation';
      END IF;
      IF TG_OP = 'UPDATE' AND NEW.statement_id <> OLD.statement_id THEN
        SELECT status INTO st FROM statement WHERE id = OLD.statement_id;
        IF st IS NOT NULL AND st <> 'OPEN' THEN
          RAISE EXCEPTION 'lines of a % statement cannot be changed; create a new revision', st
            USING ERRCODE = 'check_violation';
        END IF;
      END IF;
      RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END $$;
  `);
  await qi.sequelize.query(
    `CREATE TRIGGER statement_line_guard BEFORE INSERT OR UPDATE OR DELETE ON statement_line FOR EACH ROW EXECUTE FUNCTION statement_line_guard()`,
  );
};

export const down: Migration = async ({ context: qi }) => {
  await qi.dropTable("statement_confirmation");
  await qi.dropTable("statement_line");
  await qi.dropTable("statement");
  await qi.sequelize.query(`DROP FUNCTION IF EXISTS statement_line_guard()`);
  await qi.sequelize.query(`DROP FUNCTION IF EXISTS statement_guard()`);
};
