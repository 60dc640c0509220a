import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATION_TABLE, migrate, migrationName, migrationStatus } from "../src/db/index.js";
import { setupDomainDb, type TestDomainDb } from "./helpers.js";

let db: TestDomainDb;
beforeAll(async () => {
  db = await setupDomainDb({ migrate: false });
});
afterAll(async () => {
  await db?.teardown();
});

async function tables(): Promise<string[]> {
  const rows = await db.sequelize.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> $1 ORDER BY 1`,
    { bind: [MIGRATION_TABLE], type: QueryTypes.SELECT },
  );
  return rows.map((r) => r.name);
}

// The foundation's tables; later migrations may add more.
const CORE_TABLES = [
  "api_call_log", "customer", "delivery", "delivery_item", "delivery_signoff", "source_record", "statement",
  "statement_confirmation", "statement_line", "sync_failure", "sync_job", "sync_run", "tenant",
];

describe("migrations", () => {
  it("strips the extension from names", () => {
    expect(migrationName("0001-tenant.ts")).toBe("0001-tenant");
    expect(migrationName("/x/dist/db/migrations/0001-tenant.js")).toBe("0001-tenant");
  });

  it("go up, all the way down, and up again cleanly", async () => {
    const up1 = await migrate(db.sequelize);
    expect(up1.migrations.length).toBeGreaterThanOrEqual(5);
    const allTables = await tables();
    expect(allTables).toEqual(expect.arrayContaining(CORE_TABLES));

    const recorded = await db.sequelize.query<{ name: string }>(`SELECT name FROM ${MIGRATION_TABLE} ORDER BY name`, {
      type: QueryTypes.SELECT,
    });
    expect(recorded.map((r) => r.name)).toEqual(up1.migrations);
    for (const { name } of recorded) expect(name).toMatch(/^\d{4}-[a-z0-9-]+$/); // no .ts / .js

    expect((await migrate(db.sequelize)).migrations).toEqual([]); // idempotent

    for (let i = up1.migrations.length - 1; i >= 0; i--) {
      const down = await migrate(db.sequelize, { direction: "down" });
      expect(down.migrations).toEqual([up1.migrations[i]]);
    }
    expect(await tables()).toEqual([]);
    expect((await migrationStatus(db.sequelize)).executed).toEqual([]);
    const fns = await db.sequelize.query(`SELECT proname FROM pg_proc WHERE proname LIKE 'statement%guard'`, {
      type: QueryTypes.SELECT,
    });
    expect(fns).toEqual([]);

    const up2 = await migrate(db.sequelize);
    expect(up2.migrations).toEqual(up1.migrations);
    expect(await tables()).toEqual(allTables);
    expect(await migrationStatus(db.sequelize)).toEqual({ executed: up1.migrations, pending: [] });
  });

  it("two concurrent migrate() calls apply each migration once", async () => {
    while ((await migrate(db.sequelize, { direction: "down" })).migrations.length > 0) { /* to zero */ }
    const [a, b] = await Promise.all([migrate(db.sequelize), migrate(db.sequelize)]);
    expect([...a.migrations, ...b.migrations].sort()).toEqual((await migrationStatus(db.sequelize)).executed);
  });
});
