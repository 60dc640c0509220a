import { resolveWechatSession } from "@erpbridge/domain/wechat";
import { WechatError, type WechatMiniProgramClient } from "@erpbridge/wechat-sdk";
import { TRPCError } from "@trpc/server";
import type { Context } from "../trpc.js";
import { limitCustomerMutations, publicProcedure } from "../trpc.js";

/** The WeChat client, or PRECONDITION_FAILED when WECHAT_APP_ID/WECHAT_APP_SECRET are not configured. */
export function requireWechat(ctx: Pick<Context, "services">): WechatMiniProgramClient {
  const { wechat } = ctx.services;
  if (!wechat) throw new TRPCError({ code: "PRECONDITION_FAILED", message: "WeChat is not configured on this server (WECHAT_APP_ID, WECHAT_APP_SECRET)" });
  return wechat;
}

/**
 * Error mapping for WeChat's own failures (documented decisions; the domain's invite errors —
 * unknown / expired / used → UNAUTHORIZED, bound to another customer → CONFLICT — go through the one
 * mapping in trpc.ts):
 * - a `wx.login` / phone code invalid, expired or reused (40029, 40163) → UNAUTHORIZED: get a new code;
 * - WeChat rate limits → TOO_MANY_REQUESTS; any other WeChat failure → BAD_GATEWAY with its errcode.
 */
export function wechatFailure(error: unknown, what: string): unknown {
  if (error instanceof WechatError) {
    const detail = error.errcode !== undefined ? ` (errcode ${error.errcode})` : "";
    const cause = error.explanation ? `: ${error.explanation}` : "";
    if (error.category === "invalid_code") {
      return new TRPCError({ code: "UNAUTHORIZED", message: `the WeChat ${what} code is invalid, expired or already used: get a new one${detail}`, cause: error });
    }
    if (error.category === "rate_limit") return new TRPCError({ code: "TOO_MANY_REQUESTS", message: `WeChat is rate limiting ${what}${cause}${detail}`, cause: error });
    return new TRPCError({ code: "BAD_GATEWAY", message: `WeChat ${what} failed${cause}${detail}`, cause: error });
  }
  return error;
}

/**
 * Like `customerProcedure`, and also knows which WeChat user opened the session (`ctx.wechatUser`,
 * null for a token-login session or when that openid is no longer bound to this customer).
 */
export const wechatCustomerProcedure = publicProcedure.use(async ({ ctx, next }) => {
  if (!ctx.bearer) throw new TRPCError({ code: "UNAUTHORIZED", message: "missing Bearer token" });
  const session = await resolveWechatSession(ctx.services.db.sequelize, ctx.bearer);
  if (!session) throw new TRPCError({ code: "UNAUTHORIZED", message: "session expired or unknown; log in again" });
  const wechatUser = session.openid && session.appId ? { appId: session.appId, openid: session.openid } : null;
  return next({ ctx: { ...ctx, bearer: undefined, customer: { customerId: session.customerId, tenantId: session.tenantId }, wechatUser } });
}).use(limitCustomerMutations);

/** The session's WeChat user, or PRECONDITION_FAILED for a session not opened through WeChat. */
export function requireWechatUser<T extends { wechatUser: { appId: string; openid: string } | null }>(ctx: T): { appId: string; openid: string } {
  if (!ctx.wechatUser) {
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message: "this session is not linked to a WeChat account: log in with WeChat (mini.auth.wxLogin) first",
    });
  }
  return ctx.wechatUser;
}
