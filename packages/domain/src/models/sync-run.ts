import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import { Column, CreatedAt, DataType, DefaultScope, ForeignKey, Model, Table, UpdatedAt } from "sequelize-typescript";
import { Connection } from "../connections/connection.js";
import { Tenant } from "./tenant.js";

export const SYNC_RUN_STATUSES = ["pending", "running", "success", "failed", "partial", "stopped"] as const;
export type SyncRunStatus = (typeof SYNC_RUN_STATUSES)[number];
export const SYNC_RUN_TRIGGERS = ["schedule", "manual"] as const;
export type SyncRunTrigger = (typeof SYNC_RUN_TRIGGERS)[number];

/**
 * One execution of a sync job (or of a single resource, for manual runs). The table is the run
 * history of every job kind (jobs/run-history.ts); this model sees the sync runs only.
 */
@DefaultScope(() => ({ where: { kind: "sync" } }))
@Table({ tableName: "sync_run", underscored: true, timestamps: true })
export class SyncRun extends Model<InferAttributes<SyncRun>, InferCreationAttributes<SyncRun>> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: "sync" })
  kind!: CreationOptional<"sync">;

  @ForeignKey(() => Tenant)
  @Column({ type: DataType.UUID, allowNull: false })
  tenantId!: string;

  /** The connection the sync read through (every sync run has one). */
  @ForeignKey(() => Connection)
  @Column({ type: DataType.UUID, allowNull: false })
  connectionId!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  jobName!: string;

  /** Set for single-resource manual runs. */
  @Column({ type: DataType.TEXT, allowNull: true })
  resource!: CreationOptional<string | null>;

  /** The stream being synced now (the last one once the run has ended); null until the first starts. */
  @Column({ type: DataType.TEXT, allowNull: true })
  currentResource!: CreationOptional<string | null>;

  @Column({ type: DataType.TEXT, allowNull: false })
  trigger!: SyncRunTrigger;

  @Column({ type: DataType.DATE, allowNull: true })
  fromTime!: CreationOptional<Date | null>;

  @Column({ type: DataType.DATE, allowNull: true })
  toTime!: CreationOptional<Date | null>;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: "pending" })
  status!: CreationOptional<SyncRunStatus>;

  @Column({ type: DataType.DATE, allowNull: true })
  startedAt!: CreationOptional<Date | null>;

  @Column({ type: DataType.DATE, allowNull: true })
  finishedAt!: CreationOptional<Date | null>;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  fetchedCount!: CreationOptional<number>;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  insertedCount!: CreationOptional<number>;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  updatedCount!: CreationOptional<number>;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  unchangedCount!: CreationOptional<number>;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  failedCount!: CreationOptional<number>;

  /** Records a completed full pass no longer found, soft-deleted by the guarded reconcile. */
  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  deletedCount!: CreationOptional<number>;

  @Column({ type: DataType.JSONB, allowNull: false, defaultValue: [] })
  warnings!: CreationOptional<string[]>;

  @Column({ type: DataType.TEXT, allowNull: true })
  error!: CreationOptional<string | null>;

  @CreatedAt
  override createdAt!: CreationOptional<Date>;

  @UpdatedAt
  override updatedAt!: CreationOptional<Date>;
}
