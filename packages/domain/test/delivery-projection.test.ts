import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transactionSql } from "../src/db/sql.js";
import { projectDeliveries } from "../src/connectors/jdy/mappers/deliveries.js";
import { projectReceipts } from "../src/connectors/jdy/mappers/receipts.js";
import type { Projection } from "../src/projections/index.js";
import { setupDomainDb, type TestDomainDb } from "./helpers.js";

// A page of deliveries (and receipts) is written in one statement: placeholders for unknown
// customers, the upsert, lines matched by seq, and stale statements for both the old and the new
// customer × month. These pin what that statement does when documents change.
let db: TestDomainDb;
let tenantId: string;

type Doc = Record<string, unknown>;
const entry = (seq: number, materialId: string, qty: string, amount: string): Doc => ({
  seq, material_id: materialId, material_name: `Name ${materialId}`, unit_name: "pcs", qty, tax_price: "2.5000", all_amount: amount,
});
const outBound = (id: string, customerId: string, billDate: string, entries: Doc[], extra: Doc = {}): Doc => ({
  id, bill_no: `XSCK-${id}`, bill_date: billDate, customer_id: customerId, customer_name: `Customer ${customerId}`,
  total_amount: "10.00", modify_time: "2025-03-05 10:00:00", material_entity: entries, ...extra,
});

async function project(projection: Projection, docs: Doc[]) {
  return db.sequelize.transaction((t) =>
    projection({ sql: transactionSql(t), tenantId }, docs.map((d) => ({ bizId: String(d.id), data: d }))),
  );
}
const rows = <T extends object>(sql: string, bind: unknown[] = []): Promise<T[]> => db.sequelize.query<T>(sql, { bind, type: QueryTypes.SELECT });
const items = (kingdeeId: string) =>
  rows<{ id: string; seq: number; material_id: string; qty: string; amount: string }>(
    `SELECT i.id, i.seq, i.material_id, i.qty::text, i.amount::text FROM delivery_item i JOIN delivery d ON d.id = i.delivery_id
      WHERE d.tenant_id = $1 AND d.kingdee_id = $2 ORDER BY i.seq`,
    [tenantId, kingdeeId],
  );
const staleKeys = async () =>
  (await rows<{ key: string }>(
    `SELECT c.kingdee_customer_id || ' ' || r.period AS key FROM statement_refresh r JOIN customer c ON c.id = r.customer_id
      WHERE r.tenant_id = $1 ORDER BY 1`,
    [tenantId],
  )).map((r) => r.key);

beforeAll(async () => {
  db = await setupDomainDb();
  tenantId = (await db.models.Tenant.create({ name: "Projection" })).id;
  await db.models.Customer.create({ tenantId, kingdeeCustomerId: "CA", name: "Known A" });
});
afterAll(() => db.teardown());

describe("the delivery page statement", () => {
  it("writes deliveries and lines, adds a placeholder for an unknown customer, marks statements stale", async () => {
    const failures = await project(projectDeliveries, [
      outBound("D1", "CA", "2025-03-05", [entry(1, "M1", "2", "5.00"), entry(2, "M2", "1", "2.50")]),
      outBound("D2", "CNEW", "2025-03-06", [entry(1, "M1", "4", "10.00")], { customer_number: "N-NEW" }),
      outBound("BAD", "CA", "2025/03/07", []),
    ]);
    expect(failures.map((f) => f.bizId)).toEqual(["BAD"]);
    expect((await items("D1")).map((i) => [i.seq, i.material_id, i.qty])).toEqual([[1, "M1", "2.0000"], [2, "M2", "1.0000"]]);
    const [placeholder] = await rows<{ name: string; number: string }>(
      `SELECT name, number FROM customer WHERE tenant_id = $1 AND kingdee_customer_id = 'CNEW'`,
      [tenantId],
    );
    expect(placeholder).toEqual({ name: "Customer CNEW", number: "N-NEW" });
    expect(await staleKeys()).toEqual(["CA 2025-03", "CNEW 2025-03"]);
  });

  it("an edited delivery: changed lines kept in place, a removed line goes, a new one comes; old and new months stale", async () => {
    await db.sequelize.query(`DELETE FROM statement_refresh`);
    const before = await items("D1");
    await project(projectDeliveries, [
      outBound("D1", "CA", "2025-04-01", [entry(1, "M1", "3", "7.50"), entry(3, "M3", "1", "2.50")]),
    ]);
    const after = await items("D1");
    expect(after.map((i) => [i.seq, i.material_id, i.qty, i.amount])).toEqual([[1, "M1", "3.0000", "7.50"], [3, "M3", "1.0000", "2.50"]]);
    expect(after[0]!.id).toBe(before[0]!.id); // the same line, updated
    expect(await staleKeys()).toEqual(["CA 2025-03", "CA 2025-04"]);
  });

  it("a delivery moved to another customer marks both customers' months; a signed delivery stays signed", async () => {
    await db.sequelize.query(`DELETE FROM statement_refresh`);
    await db.sequelize.query(`UPDATE delivery SET status = 'SIGNED' WHERE tenant_id = $1 AND kingdee_id = 'D2'`, { bind: [tenantId] });
    await project(projectDeliveries, [outBound("D2", "CA", "2025-03-06", [entry(1, "M1", "4", "10.00")])]);
    const [d2] = await rows<{ status: string; customer: string }>(
      `SELECT d.status, c.kingdee_customer_id AS customer FROM delivery d JOIN customer c ON c.id = d.customer_id
        WHERE d.tenant_id = $1 AND d.kingdee_id = 'D2'`,
      [tenantId],
    );
    expect(d2).toEqual({ status: "SIGNED", customer: "CA" });
    expect(await staleKeys()).toEqual(["CA 2025-03", "CNEW 2025-03"]);
  });

  it("receipts: placeholder, upsert and stale statements in the same way", async () => {
    await db.sequelize.query(`DELETE FROM statement_refresh`);
    const receipt = (id: string, customerId: string, billDate: string) => ({
      id, bill_no: `SKD-${id}`, bill_date: billDate, customer_id: customerId, total_amount: "3.10",
    });
    expect(await project(projectReceipts, [receipt("R1", "CR", "2025-05-02")])).toEqual([]);
    await project(projectReceipts, [receipt("R1", "CR", "2025-06-02")]);
    const [r1] = await rows<{ amount: string; bill_date: string }>(
      `SELECT amount::text, to_char(bill_date, 'YYYY-MM-DD') AS bill_date FROM receipt WHERE tenant_id = $1 AND kingdee_id = 'R1'`,
      [tenantId],
    );
    expect(r1).toEqual({ amount: "3.10", bill_date: "2025-06-02" });
    expect(await staleKeys()).toEqual(["CR 2025-05", "CR 2025-06"]);
  });
});
