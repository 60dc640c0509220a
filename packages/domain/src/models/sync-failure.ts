import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import { Column, DataType, ForeignKey, Model, Table } from "sequelize-typescript";
import { SyncRun } from "./sync-run.js";
import { Tenant } from "./tenant.js";

/**
 * The per-record failure ledger: one open row (resolvedAt null) per document that failed to
 * sync; a later run retries it and marks it resolved.
 */
@Table({ tableName: "sync_failure", underscored: true, timestamps: false })
export class SyncFailure extends Model<InferAttributes<SyncFailure>, InferCreationAttributes<SyncFailure>> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @ForeignKey(() => Tenant)
  @Column({ type: DataType.UUID, allowNull: false })
  tenantId!: string;

  /** The run that (last) failed this document. */
  @ForeignKey(() => SyncRun)
  @Column({ type: DataType.UUID, allowNull: true })
  syncRunId!: CreationOptional<string | null>;

  @Column({ type: DataType.TEXT, allowNull: false })
  bizType!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  bizId!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  reason!: string;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 1 })
  attempts!: CreationOptional<number>;

  @Column({ type: DataType.DATE, allowNull: false, defaultValue: DataType.NOW })
  firstFailedAt!: CreationOptional<Date>;

  @Column({ type: DataType.DATE, allowNull: false, defaultValue: DataType.NOW })
  lastFailedAt!: CreationOptional<Date>;

  @Column({ type: DataType.DATE, allowNull: true })
  resolvedAt!: CreationOptional<Date | null>;

  @ForeignKey(() => SyncRun)
  @Column({ type: DataType.UUID, allowNull: true })
  resolvedByRunId!: CreationOptional<string | null>;
}
