import { KingdeeError } from "@erpbridge/kingdee-sdk";
import { SecretDecryptionError } from "../secrets/crypto.js";
import type { Keyring } from "../secrets/keyring.js";
import { Connection } from "./connection.js";
import { connectionIdInputSchema } from "./connections.js";
import { decryptCredentials } from "./credentials.js";
import { ConnectionNotFoundError } from "./errors.js";
import { connectionKinds } from "./kinds/index.js";
import { type KingdeeClientDefaults, kingdeeJdyTestCall } from "./kinds/kingdee-jdy.js";

/** A test call's answer: ok, or why not as a category and a message that never holds a secret. */
export type ConnectionTestResult =
  | { ok: true; latencyMs: number }
  | { ok: false; category: string; message: string };

export interface ConnectionTestDefaults {
  kingdee_jdy?: KingdeeClientDefaults;
}

/** Blanks every secret value the message might echo (a gateway quoting what it was sent). */
function redact(message: string, secrets: Record<string, string>): string {
  return Object.values(secrets).reduce((text, secret) => (secret ? text.split(secret).join("***") : text), message);
}

/**
 * One authenticated call to the outside system with the stored settings and secrets (Kingdee:
 * fetch an app token). Every failure is an answer, not an error: the operator wants to know why.
 */
export async function testConnection(
  keyring: Keyring,
  input: { connectionId: string },
  defaults: ConnectionTestDefaults = {},
): Promise<ConnectionTestResult> {
  const { connectionId } = connectionIdInputSchema.parse(input);
  const connection = await Connection.findByPk(connectionId);
  if (!connection) throw new ConnectionNotFoundError(connectionId);
  if (connection.status === "disabled") return { ok: false, category: "disabled", message: "the connection is disabled" };
  let secrets: Record<string, string>;
  try {
    secrets = decryptCredentials(connection, keyring);
  } catch (error) {
    if (error instanceof SecretDecryptionError) return { ok: false, category: "secrets_unreadable", message: error.message };
    throw error;
  }
  const spec = connectionKinds[connection.kind];
  const settings = spec.settings.parse(connection.settings);
  const missing = spec.missing(settings, secrets);
  if (missing.length > 0) return { ok: false, category: "not_ready", message: `the connection lacks ${missing.join(", ")}` };
  const started = Date.now();
  try {
    await kingdeeJdyTestCall(settings, secrets, defaults.kingdee_jdy ?? {});
    return { ok: true, latencyMs: Date.now() - started };
  } catch (error) {
    if (error instanceof KingdeeError) return { ok: false, category: error.category, message: redact(error.message, secrets) };
    // The SDK refuses a config it cannot use (e.g. a malformed base URL) before any call.
    if (error instanceof TypeError) return { ok: false, category: "invalid_settings", message: redact(error.message, secrets) };
    throw error;
  }
}
