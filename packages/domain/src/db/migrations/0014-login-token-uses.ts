import type { Migration } from "../migrator.js";

// Login tokens get a use count: single-use unless the admin allows more (a shop's printed QR), and
// can be revoked together with the sessions they opened (sessions remember their token). Tokens
// issued before this were reusable until they expired; they now allow one more login.
export const up: Migration = async ({ context: qi }) => {
  await qi.sequelize.query(`
    ALTER TABLE customer_login_token
      ADD COLUMN max_uses integer NOT NULL DEFAULT 1 CHECK (max_uses >= 1),
      ADD COLUMN use_count integer NOT NULL DEFAULT 0,
      ADD COLUMN revoked_at timestamptz`);
  await qi.sequelize.query(`
    ALTER TABLE customer_session
      ADD COLUMN login_token_id uuid REFERENCES customer_login_token(id) ON DELETE CASCADE`);
  await qi.sequelize.query(`CREATE INDEX customer_session_login_token_idx ON customer_session (login_token_id)`);
};

export const down: Migration = async ({ context: qi }) => {
  await qi.sequelize.query(`ALTER TABLE customer_session DROP COLUMN login_token_id`);
  await qi.sequelize.query(`ALTER TABLE customer_login_token DROP COLUMN max_uses, DROP COLUMN use_count, DROP COLUMN revoked_at`);
};
