// @erpbridge/domain/db: the Sequelize connection (with the models registered) and the migrations.
export { createDatabase, type Database, type DatabaseOptions } from "./database.js";
export {
  createMigrator, migrate, migrationName, migrationStatus, MIGRATION_TABLE,
  type Migration, type MigrateOptions, type MigrateResult,
} from "./migrator.js";
