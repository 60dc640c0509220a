/** No tenant with that id: the caller named the wrong one (NOT_FOUND), unlike a tenant not ready yet. */
export class TenantNotFoundError extends Error {
  readonly code = "TENANT_NOT_FOUND";
  constructor(readonly tenantId: string) {
    super("tenant not found");
  }
}

/** The tenant or its connection cannot be used yet: disabled, or its authorization is incomplete (PRECONDITION_FAILED). */
export class TenantNotReadyError extends Error {
  readonly code = "TENANT_NOT_READY";
}

export class ConnectionNotFoundError extends Error {
  readonly code = "CONNECTION_NOT_FOUND";
  constructor(readonly connectionId: string) {
    super("connection not found");
  }
}

/** Another connection already holds that tenant × kind × name, or the same outside account (CONFLICT). */
export class ConnectionConflictError extends Error {
  readonly code = "CONNECTION_CONFLICT";
}
