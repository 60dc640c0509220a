import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import { Column, CreatedAt, DataType, ForeignKey, Model, Table, UpdatedAt } from "sequelize-typescript";
import { Connection } from "../connections/connection.js";
import { Tenant } from "./tenant.js";

export const SYNC_JOB_STATUSES = ["idle", "running", "failed"] as const;
export type SyncJobStatus = (typeof SYNC_JOB_STATUSES)[number];

/** Per-resource watermark plus an in-progress checkpoint; shape owned by the sync engine. */
export type SyncCursor = Record<string, unknown>;

/** One sync job per connection × job name (scheduled per tenant, for the tenant's default connection). */
@Table({ tableName: "sync_job", underscored: true, timestamps: true })
export class SyncJob extends Model<InferAttributes<SyncJob>, InferCreationAttributes<SyncJob>> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @ForeignKey(() => Tenant)
  @Column({ type: DataType.UUID, allowNull: false })
  tenantId!: string;

  /** The connection the job reads through: its cursor, lock and runs are per connection × job. */
  @ForeignKey(() => Connection)
  @Column({ type: DataType.UUID, allowNull: false })
  connectionId!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  jobName!: string;

  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: true })
  enabled!: CreationOptional<boolean>;

  /** null: the environment's default schedule. */
  @Column({ type: DataType.TEXT, allowNull: true })
  cron!: CreationOptional<string | null>;

  @Column({ type: DataType.DATE, allowNull: true })
  lastSuccessAt!: CreationOptional<Date | null>;

  @Column({ type: DataType.JSONB, allowNull: false, defaultValue: {} })
  lastCursor!: CreationOptional<SyncCursor>;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: "idle" })
  status!: CreationOptional<SyncJobStatus>;

  @Column({ type: DataType.TEXT, allowNull: true })
  error!: CreationOptional<string | null>;

  @Column({ type: DataType.TEXT, allowNull: true })
  lockedBy!: CreationOptional<string | null>;

  @Column({ type: DataType.DATE, allowNull: true })
  lockedAt!: CreationOptional<Date | null>;

  @CreatedAt
  override createdAt!: CreationOptional<Date>;

  @UpdatedAt
  override updatedAt!: CreationOptional<Date>;
}
