import { createHash } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@erpbridge/test-support";
import { createDatabase, migrate, type Database } from "../src/index.js";

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
