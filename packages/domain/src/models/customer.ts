import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import { Column, CreatedAt, DataType, ForeignKey, Model, Table, UpdatedAt } from "sequelize-typescript";
import { Tenant } from "./tenant.js";

/** A Kingdee customer of a tenant. */
@Table({ tableName: "customer", underscored: true, timestamps: true })
export class Customer extends Model<InferAttributes<Customer>, InferCreationAttributes<Customer>> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @ForeignKey(() => Tenant)
  @Column({ type: DataType.UUID, allowNull: false })
  tenantId!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  kingdeeCustomerId!: string;

  @Column({ type: DataType.TEXT, allowNull: true })
  number!: CreationOptional<string | null>;

  @Column({ type: DataType.TEXT, allowNull: false })
  name!: string;

  @Column({ type: DataType.TEXT, allowNull: true })
  phone!: CreationOptional<string | null>;

  @Column({ type: DataType.TEXT, allowNull: true })
  address!: CreationOptional<string | null>;

  @Column({ type: DataType.JSONB, allowNull: false, defaultValue: {} })
  raw!: CreationOptional<Record<string, unknown>>;

  @CreatedAt
  override createdAt!: CreationOptional<Date>;

  @UpdatedAt
  override updatedAt!: CreationOptional<Date>;
}
