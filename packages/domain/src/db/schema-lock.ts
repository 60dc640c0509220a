/**
 * Advisory-lock key (`hashtext(key)`) held while our database schema changes: by migrations, and by
 * the job backend while it creates its own tables (jobs/backend.ts). Replicas starting together
 * on an empty database then never run DDL side by side.
 */
export const SCHEMA_LOCK_KEY = "erpbridge:migrate";
