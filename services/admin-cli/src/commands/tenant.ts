import { readFile } from "node:fs/promises";
import type { RouterInputs } from "@erpbridge/client";
import { z } from "zod";
import { type CommandSpec, requiredValue } from "../command.js";
import { UsageError } from "../context.js";
import { formatDate, maskSecret, table } from "../format.js";

/**
 * The tenant file: the same fields as `admin.tenant.upsert`, checked here first so a typo never
 * reaches the server. Unknown keys are refused (a misspelt `appSecret` would otherwise be dropped
 * silently and leave the old secret in place).
 */
export const tenantFileSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  clientId: z.string().trim().min(1).max(64),
  appKey: z.string().trim().min(1).max(64),
  clientSecret: z.string().min(1).max(256).nullable().optional(),
  appSecret: z.string().min(1).max(256).nullable().optional(),
  domain: z.url().nullable().optional(),
  outerInstanceId: z.string().trim().min(1).max(128).nullable().optional(),
  baseUrl: z.url().nullable().optional(),
  status: z.enum(["active", "disabled"]).optional(),
});

// The file's shape must stay assignable to the procedure's input.
type TenantUpsertInput = RouterInputs["admin"]["tenant"]["upsert"];
const _fileMatchesProcedure: (file: z.output<typeof tenantFileSchema>) => TenantUpsertInput = (file) => file;
void _fileMatchesProcedure;

export const tenantUpsert: CommandSpec = {
  name: "tenant:upsert",
  summary: "create or update a tenant from a JSON file",
  synopsis: "--file <tenant.json>",
  description: [
    "Creates or updates the tenant keyed by (clientId, appKey). The file is validated before",
    "anything is sent. A secret left out of the file stays unchanged; null clears it.",
    "",
    "file fields: clientId, appKey (required); name, clientSecret, appSecret, domain,",
    "outerInstanceId, baseUrl, status (active | disabled).",
  ].join("\n"),
  options: {
    file: { type: "string", short: "f", value: "<path>", description: "tenant JSON file", required: true },
  },
  examples: [`pnpm admin tenant:upsert --file ./tenant.json`],
  async run(ctx, values) {
    const file = ctx.path(requiredValue(values, "file", "<path>"));
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw new UsageError(`--file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`--file: ${file} is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = tenantFileSchema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join(".") || "(file)"}: ${issue.message}`);
      throw new UsageError(`--file: ${file} is not a valid tenant: ${problems.join("; ")}`);
    }
    const { tenant, created } = await ctx.api().admin.tenant.upsert.mutate(parsed.data);
    ctx.io.out(`${created ? "created" : "updated"} tenant ${tenant.id} (${tenant.name})`);
    ctx.io.out(`  clientId ${tenant.clientId ?? "-"}  appKey ${tenant.appKey ?? "-"}  status ${tenant.status}`);
    ctx.io.out(`  clientSecret ${maskSecret(tenant.hasClientSecret)}  appSecret ${maskSecret(tenant.hasAppSecret)}`);
  },
};

export const tenantList: CommandSpec = {
  name: "tenant:list",
  summary: "list tenants (secrets masked)",
  synopsis: "[--json]",
  description: "Lists every tenant. Secrets are never shown, only whether each is set.",
  options: {
    json: { type: "boolean", description: "print JSON instead of a table" },
  },
  async run(ctx, values) {
    const tenants = await ctx.api().admin.tenant.list.query();
    if (values.json) {
      ctx.io.out(JSON.stringify(tenants, null, 2));
      return;
    }
    if (tenants.length === 0) {
      ctx.io.out("no tenants yet (add one with tenant:upsert)");
      return;
    }
    ctx.io.out(
      table(
        ["ID", "NAME", "CLIENT ID", "APP KEY", "STATUS", "CLIENT SECRET", "APP SECRET", "DOMAIN", "UPDATED"],
        tenants.map((t) => [
          t.id, t.name, t.clientId ?? "-", t.appKey ?? "-", t.status, maskSecret(t.hasClientSecret), maskSecret(t.hasAppSecret), t.domain ?? "-",
          formatDate(t.updatedAt),
        ]),
      ),
    );
  },
};
