import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import { Column, CreatedAt, DataType, ForeignKey, Model, Table, UpdatedAt } from "sequelize-typescript";
import { Tenant } from "../models/tenant.js";
import { type ConnectionKind, connectionKinds } from "./kinds/index.js";

export const CONNECTION_STATUSES = ["active", "disabled", "needs_authorization"] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** What a connection looks like outside the data layer: which secrets are set, never a secret or its ciphertext. */
export interface PublicConnection {
  id: string;
  tenantId: string;
  kind: ConnectionKind;
  name: string;
  status: ConnectionStatus;
  settings: Record<string, unknown>;
  /** Each secret the kind takes: set or not. */
  secrets: Record<string, boolean>;
  secretKeyId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A tenant's link to one outside system (tenant × kind × name). Settings are validated per kind
 * (src/connections/kinds); `credentials` holds one `v1:<kid>:…` ciphertext per secret (see
 * src/connections/credentials.ts). `toJSON()` returns `toPublic()`, so serialising never leaks
 * even the ciphertext.
 */
@Table({ tableName: "connection", underscored: true, timestamps: true })
export class Connection extends Model<InferAttributes<Connection>, InferCreationAttributes<Connection>> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @ForeignKey(() => Tenant)
  @Column({ type: DataType.UUID, allowNull: false })
  tenantId!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  kind!: ConnectionKind;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: "default" })
  name!: CreationOptional<string>;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: "active" })
  status!: CreationOptional<ConnectionStatus>;

  @Column({ type: DataType.JSONB, allowNull: false, defaultValue: {} })
  settings!: CreationOptional<Record<string, unknown>>;

  @Column({ type: DataType.JSONB, allowNull: false, defaultValue: {} })
  credentials!: CreationOptional<Record<string, string>>;

  @Column({ type: DataType.TEXT, allowNull: true })
  secretKeyId!: CreationOptional<string | null>;

  @CreatedAt
  override createdAt!: CreationOptional<Date>;

  @UpdatedAt
  override updatedAt!: CreationOptional<Date>;

  toPublic(): PublicConnection {
    const credentials = this.credentials ?? {};
    const secretNames: readonly string[] = connectionKinds[this.kind].secrets;
    return {
      id: this.id,
      tenantId: this.tenantId,
      kind: this.kind,
      name: this.name,
      status: this.status,
      settings: this.settings ?? {},
      secrets: Object.fromEntries(secretNames.map((name) => [name, Boolean(credentials[name])])),
      secretKeyId: this.secretKeyId ?? null,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
  }

  override toJSON<T = PublicConnection>(): T {
    return this.toPublic() as T;
  }
}
