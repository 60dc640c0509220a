import { randomUUID } from "node:crypto";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { AppServices } from "../services.js";
import { registerHealthRoutes } from "./health.js";
import { registerCustomerMutationLimit } from "./rate-limit.js";
import { registerTrpcRoutes } from "./trpc-routes.js";
import { registerUploadRoutes } from "./uploads.js";
import { registerKingdeeWebhook } from "./webhook.js";

/** Upload payloads (base64 images) arrive through tRPC, so the body limit covers them. */
const BODY_LIMIT_BYTES = 25 * 1024 * 1024;

/** A caller's `x-request-id` is kept only in this short, log-safe shape; anything else gets a fresh UUID. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}

/** A batch names every procedure in the path (`/trpc/a.b,c.d,…`); Fastify's default of 100 characters refuses small batches. */
const MAX_PARAM_LENGTH = 5000;

/** Fastify with tRPC under /trpc and the few plain routes outside systems call. */
export async function buildServer(services: AppServices): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    maxParamLength: MAX_PARAM_LENGTH,
    genReqId: (req) => requestIdFor(req.headers["x-request-id"]),
    requestIdHeader: false,
  });
  app.addHook("onSend", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });

  const limitCustomerMutation = await registerCustomerMutationLimit(app, services);
  await registerTrpcRoutes(app, services, limitCustomerMutation);
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: "not found" }));
  registerHealthRoutes(app, services);
  registerKingdeeWebhook(app, services);
  registerUploadRoutes(app, services);
  return app;
}
