import type { Migration } from "../migrator.js";

// A signed delivery stays signed and its sign-off is never changed or deleted, whatever code path
// (a sync, a reconcile, a script) tries: enforced in the database. Deleting a signed delivery is
// already refused by the sign-off's foreign key (RESTRICT).
export const up: Migration = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE FUNCTION delivery_signed_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.status = 'SIGNED' AND NEW.status IS DISTINCT FROM 'SIGNED' THEN
        RAISE EXCEPTION 'delivery % is signed and cannot be un-signed', OLD.id USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$;
  `);
  await qi.sequelize.query(
    `CREATE TRIGGER delivery_signed_guard BEFORE UPDATE OF status ON delivery FOR EACH ROW EXECUTE FUNCTION delivery_signed_guard()`,
  );
  await qi.sequelize.query(`
    CREATE FUNCTION delivery_signoff_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'delivery sign-off % is a record and cannot be changed or deleted', OLD.id USING ERRCODE = 'check_violation';
    END $$;
  `);
  await qi.sequelize.query(
    `CREATE TRIGGER delivery_signoff_guard BEFORE UPDATE OR DELETE ON delivery_signoff FOR EACH ROW EXECUTE FUNCTION delivery_signoff_guard()`,
  );
};

export const down: Migration = async ({ context: qi }) => {
  await qi.sequelize.query(`DROP TRIGGER IF EXISTS delivery_signoff_guard ON delivery_signoff`);
  await qi.sequelize.query(`DROP FUNCTION IF EXISTS delivery_signoff_guard()`);
  await qi.sequelize.query(`DROP TRIGGER IF EXISTS delivery_signed_guard ON delivery`);
  await qi.sequelize.query(`DROP FUNCTION IF EXISTS delivery_signed_guard()`);
};
