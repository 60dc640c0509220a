import { DataTypes } from "sequelize";
import type { Migration } from "../migrator.js";
import { decimalColumn, fkColumn, idColumn, textColumn, timestampColumns } from "../migration-helpers.js";

// Receipts (ar_credit, 收款单) projected per customer: they reduce the monthly statement's balance.
export const up: Migration = async ({ context: qi }) => {
  await qi.createTable("receipt", {
    id: idColumn(),
    tenant_id: fkColumn("tenant", { onDelete: "CASCADE" }),
    customer_id: fkColumn("customer"),
    kingdee_id: textColumn(),
    bill_no: textColumn(),
    bill_date: { type: DataTypes.DATEONLY, allowNull: false },
    amount: decimalColumn(18, 2),
    ...timestampColumns(),
  });
  await qi.addIndex("receipt", ["tenant_id", "kingdee_id"], { unique: true, name: "receipt_tenant_kingdee_id_key" });
  await qi.addIndex("receipt", ["customer_id", "bill_date"], { name: "receipt_customer_bill_date_idx" });
};

export const down: Migration = async ({ context: qi }) => {
  await qi.dropTable("receipt");
};
