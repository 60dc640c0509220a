import type { RouterInputs, RouterOutputs } from "@erpbridge/client";
import { choiceValue, type CommandSpec, listChoices, stringValue, uuidValue, type Values } from "../command.js";
import { CommandFailed, type RunContext, UsageError } from "../context.js";
import { formatDate, maskSecret, table } from "../format.js";

type ConnectionKind = RouterInputs["admin"]["connections"]["create"]["kind"];
type PublicConnection = RouterOutputs["admin"]["connections"]["get"];

// Keyed by the API's own kind type: a kind added there fails to compile here until listed.
const KINDS: Record<ConnectionKind, true> = { kingdee_jdy: true };
const STATUSES: Record<"active" | "disabled", true> = { active: true, disabled: true };
/** Secrets as JSON in the environment: kept off the command line, where `ps` would show them. */
const SECRETS_ENV = "CONNECTION_SECRETS";

/** A JSON object from an option (or the environment), or a usage error naming where it came from. */
function jsonObject(text: string | undefined, source: string): Record<string, unknown> | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new UsageError(`${source} must be a JSON object`);
  return value as Record<string, unknown>;
}

const describeSettings = (settings: Record<string, unknown>) =>
  Object.entries(settings).map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`).join(" ") || "-";

const describeSecrets = (secrets: Record<string, boolean>) =>
  Object.entries(secrets).map(([name, isSet]) => `${name} ${maskSecret(isSet)}`).join("  ") || "-";

function printConnection(ctx: RunContext, connection: PublicConnection): void {
  ctx.io.out(`  kind ${connection.kind}  name ${connection.name}  status ${connection.status}`);
  ctx.io.out(`  settings ${describeSettings(connection.settings)}`);
  ctx.io.out(`  secrets  ${describeSecrets(connection.secrets)}`);
}

/** The connection an option set names: --connection <id>, or --tenant with --kind (and --name). */
async function findConnection(ctx: RunContext, values: Values): Promise<PublicConnection | undefined> {
  const connectionId = uuidValue(values, "connection");
  if (connectionId) return ctx.api().admin.connections.get.query({ connectionId });
  const tenantId = uuidValue(values, "tenant");
  const kind = choiceValue(values, "kind", KINDS);
  if (!tenantId || !kind) throw new UsageError("name the connection with --connection <id>, or with --tenant <id> and --kind <kind>");
  const name = stringValue(values, "name") || "default";
  const connections = await ctx.api().admin.connections.list.query({ tenantId });
  return connections.find((c) => c.kind === kind && c.name === name);
}

export const connectionList: CommandSpec = {
  name: "connection:list",
  summary: "list a tenant's connections to outside systems (secrets masked)",
  synopsis: "--tenant <id> [--json]",
  description: "Lists the tenant's connections: kind, name, status and settings. Secrets are never shown, only whether each is set.",
  options: {
    tenant: { type: "string", short: "t", value: "<id>", description: "tenant id", required: true },
    json: { type: "boolean", description: "print JSON instead of a table" },
  },
  async run(ctx, values) {
    const tenantId = uuidValue(values, "tenant", true);
    const connections = await ctx.api().admin.connections.list.query({ tenantId });
    if (values.json) {
      ctx.io.out(JSON.stringify(connections, null, 2));
      return;
    }
    if (connections.length === 0) {
      ctx.io.out(`tenant ${tenantId} has no connections yet (add one with connection:set)`);
      return;
    }
    ctx.io.out(
      table(
        ["ID", "KIND", "NAME", "STATUS", "SECRETS", "UPDATED", "SETTINGS"],
        connections.map((c) => [c.id, c.kind, c.name, c.status, describeSecrets(c.secrets), formatDate(c.updatedAt), describeSettings(c.settings)]),
      ),
    );
  },
};

export const connectionSet: CommandSpec = {
  name: "connection:set",
  summary: "create or update a tenant's connection (settings, secrets, status)",
  synopsis: "--tenant <id> --kind <kind> [--name <name>] [--settings <json>] [--secrets <json>] [--status active|disabled]",
  description: [
    "Creates the tenant's connection of that kind and name (default: default), or updates it.",
    "Settings given are merged into the stored ones (null clears one). A secret left out stays",
    `unchanged; null clears it. Give secrets as JSON in $${SECRETS_ENV} (kept off the command line)`,
    "or with --secrets. The server checks settings and secrets against the kind.",
    "",
    `kinds: ${listChoices(KINDS)}`,
    "kingdee_jdy settings: clientId, appKey (required); domain, outerInstanceId, baseUrl.",
    "kingdee_jdy secrets: clientSecret, appSecret.",
  ].join("\n"),
  options: {
    tenant: { type: "string", short: "t", value: "<id>", description: "tenant id", required: true },
    kind: { type: "string", short: "k", value: "<kind>", description: `system kind: ${listChoices(KINDS)}`, required: true },
    name: { type: "string", short: "n", value: "<name>", description: "connection name (default: default)" },
    settings: { type: "string", value: "<json>", description: "settings as a JSON object" },
    secrets: { type: "string", value: "<json>", description: `secrets as a JSON object (prefer $${SECRETS_ENV})` },
    status: { type: "string", value: "<status>", description: `${listChoices(STATUSES)}` },
  },
  examples: [
    `pnpm admin connection:set --tenant <id> --kind kingdee_jdy --settings '{"domain":"https://tf.jdy.com"}'`,
    `${SECRETS_ENV}='{"appSecret":"…"}' pnpm admin connection:set --tenant <id> --kind kingdee_jdy`,
  ],
  async run(ctx, values) {
    const tenantId = uuidValue(values, "tenant", true);
    const kind = choiceValue(values, "kind", KINDS)!;
    const name = stringValue(values, "name") || "default";
    const status = choiceValue(values, "status", STATUSES);
    const settings = jsonObject(stringValue(values, "settings"), "--settings");
    const secrets = jsonObject(stringValue(values, "secrets"), "--secrets") ?? jsonObject(ctx.env[SECRETS_ENV], `$${SECRETS_ENV}`);
    const existing = await findConnection(ctx, { ...values, tenant: tenantId, kind, name, connection: undefined });
    const changes = { ...(status ? { status } : {}), ...(secrets ? { secrets } : {}) };
    const connection = existing
      ? await ctx.api().admin.connections.update.mutate({ connectionId: existing.id, ...(settings ? { settings } : {}), ...changes })
      : await ctx.api().admin.connections.create.mutate({ tenantId, kind, name, settings: settings ?? {}, ...changes });
    ctx.io.out(`${existing ? "updated" : "created"} connection ${connection.id}`);
    printConnection(ctx, connection);
  },
};

export const connectionTest: CommandSpec = {
  name: "connection:test",
  summary: "make one authenticated call with a connection's stored settings and secrets",
  synopsis: "(--connection <id> | --tenant <id> --kind <kind> [--name <name>]) [--json]",
  description: [
    "Calls the outside system once with what is stored (Kingdee: fetches an app-token) and says",
    "ok, or why not: a category (authentication, network, not_ready, disabled, …) and a message.",
    "Never shows a secret. Exits 1 when the call fails.",
  ].join("\n"),
  options: {
    connection: { type: "string", short: "c", value: "<id>", description: "connection id" },
    tenant: { type: "string", short: "t", value: "<id>", description: "tenant id (with --kind)" },
    kind: { type: "string", short: "k", value: "<kind>", description: `system kind: ${listChoices(KINDS)}` },
    name: { type: "string", short: "n", value: "<name>", description: "connection name (default: default)" },
    json: { type: "boolean", description: "print JSON" },
  },
  async run(ctx, values) {
    const connection = await findConnection(ctx, values);
    if (!connection) throw new UsageError("no such connection for that tenant (see connection:list)");
    const result = await ctx.api().admin.connections.test.mutate({ connectionId: connection.id });
    if (values.json) ctx.io.out(JSON.stringify(result, null, 2));
    else if (result.ok) ctx.io.out(`ok: ${connection.kind} connection ${connection.name} answered in ${result.latencyMs} ms`);
    else ctx.io.err(`failed (${result.category}): ${result.message}`);
    if (!result.ok) throw new CommandFailed(result.message);
  },
};

export const connectionReencrypt: CommandSpec = {
  name: "connection:reencrypt",
  summary: "rewrite every connection secret under the current ENCRYPTION_KEY (key rotation)",
  synopsis: "[--json]",
  description: [
    "Key rotation: put the new key in ENCRYPTION_KEY and the old one in ENCRYPTION_KEYS_PREVIOUS,",
    "restart the server, run this, then drop the old key. Secrets already under the current key",
    "are left as they are; running it twice changes nothing the second time. Never shows a secret.",
  ].join("\n"),
  options: { json: { type: "boolean", description: "print JSON" } },
  async run(ctx, values) {
    const result = await ctx.api().admin.connections.reencrypt.mutate();
    if (values.json) ctx.io.out(JSON.stringify(result, null, 2));
    else ctx.io.out(`re-encrypted ${result.reencrypted} of ${result.scanned} connections under the current key`);
  },
};
