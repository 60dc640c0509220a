import type { Migration } from "../migrator.js";

// Every replica caches session lookups; a session row that changes or goes away (logout, revoke, a
// new WeChat login, its customer deleted) is announced here so each cache drops it at once.
export const up: Migration = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE FUNCTION customer_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('customer_session_changed', OLD.token_hash);
      RETURN NULL;
    END $$`);
  await qi.sequelize.query(`
    CREATE TRIGGER customer_session_changed AFTER UPDATE OR DELETE ON customer_session
    FOR EACH ROW EXECUTE FUNCTION customer_session_changed()`);
};

export const down: Migration = async ({ context: qi }) => {
  await qi.sequelize.query(`DROP TRIGGER customer_session_changed ON customer_session`);
  await qi.sequelize.query(`DROP FUNCTION customer_session_changed()`);
};
