import type { Migration } from "../migrator.js";

// Digests of the Kingdee authorization pushes seen within the freshness window, so a replayed
// push is refused. Rows older than the window are pruned as new pushes arrive.
export const up: Migration = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE webhook_push_digest (
      digest char(64) PRIMARY KEY,
      received_at timestamptz NOT NULL DEFAULT now()
    )`);
  await qi.sequelize.query(`CREATE INDEX webhook_push_digest_received_idx ON webhook_push_digest (received_at)`);
};

export const down: Migration = async ({ context: qi }) => {
  await qi.dropTable("webhook_push_digest");
};
