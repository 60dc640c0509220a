import { DataTypes } from "sequelize";
import type { Migration } from "../migrator.js";

// Hash of the list row a detail-fetched document was listed with: an unchanged list row needs no detail call.
export const up: Migration = async ({ context: qi }) => {
  await qi.addColumn("kingdee_raw", "list_hash", { type: DataTypes.CHAR(64), allowNull: true });
};

export const down: Migration = async ({ context: qi }) => {
  await qi.removeColumn("kingdee_raw", "list_hash");
};
