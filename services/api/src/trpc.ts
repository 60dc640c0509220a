import type { CustomerIdentity } from "@erpbridge/domain/customers";
import { DomainError, type DomainErrorKind } from "@erpbridge/domain/errors";
import { describeInputError } from "@erpbridge/domain/inputs";
import { KingdeeError } from "@erpbridge/kingdee-sdk";
import { TRPCError, type TRPC_ERROR_CODE_KEY, initTRPC } from "@trpc/server";
import type { FastifyReply, FastifyRequest } from "fastify";
import { ZodError } from "zod";
import { bearerToken, sameSecret } from "./auth.js";
import type { CustomerMutationLimiter } from "./http/rate-limit.js";
import type { AppServices } from "./services.js";
import { transformer } from "./transformer.js";

/**
 * Per request: the services, the request's logger and id, the Bearer token (checked lazily by
 * procedure kind) and the request's customer-mutation rate limit.
 */
export function createContextFactory(services: AppServices, limitCustomerMutation: CustomerMutationLimiter) {
  return ({ req, res }: { req: FastifyRequest; res: FastifyReply }) => {
    return {
      services,
      log: req.log,
      requestId: String(req.id),
      bearer: bearerToken(req.headers.authorization),
      limitCustomerMutation: () => limitCustomerMutation(req, res),
    };
  };
}

export type Context = ReturnType<ReturnType<typeof createContextFactory>>;

export interface FieldError {
  path: string;
  message: string;
}

const t = initTRPC.context<Context>().create({
  transformer,
  errorFormatter({ shape, error }) {
    const fieldErrors: FieldError[] | null =
      error.cause instanceof ZodError
        ? error.cause.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }))
        : null;
    // Never leak internals: a 500 says only that something failed, with the request id to find it in logs.
    // Invalid input reads as one sentence; the per-field detail is in `fieldErrors`.
    const message =
      error.code === "INTERNAL_SERVER_ERROR" ? "Internal server error"
      : error.cause instanceof ZodError ? describeInputError(error.cause)
      : shape.message;
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, message, data: { ...data, fieldErrors } };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Times every procedure for the latency histogram. */
const timed = t.middleware(async ({ ctx, path, type, next }) => {
  const stop = ctx.services.metrics.procedureLatency.startTimer({ procedure: path, type });
  const result = await next();
  stop({ outcome: result.ok ? "ok" : result.error.code });
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR") {
    ctx.log.error({ err: result.error.cause ?? result.error, procedure: path }, "procedure failed");
  }
  return result;
});

/** The one mapping from a domain error's kind to the tRPC code its caller sees. */
const DOMAIN_ERROR_CODES = {
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  precondition_failed: "PRECONDITION_FAILED",
  unauthorized: "UNAUTHORIZED",
} as const satisfies Record<DomainErrorKind, TRPC_ERROR_CODE_KEY>;

/** Domain errors carry their meaning; give them the matching tRPC code instead of a 500. */
function domainError(cause: unknown): TRPCError | undefined {
  if (cause instanceof ZodError) return new TRPCError({ code: "BAD_REQUEST", message: "invalid input", cause });
  if (cause instanceof DomainError) return new TRPCError({ code: DOMAIN_ERROR_CODES[cause.kind], message: cause.message, cause });
  // Kingdee's own failures: ours to report, not ours to crash on. The message carries no secrets.
  if (cause instanceof KingdeeError) {
    const code = cause.category === "validation" ? "BAD_REQUEST" : cause.category === "rate_limit" ? "TOO_MANY_REQUESTS" : "BAD_GATEWAY";
    return new TRPCError({ code, message: cause.message, cause });
  }
  return undefined;
}

const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR") {
    const mapped = domainError(result.error.cause);
    if (mapped) throw mapped;
  }
  return result;
});

export const publicProcedure = t.procedure.use(timed).use(mapDomainErrors);

/** Operators: Bearer ADMIN_TOKEN, compared in constant time. */
export const adminProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.bearer) throw new TRPCError({ code: "UNAUTHORIZED", message: "missing Bearer token" });
  if (!sameSecret(ctx.bearer, ctx.services.config.ADMIN_TOKEN)) {
    throw new TRPCError({ code: "FORBIDDEN", message: "admin token required" });
  }
  return next({ ctx: { ...ctx, bearer: undefined } });
});

/**
 * Customer mutations are limited per session (CUSTOMER_MUTATION_RATE_LIMIT per window): run after
 * the session is resolved and before the input is parsed, so a flood costs neither decoding nor keys.
 */
export const limitCustomerMutations = t.middleware(async ({ ctx, type, next }) => {
  if (type === "mutation") {
    const limit = await ctx.limitCustomerMutation();
    if (limit.exceeded) {
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: `too many changes from this session; try again in ${limit.retryAfterSeconds} s`,
      });
    }
  }
  return next();
});

/** Customers of the mini-program: Bearer session token; every query is scoped by `ctx.customer`. */
export const customerProcedure = publicProcedure
  .use(async ({ ctx, next }) => {
    if (!ctx.bearer) throw new TRPCError({ code: "UNAUTHORIZED", message: "missing Bearer token" });
    const customer: CustomerIdentity | null = await ctx.services.customerSessions.resolve(ctx.bearer);
    if (!customer) throw new TRPCError({ code: "UNAUTHORIZED", message: "session expired or unknown; log in again" });
    return next({ ctx: { ...ctx, bearer: undefined, customer } });
  })
  .use(limitCustomerMutations);
