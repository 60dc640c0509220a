/** What a domain error means to its caller. The api maps each kind to one protocol code, in one place (`trpc.ts`). */
export type DomainErrorKind = "not_found" | "conflict" | "precondition_failed" | "unauthorized";

/** A failure the domain expects and names: the caller named something wrong, or the state forbids it now. */
export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  /** Stable machine-readable name, e.g. `TENANT_NOT_FOUND`. */
  abstract readonly code: string;
}
