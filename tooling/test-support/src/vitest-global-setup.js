// vitest globalSetup: make sure DATABASE_URL points at a PostgreSQL server before test files run
// (embedded PostgreSQL when it is unset), and stop the embedded server at teardown.
import { ensureDatabaseUrl } from "./postgres.js";

/** @type {import('./postgres.js').DatabaseServer | undefined} */
let server;

export async function setup() {
  server = await ensureDatabaseUrl();
}

export async function teardown() {
  await server?.stop();
  server = undefined;
}
