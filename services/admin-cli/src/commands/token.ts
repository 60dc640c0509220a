import { type CommandSpec, uuidValue } from "../command.js";
import { formatDate, formatDuration } from "../format.js";

export const tokenStatus: CommandSpec = {
  name: "token:status",
  summary: "a tenant's Kingdee app-token expiry (never the token)",
  synopsis: "--tenant <id> [--refresh] [--json]",
  description: [
    "Shows whether the tenant's Kingdee app-token is cached, when it was fetched and when it",
    "expires. The token itself is never shown. --refresh fetches a new one first.",
  ].join("\n"),
  options: {
    tenant: { type: "string", short: "t", value: "<id>", description: "tenant id", required: true },
    refresh: { type: "boolean", description: "fetch a new app-token from Kingdee first" },
    json: { type: "boolean", description: "print JSON" },
  },
  async run(ctx, values) {
    const tenantId = uuidValue(values, "tenant", true);
    const api = ctx.api();
    if (values.refresh) {
      await api.admin.kingdee.refreshToken.mutate({ tenantId });
      if (!values.json) ctx.io.out("refreshed the app-token");
    }
    const status = await api.admin.kingdee.tokenStatus.query({ tenantId });
    if (values.json) {
      ctx.io.out(JSON.stringify(status, null, 2));
      return;
    }
    if (!status.cached) {
      ctx.io.out(`tenant ${tenantId}: no app-token cached (one is fetched on the next Kingdee call, or use --refresh)`);
      return;
    }
    const left = status.expiresInSeconds * 1000;
    ctx.io.out(`tenant ${tenantId}: app-token cached`);
    ctx.io.out(`  refreshed: ${formatDate(status.refreshedAt)}`);
    ctx.io.out(`  expires:   ${formatDate(status.expiresAt)} (${left > 0 ? `in ${formatDuration(left)}` : `expired ${formatDuration(-left)} ago`})`);
  },
};
