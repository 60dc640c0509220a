import { resolveResponse } from "@trpc/server/http";
import { incomingMessageToRequest } from "@trpc/server/adapters/node-http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { appRouter } from "../root.js";
import type { AppServices } from "../services.js";
import { createContextFactory } from "../trpc.js";
import type { CustomerMutationLimiter } from "./rate-limit.js";

/**
 * tRPC under /trpc, mounted the way tRPC's Fastify adapter does it, except for how the answer is
 * written: the adapter pipes the Response's web stream (chunked, one socket write per piece), while
 * every answer here is one JSON document, sent as one buffer with a Content-Length. On the hot list
 * query that was a measurable part of the server's CPU per request (bench/api.ts).
 */
export async function registerTrpcRoutes(
  app: FastifyInstance,
  services: AppServices,
  limitCustomerMutation: CustomerMutationLimiter,
): Promise<void> {
  const createContext = createContextFactory(services, limitCustomerMutation);
  await app.register(async (scope) => {
    // tRPC parses the body itself (and answers its own errors for bad JSON); keep it a string here.
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => done(null, body));

    scope.all<{ Params: { path: string } }>("/trpc/:path", async (req: FastifyRequest<{ Params: { path: string } }>, reply: FastifyReply) => {
      const incoming = req.raw as typeof req.raw & { body?: unknown };
      if (req.body !== undefined) incoming.body = req.body;
      const response = await resolveResponse({
        router: appRouter,
        req: incomingMessageToRequest(incoming, reply.raw, { maxBodySize: null }),
        path: req.params.path,
        error: null,
        createContext: () => Promise.resolve(createContext({ req, res: reply })),
        onError: ({ error, path, ctx }) => {
          if (error.code === "INTERNAL_SERVER_ERROR") ctx?.log.error({ err: error.cause ?? error, path }, "trpc error");
        },
      });
      reply.status(response.status);
      response.headers.forEach((value, name) => void reply.header(name, value));
      return reply.send(Buffer.from(await response.arrayBuffer()));
    });
  });
}
