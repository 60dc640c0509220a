import { DataTypes } from "sequelize";
import type { Migration } from "../migrator.js";

// The stream a job run is syncing now, so progress (e.g. `pnpm admin sync:run`) can name it.
export const up: Migration = async ({ context: qi }) => {
  await qi.addColumn("sync_run", "current_resource", { type: DataTypes.TEXT, allowNull: true });
};

export const down: Migration = async ({ context: qi }) => {
  await qi.removeColumn("sync_run", "current_resource");
};
