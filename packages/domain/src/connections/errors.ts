import { DomainError } from "../errors.js";

/** No tenant with that id: the caller named the wrong one (NOT_FOUND), unlike a tenant not ready yet. */
export class TenantNotFoundError extends DomainError {
  readonly kind = "not_found";
  readonly code = "TENANT_NOT_FOUND";
  constructor(readonly tenantId: string) {
    super("tenant not found");
  }
}

/** The tenant or its connection cannot be used yet: disabled, or its authorization is incomplete (PRECONDITION_FAILED). */
export class TenantNotReadyError extends DomainError {
  readonly kind = "precondition_failed";
  readonly code = "TENANT_NOT_READY";
}

export class ConnectionNotFoundError extends DomainError {
  readonly kind = "not_found";
  readonly code = "CONNECTION_NOT_FOUND";
  constructor(readonly connectionId: string) {
    super("connection not found");
  }
}

/** Another connection already holds that tenant × kind × name, or the same outside account (CONFLICT). */
export class ConnectionConflictError extends DomainError {
  readonly kind = "conflict";
  readonly code = "CONNECTION_CONFLICT";
}
