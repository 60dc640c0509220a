import { open } from "node:fs/promises";
import { findSignoffFile } from "@erpbridge/domain/deliveries";
import type { FastifyInstance, FastifyReply } from "fastify";
import { bearerToken, sameSecret } from "../auth.js";
import type { AppServices } from "../services.js";
import { parseSignoffFilePath, UploadStore } from "../uploads/store.js";

const notFound = (reply: FastifyReply) => reply.code(404).send({ error: "not found" });

/**
 * `GET /uploads/<tenantId>/<deliveryId>/<name>.png|jpg`: a sign-off's signature or photo, for the
 * admin (Bearer ADMIN_TOKEN) or the owning customer (Bearer session token). No or an invalid
 * token: 401. The file is found through the sign-off record (the requested path must be one the
 * record lists, and the path read is the record's), so a path is never trusted; another
 * customer's file, an unknown one or a malformed path are all the same 404.
 */
export function registerUploadRoutes(app: FastifyInstance, services: AppServices): void {
  const store = new UploadStore(services.config.UPLOAD_DIR);

  app.get("/uploads/*", async (req, reply) => {
    const bearer = bearerToken(req.headers.authorization);
    if (!bearer) return reply.code(401).send({ error: "missing Bearer token" });
    const isAdmin = sameSecret(bearer, services.config.ADMIN_TOKEN);
    const customer = isAdmin ? null : await services.customerSessions.resolve(bearer);
    if (!isAdmin && !customer) return reply.code(401).send({ error: "session expired or unknown; log in again" });

    const requested = parseSignoffFilePath((req.params as Record<string, string>)["*"] ?? "");
    if (!requested) return notFound(reply);
    if (customer && customer.tenantId !== requested.tenantId) return notFound(reply);
    const file = await findSignoffFile(services.db.sequelize, requested);
    if (!file) return notFound(reply);
    if (customer && customer.customerId !== file.signoffCustomerId && customer.customerId !== file.deliveryCustomerId) {
      return notFound(reply);
    }
    const absolute = store.resolve(file.path);
    if (!absolute) return notFound(reply);
    const handle = await open(absolute, "r").catch(() => null);
    if (!handle) {
      req.log.warn({ path: file.path }, "sign-off file listed in the record is missing on disk");
      return notFound(reply);
    }
    const { size } = await handle.stat();
    return reply
      .header("content-type", parseSignoffFilePath(file.path)!.mime)
      .header("content-length", size)
      .header("cache-control", "private, max-age=86400, immutable")
      .header("x-content-type-options", "nosniff")
      .header("content-disposition", "inline")
      .send(handle.createReadStream());
  });
}
