import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import {
  BelongsTo, Column, CreatedAt, DataType, ForeignKey, HasMany, HasOne, Model, Table, UpdatedAt,
} from "sequelize-typescript";
import { Customer } from "./customer.js";
import type { Relation } from "./relation.js";
// eslint-disable-next-line import-x/no-cycle -- a sequelize-typescript association: read only through a () => thunk once all models load
import { StatementConfirmation } from "./statement-confirmation.js";
// eslint-disable-next-line import-x/no-cycle -- a sequelize-typescript association: read only through a () => thunk once all models load
import { StatementLine } from "./statement-line.js";
import { Tenant } from "./tenant.js";

export const STATEMENT_STATUSES = ["OPEN", "CONFIRMED", "SUPERSEDED"] as const;
export type StatementStatus = (typeof STATEMENT_STATUSES)[number];

/**
 * A customer × month statement. Revisions: a CONFIRMED (or SUPERSEDED) row and its lines are
 * immutable — a database trigger rejects changes — so a later change creates revision n+1 and
 * marks the confirmed one SUPERSEDED. At most one OPEN/CONFIRMED revision per customer × period.
 */
@Table({ tableName: "statement", underscored: true, timestamps: true })
export class Statement extends Model<InferAttributes<Statement>, InferCreationAttributes<Statement>> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @ForeignKey(() => Tenant)
  @Column({ type: DataType.UUID, allowNull: false })
  tenantId!: string;

  @ForeignKey(() => Customer)
  @Column({ type: DataType.UUID, allowNull: false })
  customerId!: string;

  /** "YYYY-MM" */
  @Column({ type: DataType.CHAR(7), allowNull: false })
  period!: string;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: "CNY" })
  currency!: CreationOptional<string>;

  @Column({ type: DataType.DECIMAL(18, 2), allowNull: false, defaultValue: "0" })
  totalAmount!: CreationOptional<string>;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: "OPEN" })
  status!: CreationOptional<StatementStatus>;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 1 })
  revision!: CreationOptional<number>;

  @Column({ type: DataType.CHAR(64), allowNull: true })
  contentHash!: CreationOptional<string | null>;

  @CreatedAt
  override createdAt!: CreationOptional<Date>;

  @UpdatedAt
  override updatedAt!: CreationOptional<Date>;

  @BelongsTo(() => Customer)
  customer?: Relation<Customer>;

  @HasMany(() => StatementLine)
  lines?: Relation<StatementLine[]>;

  @HasOne(() => StatementConfirmation)
  confirmation?: Relation<StatementConfirmation>;
}
