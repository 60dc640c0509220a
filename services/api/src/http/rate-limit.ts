import rateLimit from "@fastify/rate-limit";
import { hashToken } from "@erpbridge/domain/customers";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { bearerToken } from "../auth.js";
import type { AppServices } from "../services.js";

/** Counts one customer mutation of the request's session; says whether the session is over its limit. */
export type CustomerMutationLimiter = (
  req: FastifyRequest,
  reply: FastifyReply,
) => Promise<{ exceeded: false } | { exceeded: true; retryAfterSeconds: number }>;

/**
 * `@fastify/rate-limit` for customer mutations, keyed by the session (the hash of its token, never the
 * token): in Redis when REDIS_URL is set, so every instance shares the count, else in memory. It is
 * applied by the customer procedures after the session is known (see trpc.ts), so unknown tokens
 * create no keys. A store failure lets the request through rather than answering 5xx.
 */
export async function registerCustomerMutationLimit(app: FastifyInstance, services: AppServices): Promise<CustomerMutationLimiter> {
  const { config } = services;
  // The plugin's own settings are this limiter's (no route uses it otherwise): a limiter created
  // with options of its own would get a store with a route-derived key prefix.
  await app.register(rateLimit, {
    global: false,
    skipOnError: true,
    max: config.CUSTOMER_MUTATION_RATE_LIMIT,
    timeWindow: config.CUSTOMER_MUTATION_RATE_WINDOW_SECONDS * 1000,
    keyGenerator: (req) => `customer-mutation:${hashToken(bearerToken(req.headers.authorization) ?? "")}`,
    ...(services.redis ? { redis: services.redis, nameSpace: "erpbridge:rate-limit:" } : {}),
  });
  const limiter = app.createRateLimit();
  return async (req, reply) => {
    const result = await limiter(req);
    if (result.isAllowed || !result.isExceeded) return { exceeded: false };
    reply.header("retry-after", result.ttlInSeconds);
    return { exceeded: true, retryAfterSeconds: result.ttlInSeconds };
  };
}
