// The connections bounded context: a tenant's links to outside systems, their encrypted
// credentials, and the SDK clients built from them.
export { Connection, CONNECTION_STATUSES, type ConnectionStatus, type PublicConnection } from "./connection.js";
export {
  connectionIdInputSchema, connectionStatusInput, createConnection, createConnectionInputSchema, disableConnection,
  findTenantConnection, getConnection, listConnections, tenantConnectionsInputSchema, updateConnection, updateConnectionInputSchema,
  type CreateConnectionInput, type UpdateConnectionInput,
} from "./connections.js";
export { decryptCredentials, reencryptConnections, setConnectionSecrets, type ReencryptResult, type StoredCredentials } from "./credentials.js";
export { ConnectionConflictError, ConnectionNotFoundError, TenantNotFoundError, TenantNotReadyError } from "./errors.js";
export { KingdeeClients, type KingdeeClientsOptions } from "./kingdee-clients.js";
export { CONNECTION_KINDS, connectionKinds, connectionKindSchema, type ConnectionKind, type ConnectionKindSpec } from "./kinds/index.js";
export {
  KINGDEE_JDY_SECRETS, kingdeeJdySecretsSchema, kingdeeJdySettingsSchema, type KingdeeClientDefaults, type KingdeeJdySecrets,
  type KingdeeJdySettings,
} from "./kinds/kingdee-jdy.js";
export { testConnection, type ConnectionTestDefaults, type ConnectionTestResult } from "./test-call.js";
