import { randomUUID } from "node:crypto";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { AppServices } from "../services.js";
import { registerHealthRoutes } from "./health.js";
import { registerTrpcRoutes } from "./trpc-routes.js";
import { registerUploadRoutes } from "./uploads.js";
import { registerKingdeeWebhook } from "./webhook.js";

/** Upload payloads (base64 images) arrive through tRPC, so the body limit covers them. */
const BODY_LIMIT_BYTES = 25 * 1024 * 1024;

/** Fastify with tRPC under /trpc and the few plain routes outside systems call. */
export async function buildServer(services: AppServices): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (req) => (typeof req.headers["x-request-id"] === "string" ? req.headers["x-request-id"] : randomUUID()),
    requestIdHeader: false,
  });
  app.addHook("onSend", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });

  await registerTrpcRoutes(app, services);
  registerHealthRoutes(app, services);
  registerKingdeeWebhook(app, services);
  registerUploadRoutes(app, services);
  return app;
}
