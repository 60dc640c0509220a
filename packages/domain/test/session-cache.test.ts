import { randomUUID } from "node:crypto";
import { QueryTypes } from "sequelize";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CustomerSessionCache, hashToken, issueLoginToken, loginWithToken } from "../src/customers/index.js";
import { setupDomainDb, type TestDomainDb } from "./helpers.js";

// The session cache against a real PostgreSQL: hits skip the database, and every way a session
// ends (logout/revoke as DELETE, an UPDATE such as a shortened expiry, the customer deleted) reaches
// every replica's cache through NOTIFY, not after a TTL.

let db: TestDomainDb;
let customerId: string;
const caches: CustomerSessionCache[] = [];

async function replica(options: { ttlMs?: number } = {}) {
  const cache = new CustomerSessionCache(db.sequelize, { databaseUrl: db.testDb.url, ttlMs: options.ttlMs ?? 600_000 });
  await cache.start();
  caches.push(cache);
  return cache;
}

async function newSession() {
  const login = await issueLoginToken(db.sequelize, customerId, 60_000);
  const session = await loginWithToken(db.sequelize, login.token, 3_600_000);
  return session!.token;
}

/** Counts the queries the cache sends (it shares the Sequelize pool with everything else). */
function countQueries() {
  let count = 0;
  const query = db.sequelize.query.bind(db.sequelize);
  db.sequelize.query = ((...args: Parameters<typeof query>) => {
    count++;
    return query(...args);
  }) as typeof db.sequelize.query;
  return { get count() { return count; }, restore: () => void (db.sequelize.query = query) };
}

const eventually = async (check: () => Promise<boolean>) => {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met within 5 s");
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeAll(async () => {
  db = await setupDomainDb();
  const [tenant] = await db.sequelize.query<{ id: string }>(
    `INSERT INTO tenant (id, name, created_at, updated_at) VALUES (gen_random_uuid(), 't', now(), now()) RETURNING id`,
    { type: QueryTypes.SELECT },
  );
  const [customer] = await db.sequelize.query<{ id: string }>(
    `INSERT INTO customer (id, tenant_id, kingdee_customer_id, number, name, raw, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, 'C-1', 'c', '{}', now(), now()) RETURNING id`,
    { bind: [tenant!.id, randomUUID()], type: QueryTypes.SELECT },
  );
  customerId = customer!.id;
});
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});
afterAll(async () => db?.teardown());

describe("customer session cache", () => {
  it("answers repeated lookups without the database, and unknown tokens with null", async () => {
    const cache = await replica();
    const token = await newSession();
    expect(await cache.resolve(token)).toEqual({ customerId, tenantId: expect.any(String) });
    const queries = countQueries();
    try {
      for (let i = 0; i < 5; i++) expect((await cache.resolve(token))?.customerId).toBe(customerId);
      expect(queries.count).toBe(0);
      expect(await cache.resolve("no-such-token")).toBeNull();
      expect(queries.count).toBe(1);
    } finally {
      queries.restore();
    }
  });

  it("drops a deleted session on every replica at once (logout, revoke)", async () => {
    const [a, b] = [await replica(), await replica()];
    const token = await newSession();
    expect(await a.resolve(token)).not.toBeNull();
    expect(await b.resolve(token)).not.toBeNull();
    await db.sequelize.query(`DELETE FROM customer_session WHERE expires_at > now()`);
    await eventually(async () => (await a.resolve(token)) === null && (await b.resolve(token)) === null);
  });

  it("forgets at once the sessions this process ended (revoke), before any notice", async () => {
    const cache = await replica();
    const token = await newSession();
    expect(await cache.resolve(token)).not.toBeNull();
    await db.sequelize.query(`DELETE FROM customer_session WHERE token_hash = $1`, { bind: [hashToken(token)] });
    cache.forget([hashToken(token)]);
    expect(await cache.resolve(token)).toBeNull();
  });

  it("drops a session whose row changes (expiry shortened) and when its customer is deleted", async () => {
    const cache = await replica();
    const shortened = await newSession();
    expect(await cache.resolve(shortened)).not.toBeNull();
    await db.sequelize.query(`UPDATE customer_session SET expires_at = now() - interval '1 second'`);
    await eventually(async () => (await cache.resolve(shortened)) === null);

    const token = await newSession();
    expect(await cache.resolve(token)).not.toBeNull();
    await db.sequelize.query(`DELETE FROM customer WHERE id = $1`, { bind: [customerId] });
    await eventually(async () => (await cache.resolve(token)) === null);
    const [again] = await db.sequelize.query<{ id: string }>(
      `INSERT INTO customer (id, tenant_id, kingdee_customer_id, number, name, raw, created_at, updated_at)
       SELECT gen_random_uuid(), id, $1, 'C-2', 'c', '{}', now(), now() FROM tenant LIMIT 1 RETURNING id`,
      { bind: [randomUUID()], type: QueryTypes.SELECT },
    );
    customerId = again!.id;
  });

  it("does not serve an entry past its TTL or the session's expiry", async () => {
    const cache = await replica({ ttlMs: 50 });
    const token = await newSession();
    expect(await cache.resolve(token)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 80));
    const queries = countQueries();
    try {
      expect(await cache.resolve(token)).not.toBeNull();
      expect(queries.count).toBe(1);
    } finally {
      queries.restore();
    }
  });

  it("caches nothing while its listener is down, so no notice can be missed", async () => {
    const cache = await replica();
    const token = await newSession();
    expect(await cache.resolve(token)).not.toBeNull();
    // Kill the listening connection from the server side, as a PostgreSQL restart or failover would.
    await db.sequelize.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN customer_session_changed'`,
    );
    const queries = countQueries();
    try {
      await eventually(async () => {
        const before = queries.count;
        await cache.resolve(token);
        return queries.count > before;
      });
    } finally {
      queries.restore();
    }
    // It listens again after a moment and caches again.
    await eventually(async () => {
      await cache.resolve(token);
      const queries2 = countQueries();
      try {
        await cache.resolve(token);
        return queries2.count === 0;
      } finally {
        queries2.restore();
      }
    });
  });
});
