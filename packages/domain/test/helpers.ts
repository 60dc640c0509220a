import { createHash } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@erpbridge/test-support";
import { QueryTypes } from "sequelize";
import { createDatabase, migrate, type Database } from "../src/db/index.js";

export interface TestDomainDb extends Database {
  testDb: TestDatabase;
  teardown(): Promise<void>;
}

/** A fresh database (own name, so files never share migrations), migrated up. */
export async function setupDomainDb(opts: { migrate?: boolean } = {}): Promise<TestDomainDb> {
  const testDb = await createTestDatabase("domain");
  const db = createDatabase({ url: testDb.url });
  if (opts.migrate !== false) await migrate(db.sequelize);
  return {
    ...db,
    testDb,
    async teardown() {
      await db.close();
      await testDb.drop();
    },
  };
}

export function sha256(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/** A bare `kingdee_jdy` connection for a tenant (no settings or secrets): what raw records are keyed by. */
export async function addJdyConnection(db: Database, tenantId: string): Promise<string> {
  const [row] = await db.sequelize.query<{ id: string }>(
    `INSERT INTO connection (tenant_id, kind) VALUES ($1, 'kingdee_jdy') RETURNING id`,
    { bind: [tenantId], type: QueryTypes.SELECT },
  );
  return row!.id;
}
