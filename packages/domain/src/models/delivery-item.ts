import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import { BelongsTo, Column, DataType, ForeignKey, Model, Table } from "sequelize-typescript";
// eslint-disable-next-line import-x/no-cycle -- a sequelize-typescript association: read only through a () => thunk once all models load
import { Delivery } from "./delivery.js";
import type { Relation } from "./relation.js";

/** One line of a delivery. Quantities DECIMAL(18,4), unit price (18,4), amount (18,2): strings. */
@Table({ tableName: "delivery_item", underscored: true, timestamps: false })
export class DeliveryItem extends Model<InferAttributes<DeliveryItem>, InferCreationAttributes<DeliveryItem>> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @ForeignKey(() => Delivery)
  @Column({ type: DataType.UUID, allowNull: false })
  deliveryId!: string;

  @Column({ type: DataType.INTEGER, allowNull: false })
  seq!: number;

  @Column({ type: DataType.TEXT, allowNull: true })
  materialId!: CreationOptional<string | null>;

  @Column({ type: DataType.TEXT, allowNull: true })
  materialNumber!: CreationOptional<string | null>;

  @Column({ type: DataType.TEXT, allowNull: true })
  materialName!: CreationOptional<string | null>;

  @Column({ type: DataType.TEXT, allowNull: true })
  unitName!: CreationOptional<string | null>;

  @Column({ type: DataType.DECIMAL(18, 4), allowNull: false })
  qty!: string;

  @Column({ type: DataType.DECIMAL(18, 4), allowNull: true })
  price!: CreationOptional<string | null>;

  @Column({ type: DataType.DECIMAL(18, 2), allowNull: true })
  amount!: CreationOptional<string | null>;

  @Column({ type: DataType.TEXT, allowNull: true })
  srcBillNo!: CreationOptional<string | null>;

  @BelongsTo(() => Delivery)
  delivery?: Relation<Delivery>;
}
