import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import { Column, DataType, ForeignKey, Model, Table } from "sequelize-typescript";
import { SyncRun } from "./sync-run.js";
import { Tenant } from "./tenant.js";

/**
 * Raw Kingdee documents, versioned: a new row only when the content hash changes; exactly one
 * row per (tenant, bizType, bizId) has isCurrent. Write through `upsertRawVersions`.
 */
@Table({ tableName: "kingdee_raw", underscored: true, timestamps: false })
export class KingdeeRaw extends Model<InferAttributes<KingdeeRaw>, InferCreationAttributes<KingdeeRaw>> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @ForeignKey(() => Tenant)
  @Column({ type: DataType.UUID, allowNull: false })
  tenantId!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  bizType!: string;

  /** The ERP's id: always text. */
  @Column({ type: DataType.TEXT, allowNull: false })
  bizId!: string;

  @Column({ type: DataType.JSONB, allowNull: false })
  data!: unknown;

  /** sha256 hex of the canonical JSON. */
  @Column({ type: DataType.CHAR(64), allowNull: false })
  hash!: string;

  /** sha256 of the list row, for documents stored from a detail call. */
  @Column({ type: DataType.CHAR(64), allowNull: true })
  listHash!: CreationOptional<string | null>;

  /** The source's modify time. */
  @Column({ type: DataType.DATE, allowNull: true })
  modifyTime!: CreationOptional<Date | null>;

  @Column({ type: DataType.DATE, allowNull: false, defaultValue: DataType.NOW })
  pulledAt!: CreationOptional<Date>;

  @ForeignKey(() => SyncRun)
  @Column({ type: DataType.UUID, allowNull: true })
  syncRunId!: CreationOptional<string | null>;

  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: true })
  isCurrent!: CreationOptional<boolean>;
}
