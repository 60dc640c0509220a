import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import { BelongsTo, Column, CreatedAt, DataType, ForeignKey, Model, Table } from "sequelize-typescript";
import { Customer } from "./customer.js";
import type { Relation } from "./relation.js";
// eslint-disable-next-line import-x/no-cycle -- a sequelize-typescript association: read only through a () => thunk once all models load
import { Statement } from "./statement.js";

/** The customer's confirmation of one statement revision. */
@Table({ tableName: "statement_confirmation", underscored: true, timestamps: true, updatedAt: false })
export class StatementConfirmation extends Model<
  InferAttributes<StatementConfirmation>,
  InferCreationAttributes<StatementConfirmation>
> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @ForeignKey(() => Statement)
  @Column({ type: DataType.UUID, allowNull: false, unique: true })
  statementId!: string;

  @ForeignKey(() => Customer)
  @Column({ type: DataType.UUID, allowNull: false })
  customerId!: string;

  @Column({ type: DataType.INTEGER, allowNull: false })
  revision!: number;

  @Column({ type: DataType.DATE, allowNull: false })
  confirmedAt!: Date;

  @Column({ type: DataType.TEXT, allowNull: false })
  confirmedBy!: string;

  @CreatedAt
  override createdAt!: CreationOptional<Date>;

  @BelongsTo(() => Statement)
  statement?: Relation<Statement>;
}
