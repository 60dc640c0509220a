import { loginWithToken } from "@erpbridge/domain/customers";
import { requiredText, textInput } from "@erpbridge/domain/inputs";
import { bindWithInvite, checkInvite, loginWithOpenid, setBindingPhone } from "@erpbridge/domain/wechat";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { requireWechat, requireWechatUser, wechatCustomerProcedure, wechatFailure } from "../../notifications/wechat-procedures.js";
import { createTRPCRouter, publicProcedure } from "../../trpc.js";

/** `wxLogin`'s answer: a session, or "this WeChat user is not bound to a customer yet" (scan an invite). */
export type WxLoginResult = { status: "ok"; sessionToken: string; expiresAt: Date } | { status: "not_bound" };

export interface WxBindResult {
  status: "ok";
  sessionToken: string;
  expiresAt: Date;
  /** The openid was bound to another customer before (the invite allowed rebinding). */
  rebound: boolean;
  /** The openid was already bound to this customer. */
  alreadyBound: boolean;
}

const wxCode = requiredText(256);

/** The page may pass `options.scene` still URL-encoded; WeChat's scene alphabet has no `%`, so decoding is safe. */
const scene = textInput(200)
  .trim()
  .transform((s) => {
    try {
      return /%[0-9A-Fa-f]{2}/.test(s) ? decodeURIComponent(s) : s;
    } catch {
      return s;
    }
  })
  .pipe(z.string().min(1, "scene is required").max(32, "scene is at most 32 characters").regex(/^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/, "not a mini-program code scene"));

export const miniAuthRouter = createTRPCRouter({
  /**
   * A login token (from the admin's QR code) → a session token for the mini-program. Each login uses
   * the token once; a used-up, revoked or expired token is UNAUTHORIZED.
   */
  login: publicProcedure
    .input(z.object({ token: requiredText(200).min(16, "token is too short") }))
    .mutation(async ({ ctx, input }) => {
      const session = await loginWithToken(
        ctx.services.db.sequelize,
        input.token,
        ctx.services.config.CUSTOMER_SESSION_TTL_HOURS * 3600_000,
      );
      if (!session) throw new TRPCError({ code: "UNAUTHORIZED", message: "login token unknown, expired, used up or revoked" });
      return { sessionToken: session.token, expiresAt: session.expiresAt };
    }),

  /**
   * `wx.login()` code → session when the WeChat user is bound to a customer, else `{ status: "not_bound" }`
   * (the page then asks the user to scan their invite). A bad code is UNAUTHORIZED (call wx.login again).
   */
  wxLogin: publicProcedure.input(z.object({ code: wxCode })).mutation(async ({ ctx, input }): Promise<WxLoginResult> => {
    const wechat = requireWechat(ctx);
    const user = await wechat.code2Session(input.code).catch((error: unknown) => {
      throw wechatFailure(error, "login");
    });
    const session = await loginWithOpenid(ctx.services.db.sequelize, {
      appId: wechat.config.appId,
      openid: user.openid,
      unionid: user.unionid,
      sessionTtlMs: ctx.services.config.CUSTOMER_SESSION_TTL_HOURS * 3600_000,
    });
    if (!session) return { status: "not_bound" };
    ctx.log.info({ customerId: session.customerId }, "customer logged in with WeChat");
    return { status: "ok", sessionToken: session.token, expiresAt: session.expiresAt };
  }),

  /**
   * Binds the WeChat user to the customer of a scanned invite and opens a session. The invite is
   * single-use and expires (UNAUTHORIZED, message says which). A WeChat account bound to another
   * customer is refused with CONFLICT unless the admin created the invite with `allowRebind`; the
   * invite then stays usable. A customer may have several WeChat accounts (one invite each).
   */
  bind: publicProcedure.input(z.object({ code: wxCode, scene })).mutation(async ({ ctx, input }): Promise<WxBindResult> => {
    const wechat = requireWechat(ctx);
    const { sequelize } = ctx.services.db;
    try {
      await checkInvite(sequelize, input.scene); // before spending the login code
      const user = await wechat.code2Session(input.code);
      const bound = await bindWithInvite(sequelize, {
        appId: wechat.config.appId,
        openid: user.openid,
        unionid: user.unionid,
        scene: input.scene,
        sessionTtlMs: ctx.services.config.CUSTOMER_SESSION_TTL_HOURS * 3600_000,
      });
      ctx.log.info({ customerId: bound.customerId, rebound: bound.rebound, alreadyBound: bound.alreadyBound }, "WeChat account bound to customer");
      return { status: "ok", sessionToken: bound.token, expiresAt: bound.expiresAt, rebound: bound.rebound, alreadyBound: bound.alreadyBound };
    } catch (error) {
      throw wechatFailure(error, "login");
    }
  }),

  /**
   * Optional: the phone number behind a `getPhoneNumber` button code, stored on this WeChat
   * binding (the ERP customer's phone is left alone). Needs a session opened through WeChat.
   */
  bindPhone: wechatCustomerProcedure
    .input(z.object({ code: wxCode }))
    .mutation(async ({ ctx, input }): Promise<{ phoneNumber: string; countryCode: string }> => {
      const wechat = requireWechat(ctx);
      const user = requireWechatUser(ctx);
      const phone = await wechat.getUserPhoneNumber(input.code).catch((error: unknown) => {
        throw wechatFailure(error, "phone number");
      });
      const stored = await setBindingPhone(ctx.services.db.sequelize, {
        appId: user.appId,
        openid: user.openid,
        customerId: ctx.customer.customerId,
        phoneNumber: phone.phoneNumber,
        countryCode: phone.countryCode,
      });
      if (!stored) throw new TRPCError({ code: "PRECONDITION_FAILED", message: "this WeChat account is no longer bound to the customer" });
      return { phoneNumber: phone.phoneNumber, countryCode: phone.countryCode };
    }),
});
