import { writeFile } from "node:fs/promises";
import type { RouterInputs } from "@erpbridge/client";
import { choiceValue, type CommandSpec, integerValue, stringValue, uuidValue, type Values } from "../command.js";
import { type RunContext, UsageError } from "../context.js";
import { formatDate, formatDuration, table } from "../format.js";

/** The server's bound (admin.customers.issueToken). */
const MAX_TOKEN_USES = 10_000;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Where `--out` asks an image to be written (relative to where `pnpm admin` was run); undefined without it. */
function outPath(ctx: RunContext, values: Values): string | undefined {
  const out = stringValue(values, "out");
  if (out !== undefined && !out) throw new UsageError("--out needs a file name");
  return out ? ctx.path(out) : undefined;
}

const expiryLine = (expiresAt: Date) => `expires: ${formatDate(expiresAt)} (in ${formatDuration(expiresAt.getTime() - Date.now())})`;

export const customerToken: CommandSpec = {
  name: "customer:token",
  summary: "issue a mini-program login token for a customer (and its QR code)",
  synopsis: "--customer <id> [--out <qr.png>] [--ttl-hours <n>] [--max-uses <n>]",
  description: [
    "Issues a login token for one customer, prints it with its id and expiry, and writes its QR code",
    "(PNG) to --out. The customer scans the code in the mini-program to log in.",
    "The token is single-use unless --max-uses allows more logins (a shop's printed QR code for its",
    "staff). customer:revoke-token --token-id <id> revokes it and ends the sessions it opened.",
  ].join("\n"),
  options: {
    customer: { type: "string", short: "c", value: "<id>", description: "customer id", required: true },
    out: { type: "string", short: "o", value: "<file.png>", description: "write the QR code PNG to this file" },
    "ttl-hours": { type: "string", value: "<n>", description: "token lifetime in hours, at most 2160 (default: the server's CUSTOMER_LOGIN_TOKEN_TTL_HOURS)" },
    "max-uses": { type: "string", value: "<n>", description: `logins the token allows, at most ${MAX_TOKEN_USES} (default 1: single-use)` },
  },
  examples: [
    "pnpm admin customer:token --customer 0b7e… --out qr.png --ttl-hours 48",
    "pnpm admin customer:token --customer 0b7e… --out shop-qr.png --max-uses 20",
  ],
  async run(ctx, values) {
    const customerId = uuidValue(values, "customer", true);
    const ttlHours = integerValue(values, "ttl-hours", { min: 1, max: 24 * 90 });
    const maxUses = integerValue(values, "max-uses", { min: 1, max: MAX_TOKEN_USES });
    const out = outPath(ctx, values);

    const issued = await ctx.api().admin.customers.issueToken.mutate({ customerId, ...(ttlHours ? { ttlHours } : {}), ...(maxUses ? { maxUses } : {}) });
    ctx.io.out(`token: ${issued.token}`);
    ctx.io.out(`token id: ${issued.tokenId}`);
    ctx.io.out(`uses: ${issued.maxUses === 1 ? "1 (single-use)" : `up to ${issued.maxUses}`}`);
    ctx.io.out(expiryLine(new Date(issued.expiresAt)));
    if (issued.loginUrl) ctx.io.out(`login url: ${issued.loginUrl}`);
    if (out) {
      const png = Buffer.from(issued.qrPngBase64, "base64");
      if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error("the server's QR code is not a PNG");
      await writeFile(out, png);
      ctx.io.out(`qr: wrote ${out} (${png.length} bytes)`);
    } else {
      ctx.io.out("qr: not written (pass --out qr.png to save the QR code)");
    }
  },
};

export const customerTokens: CommandSpec = {
  name: "customer:tokens",
  summary: "list a customer's login tokens (ids, uses, expiry, revocation)",
  synopsis: "--customer <id> [--json]",
  description: "Lists the customer's login tokens, newest first. The tokens themselves are never shown again.",
  options: {
    customer: { type: "string", short: "c", value: "<id>", description: "customer id", required: true },
    json: { type: "boolean", description: "print JSON" },
  },
  async run(ctx, values) {
    const customerId = uuidValue(values, "customer", true);
    const tokens = await ctx.api().admin.customers.loginTokens.query({ customerId });
    if (values.json) {
      ctx.io.out(JSON.stringify(tokens, null, 2));
      return;
    }
    if (tokens.length === 0) {
      ctx.io.out("no login tokens");
      return;
    }
    const state = (t: (typeof tokens)[number]) =>
      t.revokedAt ? `revoked ${formatDate(new Date(t.revokedAt))}`
      : new Date(t.expiresAt).getTime() <= Date.now() ? "expired"
      : t.useCount >= t.maxUses ? "used up"
      : "usable";
    ctx.io.out(
      table(
        ["TOKEN ID", "USES", "CREATED", "EXPIRES", "STATE"],
        tokens.map((t) => [t.tokenId, `${t.useCount}/${t.maxUses}`, formatDate(new Date(t.createdAt)), formatDate(new Date(t.expiresAt)), state(t)]),
      ),
    );
  },
};

export const customerRevokeToken: CommandSpec = {
  name: "customer:revoke-token",
  summary: "revoke a login token and end the sessions it opened",
  synopsis: "--token-id <id>",
  description: "Revokes a customer login token (its id is printed by customer:token and customer:tokens): it logs in no more,\nand every mini-program session opened with it ends. Revoking again is harmless.",
  options: {
    "token-id": { type: "string", value: "<id>", description: "the login token's id", required: true },
  },
  examples: ["pnpm admin customer:revoke-token --token-id 5d0c…"],
  async run(ctx, values) {
    const tokenId = uuidValue(values, "token-id", true);
    const revoked = await ctx.api().admin.customers.revokeToken.mutate({ tokenId });
    ctx.io.out(`revoked token ${revoked.tokenId} (customer ${revoked.customerId}) at ${formatDate(new Date(revoked.revokedAt))}`);
    ctx.io.out(`sessions ended: ${revoked.sessionsEnded}`);
  },
};

type InviteEnvVersion = NonNullable<RouterInputs["admin"]["customers"]["invite"]["envVersion"]>;
// Keyed by the server's input type: a version added or removed there fails this build.
const ENV_VERSIONS: Record<InviteEnvVersion, true> = { release: true, trial: true, develop: true };

export const customerInvite: CommandSpec = {
  name: "customer:invite",
  summary: "create a WeChat invite (mini-program code) that binds a WeChat user to a customer",
  synopsis: "--customer <id> [--out <code.png>] [--ttl-hours <n>] [--allow-rebind] [--env-version <release|trial|develop>]",
  description: [
    "Creates a single-use invite for one customer: a WeChat mini-program code that opens the login page.",
    "Scanning it in WeChat binds that WeChat account to the customer (one invite per account; staff may",
    "each bind to the same customer). Writes the code image to --out. Needs WeChat configured on the server.",
  ].join("\n"),
  options: {
    customer: { type: "string", short: "c", value: "<id>", description: "customer id", required: true },
    out: { type: "string", short: "o", value: "<file.png>", description: "write the mini-program code image to this file" },
    "ttl-hours": { type: "string", value: "<n>", description: "invite lifetime in hours, at most 2160 (default: the server's CUSTOMER_LOGIN_TOKEN_TTL_HOURS)" },
    "allow-rebind": { type: "boolean", description: "let a WeChat account bound to another customer move to this one" },
    "env-version": {
      type: "string",
      value: "<version>",
      description: "mini-program version the code opens: release (default, page must be released), trial or develop",
    },
  },
  examples: ["pnpm admin customer:invite --customer 0b7e… --out invite.png", "pnpm admin customer:invite -c 0b7e… --env-version trial --allow-rebind"],
  async run(ctx, values) {
    const customerId = uuidValue(values, "customer", true);
    const ttlHours = integerValue(values, "ttl-hours", { min: 1, max: 24 * 90 });
    const envVersion = choiceValue(values, "env-version", ENV_VERSIONS);
    const out = outPath(ctx, values);

    const invite = await ctx.api().admin.customers.invite.mutate({
      customerId,
      ...(ttlHours ? { ttlHours } : {}),
      ...(values["allow-rebind"] ? { allowRebind: true } : {}),
      ...(envVersion ? { envVersion } : {}),
    });
    ctx.io.out(`invite for customer ${invite.customerId}`);
    ctx.io.out(`page: ${invite.page}`);
    ctx.io.out(expiryLine(new Date(invite.expiresAt)));
    ctx.io.out(`rebind: ${invite.allowRebind ? "allowed" : "not allowed"}`);
    if (out) {
      const image = Buffer.from(invite.qrImageBase64, "base64");
      await writeFile(out, image);
      ctx.io.out(`code: wrote ${out} (${image.length} bytes, ${invite.qrMimeType})`);
    } else {
      ctx.io.out("code: not written (pass --out invite.png to save the mini-program code)");
    }
  },
};

export const customerList: CommandSpec = {
  name: "customer:list",
  summary: "find customers (ids for customer:token)",
  synopsis: "[--tenant <id>] [--search <text>] [--page <n>] [--json]",
  description: "Lists customers by name, 50 a page; --search matches name, number or phone.",
  options: {
    tenant: { type: "string", short: "t", value: "<id>", description: "only this tenant's customers" },
    search: { type: "string", short: "s", value: "<text>", description: "part of a name, number or phone" },
    page: { type: "string", value: "<n>", description: "page number (default 1)" },
    json: { type: "boolean", description: "print JSON" },
  },
  async run(ctx, values) {
    const tenantId = uuidValue(values, "tenant");
    const search = stringValue(values, "search");
    const page = integerValue(values, "page", { min: 1, max: 100_000 }) ?? 1;
    const result = await ctx.api().admin.customers.list.query({ ...(tenantId ? { tenantId } : {}), ...(search ? { search } : {}), page });
    if (values.json) {
      ctx.io.out(JSON.stringify(result, null, 2));
      return;
    }
    if (result.customers.length === 0) {
      ctx.io.out(result.total > 0 ? `no customers on page ${page} (${result.total} in all)` : "no customers found");
      return;
    }
    ctx.io.out(
      table(
        ["ID", "NAME", "NUMBER", "PHONE", "KINGDEE ID"],
        result.customers.map((c) => [c.id, c.name, c.number ?? "-", c.phone ?? "-", c.kingdeeCustomerId ?? "(local)"]),
      ),
    );
    const shown = (page - 1) * result.pageSize + result.customers.length;
    if (result.total > shown || page > 1) ctx.io.out(`page ${page}: ${shown - result.customers.length + 1}-${shown} of ${result.total}`);
  },
};
