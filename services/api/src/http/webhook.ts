import { createHash } from "node:crypto";
import { describeInputError, externalIdInput, requiredText, textInput } from "@erpbridge/domain/inputs";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { sameSecret } from "../auth.js";
import { confirmPushedAuthorization, PullUnavailableError, PushDigests, type PushOutcome } from "../erp/authorization-push.js";
import type { AppServices } from "../services.js";

export const KINGDEE_WEBHOOK_PATH = "/webhook/kingdee/auth";

/** A push holds a handful of short fields; anything near this size is not one. */
const PUSH_BODY_LIMIT_BYTES = 64 * 1024;

/** Kingdee sends numeric ids as numbers or strings; both become our string ids. */
const numericOrTextId = z.union([externalIdInput, z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).transform(String)]);

/** One authorization in Kingdee's push (`data[]`); field names as in `push_app_authorize`. */
const pushedAuthorization = z.object({
  outerInstanceId: numericOrTextId,
  appKey: requiredText(64),
  appSecret: requiredText(256),
  domain: requiredText(256).pipe(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" })),
  clientId: numericOrTextId.optional(),
  accountName: textInput(200).optional(),
  status: z.union([z.number().int().min(-1000).max(1000), textInput(16)]).optional(),
});

/** Epoch milliseconds; UNCONFIRMED whether Kingdee sends seconds or milliseconds, so seconds are read too. */
const epochInput = z
  .union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,16}$/, { error: "must be epoch milliseconds" }).transform(Number)])
  .transform((value) => (value < 1e11 ? value * 1000 : value));

const pushSchema = z.object({
  bizType: textInput(64).optional(),
  timestamp: epochInput,
  data: z.array(pushedAuthorization).min(1, { error: "must hold at least one authorization" }).max(20, { error: "must hold at most 20 authorizations" }),
});

const refuse = (reply: FastifyReply, status: number, error: string, fields?: string[]) =>
  reply.code(status).send(fields ? { error, fields } : { error });

/**
 * `POST /webhook/kingdee/auth?token=…`: Kingdee announces a tenant's authorization. The push is only
 * a hint: after the shared token, size, type, freshness and replay checks, the authorization is
 * pulled back from Kingdee with our own client credentials and only what the pull returns is stored.
 *
 * Answers: 401 without the token; 413/415/400 for bodies that are too big, not JSON or malformed
 * (with field paths); 400 for a timestamp outside the window; 409 for a replayed body; 503 when the
 * pull cannot be made now (Kingdee retries); otherwise 200 `success`, including for a push the pull
 * does not confirm (logged at warn, nothing changed), so that Kingdee does not retry it forever.
 * Without KINGDEE_WEBHOOK_TOKEN the route does not exist.
 */
export function registerKingdeeWebhook(app: FastifyInstance, services: AppServices): void {
  const token = services.config.KINGDEE_WEBHOOK_TOKEN;
  if (!token) {
    services.logger.info("KINGDEE_WEBHOOK_TOKEN is not set: the Kingdee authorization webhook is off");
    return;
  }
  const maxAgeSeconds = services.config.KINGDEE_WEBHOOK_MAX_AGE_SECONDS;
  const digests = new PushDigests(services.db.sequelize, maxAgeSeconds);
  /** Each request's raw-body SHA-256, taken while parsing, for the replay check. */
  const bodyDigests = new WeakMap<FastifyRequest, string>();

  // Own scope: only JSON is parsed here (everything else is a 415) and errors get this route's answers.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("application/json", { parseAs: "string", bodyLimit: PUSH_BODY_LIMIT_BYTES }, (req, body, done) => {
      bodyDigests.set(req, createHash("sha256").update(body).digest("hex"));
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(Object.assign(new Error("body is not valid JSON"), { statusCode: 400, code: "WEBHOOK_INVALID_JSON" }), undefined);
      }
    });
    scope.setErrorHandler((error: FastifyError, req, reply) => {
      switch (error.statusCode) {
        case 413:
          return refuse(reply, 413, `an authorization push is at most ${PUSH_BODY_LIMIT_BYTES / 1024} KiB`);
        case 415:
          return refuse(reply, 415, "an authorization push must be JSON (content-type: application/json)");
        case 400:
          return refuse(reply, 400, "malformed authorization push", [error.code === "WEBHOOK_INVALID_JSON" ? "body: not valid JSON" : "body: unreadable"]);
        default:
          req.log.error({ err: error }, "kingdee authorization push failed");
          return refuse(reply, 500, "internal error");
      }
    });

    scope.post(KINGDEE_WEBHOOK_PATH, {
      bodyLimit: PUSH_BODY_LIMIT_BYTES,
      // The shared token is checked before the body is even read.
      onRequest: async (req, reply) => {
        const given = (req.query as Record<string, unknown>).token;
        if (typeof given !== "string" || !sameSecret(given, token)) return refuse(reply, 401, "unauthorized");
      },
      handler: async (req, reply) => {
        const parsed = pushSchema.safeParse(req.body);
        if (!parsed.success) {
          const fields = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
          return refuse(reply, 400, describeInputError(parsed.error), fields);
        }
        const ageSeconds = Math.abs(Date.now() - parsed.data.timestamp) / 1000;
        if (ageSeconds > maxAgeSeconds) {
          return refuse(reply, 400, `stale authorization push: timestamp is more than ${maxAgeSeconds} s from now`, [
            `timestamp: must be within ${maxAgeSeconds} s of now`,
          ]);
        }
        const digest = bodyDigests.get(req)!;
        if (!(await digests.remember(digest))) return refuse(reply, 409, "this authorization push was already received");

        for (const pushed of parsed.data.data) {
          let outcome: PushOutcome;
          try {
            outcome = await confirmPushedAuthorization(pushed, services);
          } catch (error) {
            if (!(error instanceof PullUnavailableError)) throw error;
            await digests.forget(digest);
            req.log.warn({ appKey: pushed.appKey, outerInstanceId: pushed.outerInstanceId, err: error.message }, "kingdee authorization push not handled: pull unavailable");
            return refuse(reply, 503, "the authorization could not be confirmed with Kingdee now; push again later");
          }
          if (!outcome.confirmed) {
            req.log.warn({ appKey: pushed.appKey, outerInstanceId: pushed.outerInstanceId, reason: outcome.reason }, "kingdee authorization push not confirmed; nothing changed");
            continue;
          }
          await services.tenantChanged(outcome.tenant.id);
          req.log.info({ tenantId: outcome.tenant.id, created: outcome.created, appKey: outcome.tenant.appKey }, "kingdee authorization confirmed and stored");
        }
        return reply.type("text/plain").send("success");
      },
    });
  });
}
