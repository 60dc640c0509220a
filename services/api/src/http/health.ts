import type { FastifyInstance } from "fastify";
import { checkReadiness } from "../readiness.js";
import type { AppServices } from "../services.js";

export function registerHealthRoutes(app: FastifyInstance, services: AppServices): void {
  app.get("/health", async (_req, reply) => {
    const readiness = await checkReadiness(services);
    return reply.code(readiness.ready ? 200 : 503).send({ status: readiness.ready ? "ok" : "unavailable", ...readiness });
  });
  app.get("/metrics", async (_req, reply) => {
    reply.header("content-type", services.metrics.registry.contentType);
    return services.metrics.registry.metrics();
  });
}
