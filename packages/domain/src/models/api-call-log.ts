import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import { Column, CreatedAt, DataType, ForeignKey, Model, Table } from "sequelize-typescript";
import { Tenant } from "./tenant.js";

/** One Kingdee API call (for rate/health dashboards). No request or response bodies. */
@Table({ tableName: "api_call_log", underscored: true, timestamps: true, updatedAt: false })
export class ApiCallLog extends Model<InferAttributes<ApiCallLog>, InferCreationAttributes<ApiCallLog>> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @ForeignKey(() => Tenant)
  @Column({ type: DataType.UUID, allowNull: false })
  tenantId!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  endpoint!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  method!: string;

  /** null: no HTTP response (network error, timeout). */
  @Column({ type: DataType.INTEGER, allowNull: true })
  httpStatus!: CreationOptional<number | null>;

  @Column({ type: DataType.TEXT, allowNull: true })
  errcode!: CreationOptional<string | null>;

  @Column({ type: DataType.INTEGER, allowNull: false })
  latencyMs!: number;

  @CreatedAt
  override createdAt!: CreationOptional<Date>;
}
