import type { Connection } from "../connections/connection.js";
import { findTenantConnection } from "../connections/connections.js";
import { TenantNotReadyError } from "../connections/errors.js";
import type { ConnectionKind } from "../connections/kinds/index.js";

/**
 * The connection through which a tenant's records of one system kind are read (its `default`
 * one); `source_record`, `sync_job` and sync runs are keyed by it. The one place the sync resolves it.
 */
export async function connectionOf(tenantId: string, kind: ConnectionKind): Promise<Connection> {
  const connection = await findTenantConnection(tenantId, kind);
  if (!connection) throw new TenantNotReadyError(`tenant ${tenantId} has no ${kind} connection`);
  return connection;
}

export async function connectionIdOf(tenantId: string, kind: ConnectionKind): Promise<string> {
  return (await connectionOf(tenantId, kind)).id;
}
