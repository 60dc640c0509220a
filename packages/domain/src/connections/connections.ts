import { UniqueConstraintError } from "sequelize";
import { z } from "zod";
import { idInput, requiredText } from "../inputs/schemas.js";
import { Tenant } from "../models/tenant.js";
import type { Keyring } from "../secrets/keyring.js";
import { Connection, type ConnectionStatus, type PublicConnection } from "./connection.js";
import { setConnectionSecrets } from "./credentials.js";
import { ConnectionConflictError, ConnectionNotFoundError, TenantNotFoundError } from "./errors.js";
import { type ConnectionKind, connectionKinds, connectionKindSchema } from "./kinds/index.js";

/** What an admin may set; `needs_authorization` is derived from what the connection lacks. */
export const connectionStatusInput = z.enum(["active", "disabled"]);

/** Settings and secrets are checked against the kind's own schemas (src/connections/kinds) by the use case. */
const settingsInput = z.record(z.string(), z.unknown());
const secretsInput = z.record(z.string(), z.unknown());

export const createConnectionInputSchema = z.strictObject({
  tenantId: idInput,
  kind: connectionKindSchema,
  name: requiredText(64).optional(),
  status: connectionStatusInput.optional(),
  settings: settingsInput,
  secrets: secretsInput.optional(),
});
export type CreateConnectionInput = z.input<typeof createConnectionInputSchema>;

/** Settings given are merged into the stored ones (`null` clears one); a secret left out stays unchanged. */
export const updateConnectionInputSchema = z.strictObject({
  connectionId: idInput,
  name: requiredText(64).optional(),
  status: connectionStatusInput.optional(),
  settings: settingsInput.optional(),
  secrets: secretsInput.optional(),
});
export type UpdateConnectionInput = z.input<typeof updateConnectionInputSchema>;

export const connectionIdInputSchema = z.strictObject({ connectionId: idInput });
export const tenantConnectionsInputSchema = z.strictObject({ tenantId: idInput });

/**
 * Parses with the kind's schema under `field`, so an issue carries its full path
 * (`settings.domain`) and the error names it: a ZodError like any input's, a BAD_REQUEST.
 */
function parseUnder<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  return (z.object({ [field]: schema }).parse({ [field]: value }) as Record<string, T>)[field]!;
}

/** Stored settings as the kind reads them: null entries dropped. */
function withoutNulls(settings: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== null && v !== undefined));
}

function derivedStatus(kind: ConnectionKind, wanted: "active" | "disabled", settings: Record<string, unknown>, credentials: Record<string, string>): ConnectionStatus {
  if (wanted === "disabled") return "disabled";
  const spec = connectionKinds[kind];
  return spec.missing(spec.settings.parse(settings), credentials).length > 0 ? "needs_authorization" : "active";
}

/**
 * Applies settings, secrets and status to a connection (new or loaded) after checking them
 * against its kind, and recomputes the status. Does not save.
 */
export function applyConnectionChanges(
  connection: Connection,
  keyring: Keyring,
  changes: { settings?: Record<string, unknown>; secrets?: Record<string, unknown>; status?: "active" | "disabled" },
): void {
  const spec = connectionKinds[connection.kind];
  const merged = withoutNulls({ ...connection.settings, ...changes.settings });
  const settings = parseUnder(spec.settings, merged, "settings");
  const secrets = parseUnder(spec.secretsInput, changes.secrets ?? {}, "secrets");
  connection.settings = settings;
  setConnectionSecrets(connection, keyring, secrets);
  const wanted = changes.status ?? (connection.status === "disabled" ? "disabled" : "active");
  connection.status = derivedStatus(connection.kind, wanted, connection.settings, connection.credentials);
}

async function saveUnique(connection: Connection): Promise<void> {
  try {
    await connection.save();
  } catch (error) {
    if (error instanceof UniqueConstraintError) {
      throw new ConnectionConflictError(
        `another ${connection.kind} connection already uses this name for the tenant, or the same outside account`,
        { cause: error },
      );
    }
    throw error;
  }
}

async function requireConnection(connectionId: string): Promise<Connection> {
  const connection = await Connection.findByPk(connectionId);
  if (!connection) throw new ConnectionNotFoundError(connectionId);
  return connection;
}

/** A tenant's connections, secrets masked (set or not). */
export async function listConnections(input: z.input<typeof tenantConnectionsInputSchema>): Promise<PublicConnection[]> {
  const { tenantId } = tenantConnectionsInputSchema.parse(input);
  if (!(await Tenant.findByPk(tenantId, { attributes: ["id"] }))) throw new TenantNotFoundError(tenantId);
  const rows = await Connection.findAll({ where: { tenantId }, order: [["kind", "ASC"], ["name", "ASC"]] });
  return rows.map((c) => c.toPublic());
}

export async function getConnection(input: z.input<typeof connectionIdInputSchema>): Promise<PublicConnection> {
  return (await requireConnection(connectionIdInputSchema.parse(input).connectionId)).toPublic();
}

export async function createConnection(keyring: Keyring, input: CreateConnectionInput): Promise<PublicConnection> {
  const data = createConnectionInputSchema.parse(input);
  if (!(await Tenant.findByPk(data.tenantId, { attributes: ["id"] }))) throw new TenantNotFoundError(data.tenantId);
  const connection = Connection.build({ tenantId: data.tenantId, kind: data.kind, name: data.name ?? "default" });
  applyConnectionChanges(connection, keyring, { settings: data.settings, secrets: data.secrets, status: data.status });
  await saveUnique(connection);
  return connection.toPublic();
}

export async function updateConnection(keyring: Keyring, input: UpdateConnectionInput): Promise<PublicConnection> {
  const data = updateConnectionInputSchema.parse(input);
  const connection = await requireConnection(data.connectionId);
  if (data.name !== undefined) connection.name = data.name;
  applyConnectionChanges(connection, keyring, { settings: data.settings, secrets: data.secrets, status: data.status });
  await saveUnique(connection);
  return connection.toPublic();
}

export async function disableConnection(input: z.input<typeof connectionIdInputSchema>): Promise<PublicConnection> {
  const connection = await requireConnection(connectionIdInputSchema.parse(input).connectionId);
  connection.status = "disabled";
  await connection.save();
  return connection.toPublic();
}

/** The tenant's connection of that kind and name, or null. */
export async function findTenantConnection(tenantId: string, kind: ConnectionKind, name = "default"): Promise<Connection | null> {
  return Connection.findOne({ where: { tenantId, kind, name } });
}
