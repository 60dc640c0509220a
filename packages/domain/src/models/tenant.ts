import "reflect-metadata";
import type { CreationOptional, InferAttributes, InferCreationAttributes } from "sequelize";
import { Column, CreatedAt, DataType, Model, Table, UpdatedAt } from "sequelize-typescript";

export const TENANT_STATUSES = ["active", "disabled"] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** What a tenant looks like outside the data layer: no secret, encrypted or not. */
export interface PublicTenant {
  id: string;
  name: string;
  clientId: string;
  appKey: string;
  domain: string | null;
  outerInstanceId: string | null;
  status: TenantStatus;
  baseUrl: string | null;
  hasClientSecret: boolean;
  hasAppSecret: boolean;
  secretKeyId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A Kingdee account set we sync. Secrets are stored only encrypted (`*SecretEnc`, see
 * src/secrets); read them with `decryptTenantCredentials`, write them with `setTenantSecrets`.
 * `toJSON()` returns `toPublic()`, so serialising a tenant never leaks even the ciphertext.
 */
@Table({ tableName: "tenant", underscored: true, timestamps: true })
export class Tenant extends Model<InferAttributes<Tenant>, InferCreationAttributes<Tenant>> {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  override id!: CreationOptional<string>;

  @Column({ type: DataType.TEXT, allowNull: false })
  name!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  clientId!: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  appKey!: string;

  @Column({ type: DataType.TEXT, allowNull: true })
  domain!: CreationOptional<string | null>;

  @Column({ type: DataType.TEXT, allowNull: true })
  outerInstanceId!: CreationOptional<string | null>;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: "active" })
  status!: CreationOptional<TenantStatus>;

  /** null: the Kingdee default gateway. */
  @Column({ type: DataType.TEXT, allowNull: true })
  baseUrl!: CreationOptional<string | null>;

  /** `v1:<kid>:<iv>:<tag>:<ciphertext>`; never plaintext. */
  @Column({ type: DataType.TEXT, allowNull: true })
  clientSecretEnc!: CreationOptional<string | null>;

  @Column({ type: DataType.TEXT, allowNull: true })
  appSecretEnc!: CreationOptional<string | null>;

  /** Key id both secrets are encrypted under (for rotation). */
  @Column({ type: DataType.TEXT, allowNull: true })
  secretKeyId!: CreationOptional<string | null>;

  @CreatedAt
  override createdAt!: CreationOptional<Date>;

  @UpdatedAt
  override updatedAt!: CreationOptional<Date>;

  toPublic(): PublicTenant {
    return {
      id: this.id,
      name: this.name,
      clientId: this.clientId,
      appKey: this.appKey,
      domain: this.domain ?? null,
      outerInstanceId: this.outerInstanceId ?? null,
      status: this.status,
      baseUrl: this.baseUrl ?? null,
      hasClientSecret: Boolean(this.clientSecretEnc),
      hasAppSecret: Boolean(this.appSecretEnc),
      secretKeyId: this.secretKeyId ?? null,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
  }

  override toJSON<T = PublicTenant>(): T {
    return this.toPublic() as T;
  }
}
