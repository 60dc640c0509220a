import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import {
  BelongsTo, Column, CreatedAt, DataType, ForeignKey, HasMany, HasOne, Model, Table, UpdatedAt,
} from "sequelize-typescript";
// eslint-disable-next-line import-x/no-cycle -- a sequelize-typescript association: read only through a () => thunk once all models load
import { Customer } from "./customer.js";
// eslint-disable-next-line import-x/no-cycle -- a sequelize-typescript association: read only through a () => thunk once all models load
import { DeliveryItem } from "./delivery-item.js";
// eslint-disable-next-line import-x/no-cycle -- a sequelize-typescript association: read only through a () => thunk once all models load
import { DeliverySignoff } from "./delivery-signoff.js";
import type { Relation } from "./relation.js";
import { Tenant } from "./tenant.js";

export const DELIVERY_STATUSES = ["PENDING", "SIGNED"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A delivery (Kingdee sal_out_bound) the customer signs for. Money as DECIMAL strings. */
@Table({ tableName: "delivery", underscored: true, timestamps: true })
export class Delivery extends Model<InferAttributes<Delivery>, InferCreationAttributes<Delivery>> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @ForeignKey(() => Tenant)
  @Column({ type: DataType.UUID, allowNull: false })
  tenantId!: string;

  @ForeignKey(() => Customer)
  @Column({ type: DataType.UUID, allowNull: false })
  customerId!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  kingdeeId!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  billNo!: string;

  /** "YYYY-MM-DD" */
  @Column({ type: DataType.DATEONLY, allowNull: false })
  billDate!: string;

  /** DECIMAL(18,2) as a string, e.g. "1234.50". */
  @Column({ type: DataType.DECIMAL(18, 2), allowNull: false, defaultValue: "0" })
  totalAmount!: CreationOptional<string>;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: "PENDING" })
  status!: CreationOptional<DeliveryStatus>;

  @Column({ type: DataType.DATE, allowNull: true })
  sourceModifyTime!: CreationOptional<Date | null>;

  @CreatedAt
  override createdAt!: CreationOptional<Date>;

  @UpdatedAt
  override updatedAt!: CreationOptional<Date>;

  @BelongsTo(() => Customer)
  customer?: Relation<Customer>;

  @HasMany(() => DeliveryItem)
  items?: Relation<DeliveryItem[]>;

  @HasOne(() => DeliverySignoff)
  signoff?: Relation<DeliverySignoff>;
}
