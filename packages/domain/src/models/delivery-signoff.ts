import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import { BelongsTo, Column, CreatedAt, DataType, ForeignKey, Model, Table } from "sequelize-typescript";
// eslint-disable-next-line import-x/no-cycle -- a sequelize-typescript association: read only through a () => thunk once all models load
import { Customer } from "./customer.js";
import { Delivery } from "./delivery.js";
import type { Relation } from "./relation.js";

export interface SignoffGps {
  latitude: number;
  longitude: number;
  accuracy?: number;
}

/** What the customer saw when signing, copied so it survives later ERP edits. */
export interface SignoffSnapshot {
  customerName: string;
  address?: string | null;
  billNo?: string;
  billDate?: string;
  items: Array<{ seq: number; materialNumber?: string | null; materialName?: string | null; unitName?: string | null; qty: string }>;
  [key: string]: unknown;
}

/** A customer's sign-off of a delivery (one per delivery). */
@Table({ tableName: "delivery_signoff", underscored: true, timestamps: true, updatedAt: false })
export class DeliverySignoff extends Model<InferAttributes<DeliverySignoff>, InferCreationAttributes<DeliverySignoff>> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @ForeignKey(() => Delivery)
  @Column({ type: DataType.UUID, allowNull: false, unique: true })
  deliveryId!: string;

  @ForeignKey(() => Customer)
  @Column({ type: DataType.UUID, allowNull: false })
  customerId!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  signerName!: string;

  @Column({ type: DataType.DATE, allowNull: false })
  signedAt!: Date;

  @Column({ type: DataType.TEXT, allowNull: false })
  signaturePath!: string;

  @Column({ type: DataType.JSONB, allowNull: false, defaultValue: [] })
  photoPaths!: CreationOptional<string[]>;

  @Column({ type: DataType.TEXT, allowNull: true })
  remark!: CreationOptional<string | null>;

  @Column({ type: DataType.JSONB, allowNull: true })
  gps!: CreationOptional<SignoffGps | null>;

  @Column({ type: DataType.JSONB, allowNull: false })
  snapshot!: SignoffSnapshot;

  @CreatedAt
  override createdAt!: CreationOptional<Date>;

  @BelongsTo(() => Delivery)
  delivery?: Relation<Delivery>;
}
