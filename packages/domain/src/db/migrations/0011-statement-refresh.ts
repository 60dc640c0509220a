import type { Migration } from "../migrator.js";

// Customer × month statements whose deliveries changed and that await recomputing. Pages of a
// sync only mark them (cheap, in the page's transaction); the stream recomputes each once at the
// end. Rows survive a crash, so the next run finishes the work.
export const up: Migration = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE statement_refresh (
      tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
      customer_id uuid NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
      period char(7) NOT NULL,
      PRIMARY KEY (tenant_id, customer_id, period)
    )`);
};

export const down: Migration = async ({ context: qi }) => {
  await qi.dropTable("statement_refresh");
};
