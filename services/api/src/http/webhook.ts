import { upsertTenant } from "@erpbridge/domain";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { sameSecret } from "../auth.js";
import type { AppServices } from "../services.js";

/** One authorization in Kingdee's push (`data[]`); field names as in `push_app_authorize`. */
const pushedAuthorization = z.looseObject({
  outerInstanceId: z.coerce.string().min(1),
  appKey: z.string().min(1),
  appSecret: z.string().min(1),
  domain: z.url(),
  clientId: z.coerce.string().min(1).optional(),
  accountName: z.string().optional(),
  status: z.coerce.number().optional(),
});

const pushSchema = z.looseObject({
  bizType: z.string().optional(),
  timestamp: z.union([z.string(), z.number()]).optional(),
  data: z.array(pushedAuthorization).min(1),
});

/**
 * `POST /webhook/kingdee/auth`: Kingdee pushes a tenant's authorization (appKey, appSecret, IDC
 * domain). Validated, upserted by (clientId, appKey) — a repeated push changes nothing — and
 * answered with the plain text `success` Kingdee expects.
 */
export function registerKingdeeWebhook(app: FastifyInstance, services: AppServices): void {
  app.post("/webhook/kingdee/auth", async (req, reply) => {
    const expected = services.config.KINGDEE_WEBHOOK_TOKEN;
    if (expected) {
      const given = String((req.query as Record<string, unknown>).token ?? "");
      if (!sameSecret(given, expected)) return reply.code(401).type("text/plain").send("unauthorized");
    }
    const parsed = pushSchema.safeParse(req.body);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
      return reply.code(400).send({ error: "malformed authorization push", fields });
    }
    for (const auth of parsed.data.data) {
      const clientId = auth.clientId ?? services.config.KINGDEE_CLIENT_ID;
      if (!clientId) return reply.code(400).send({ error: "malformed authorization push", fields: ["data.clientId: required (no KINGDEE_CLIENT_ID configured)"] });
      const { tenant, created } = await upsertTenant(services.keyring, {
        clientId,
        appKey: auth.appKey,
        appSecret: auth.appSecret,
        domain: auth.domain,
        outerInstanceId: auth.outerInstanceId,
        ...(auth.accountName ? { name: auth.accountName } : {}),
        ...(auth.status !== undefined ? { status: auth.status === 1 ? "active" : "disabled" } : {}),
        // The ISV app's own secret is not in the push; new tenants get the configured one.
        ...(services.config.KINGDEE_CLIENT_SECRET ? { clientSecret: services.config.KINGDEE_CLIENT_SECRET } : {}),
        ...(services.config.KINGDEE_BASE_URL ? { baseUrl: services.config.KINGDEE_BASE_URL } : {}),
      });
      services.kingdee.forget(tenant.id);
      await services.scheduleTenant(tenant.id);
      req.log.info({ tenantId: tenant.id, created, appKey: tenant.appKey }, "kingdee authorization received");
    }
    return reply.type("text/plain").send("success");
  });
}
