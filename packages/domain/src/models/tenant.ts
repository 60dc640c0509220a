import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import { Column, CreatedAt, DataType, Model, Table, UpdatedAt } from "sequelize-typescript";

export const TENANT_STATUSES = ["active", "disabled"] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/**
 * A customer of ours: the unit customers, deliveries and statements belong to. How it reaches
 * its outside systems (Kingdee credentials and settings) lives in its connections
 * (src/connections).
 */
@Table({ tableName: "tenant", underscored: true, timestamps: true })
export class Tenant extends Model<InferAttributes<Tenant>, InferCreationAttributes<Tenant>> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @Column({ type: DataType.TEXT, allowNull: false })
  name!: string;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: "active" })
  status!: CreationOptional<TenantStatus>;

  @CreatedAt
  override createdAt!: CreationOptional<Date>;

  @UpdatedAt
  override updatedAt!: CreationOptional<Date>;
}
