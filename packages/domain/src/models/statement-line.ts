import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import { BelongsTo, Column, DataType, ForeignKey, Model, Table } from "sequelize-typescript";
import type { Relation } from "./relation.js";
// eslint-disable-next-line import-x/no-cycle -- a sequelize-typescript association: read only through a () => thunk once all models load
import { Statement } from "./statement.js";

/** One document (delivery, receipt, …) on a statement. */
@Table({ tableName: "statement_line", underscored: true, timestamps: false })
export class StatementLine extends Model<InferAttributes<StatementLine>, InferCreationAttributes<StatementLine>> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @ForeignKey(() => Statement)
  @Column({ type: DataType.UUID, allowNull: false })
  statementId!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  docType!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  docId!: string;

  @Column({ type: DataType.TEXT, allowNull: true })
  docNo!: CreationOptional<string | null>;

  /** "YYYY-MM-DD" */
  @Column({ type: DataType.DATEONLY, allowNull: true })
  docDate!: CreationOptional<string | null>;

  @Column({ type: DataType.DECIMAL(18, 2), allowNull: false })
  amount!: string;

  @Column({ type: DataType.JSONB, allowNull: true })
  raw!: CreationOptional<unknown>;

  @BelongsTo(() => Statement)
  statement?: Relation<Statement>;
}
