import {
  createCustomer, createCustomerInput, type CreatedCustomer, customerExists, type CustomerList, issueLoginToken, listCustomers,
  listCustomersInput, listLoginTokens, type LoginTokenRecord, revokeLoginToken,
} from "@erpbridge/domain/customers";
import { idInput } from "@erpbridge/domain/inputs";
import {
  createCustomerInvite, discardCustomerInvite, listCustomerBindings, removeBinding, type WechatBindingRecord,
} from "@erpbridge/domain/wechat";
import { TRPCError } from "@trpc/server";
import QRCode from "qrcode";
import { z } from "zod";
import type { AppConfig } from "../../config.js";
import { requireWechat, wechatFailure } from "../../notifications/wechat-procedures.js";
import { adminProcedure, createTRPCRouter } from "../../trpc.js";
import type { MiniProgramPage } from "../../mini-program-pages.js";
import { requireTenant } from "./require-tenant.js";

/** Outputs are the domain's customer records. */
export type CustomerListView = CustomerList;
export type CreatedCustomerView = CreatedCustomer;

export interface LoginTokenView {
  customerId: string;
  /** What the token is revoked by (`revokeToken`). */
  tokenId: string;
  /** The login token itself: shown once, only its hash is stored. */
  token: string;
  expiresAt: Date;
  /** Logins the token allows: 1 (single-use, the default) or more for a shared QR code. */
  maxUses: number;
  /** `${PUBLIC_URL}/login?token=…` when PUBLIC_URL is configured, else null. */
  loginUrl: string | null;
  /** What the QR code encodes (see `loginQrPayload`). */
  qrPayload: string;
  qrPngBase64: string;
  qrDataUrl: string;
}

export interface RevokedTokenView {
  tokenId: string;
  customerId: string;
  revokedAt: Date;
  /** Sessions opened with the token, now ended. */
  sessionsEnded: number;
}

export interface CustomerInviteView {
  customerId: string;
  /** The mini-program code's scene (single use; only its hash is stored). */
  scene: string;
  /** The page the code opens; it receives the scene and calls `mini.auth.bind({ code, scene })`. */
  page: string;
  expiresAt: Date;
  allowRebind: boolean;
  /** The unlimited mini-program code from WeChat (`wxacode.getUnlimited`). */
  qrMimeType: string;
  qrImageBase64: string;
  qrDataUrl: string;
}

/** The page of the mini-program that handles invites. */
export const INVITE_PAGE: MiniProgramPage = "pages/login/index";

const imageMime = (bytes: Buffer) =>
  bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47])) ? "image/png" : bytes[0] === 0xff && bytes[1] === 0xd8 ? "image/jpeg" : "application/octet-stream";

/**
 * What the login QR code encodes: the login token itself, which `mini.auth.login` takes. The only
 * place that decides it — when the mini-program moves to a WeChat code with a `scene`, change it here.
 */
export function loginQrPayload(token: string): string {
  return token;
}

const loginUrl = (config: AppConfig, token: string) =>
  config.PUBLIC_URL ? `${config.PUBLIC_URL.replace(/\/+$/, "")}/login?token=${encodeURIComponent(token)}` : null;

const MAX_TOKEN_TTL_HOURS = 24 * 90;
/** Enough for a shop's staff scanning one printed code; a token is never unlimited. */
export const MAX_TOKEN_USES = 10_000;

async function requireCustomer(customerId: string): Promise<void> {
  if (!(await customerExists(customerId))) throw new TRPCError({ code: "NOT_FOUND", message: "customer not found" });
}

export const adminCustomersRouter = createTRPCRouter({
  /** Customers, by name; `search` matches name, number or phone. */
  list: adminProcedure
    .input(listCustomersInput)
    .query(({ input }): Promise<CustomerListView> => listCustomers(input)),

  /**
   * A customer for the mini-program. With `kingdeeCustomerId` it is the ERP customer: an already
   * synced one is returned as is (`created: false`), a new one is filled in by the next sync.
   * Without, it is a local customer.
   */
  create: adminProcedure
    .input(createCustomerInput)
    .mutation(async ({ ctx, input }): Promise<CreatedCustomerView> => {
      await requireTenant(input.tenantId);
      return createCustomer(ctx.services.db.sequelize, input);
    }),

  /**
   * A login token for the customer, with its QR code (PNG). The token is shown only here. Single-use
   * by default (a token handed to one person); `maxUses` > 1 for a code several people scan (a shop's
   * printed QR). Each use opens a session; `revokeToken` ends them all.
   */
  issueToken: adminProcedure
    .input(
      z.object({
        customerId: idInput,
        ttlHours: z.number().int().min(1).max(MAX_TOKEN_TTL_HOURS).optional(),
        maxUses: z.number().int().min(1).max(MAX_TOKEN_USES).default(1),
      }),
    )
    .mutation(async ({ ctx, input }): Promise<LoginTokenView> => {
      await requireCustomer(input.customerId);
      const { config } = ctx.services;
      const ttlHours = input.ttlHours ?? config.CUSTOMER_LOGIN_TOKEN_TTL_HOURS;
      const issued = await issueLoginToken(ctx.services.db.sequelize, input.customerId, ttlHours * 3600_000, input.maxUses);
      const qrPayload = loginQrPayload(issued.token);
      const png = await QRCode.toBuffer(qrPayload, { type: "png", errorCorrectionLevel: "M", margin: 2, width: 320 });
      const qrPngBase64 = png.toString("base64");
      ctx.log.info({ customerId: input.customerId, tokenId: issued.tokenId, maxUses: issued.maxUses, expiresAt: issued.expiresAt }, "customer login token issued");
      return {
        customerId: input.customerId,
        tokenId: issued.tokenId,
        token: issued.token,
        expiresAt: issued.expiresAt,
        maxUses: issued.maxUses,
        loginUrl: loginUrl(config, issued.token),
        qrPayload,
        qrPngBase64,
        qrDataUrl: `data:image/png;base64,${qrPngBase64}`,
      };
    }),
  /** The customer's login tokens (never the tokens themselves), newest first: uses, expiry, revocation. */
  loginTokens: adminProcedure
    .input(z.object({ customerId: idInput }))
    .query(async ({ ctx, input }): Promise<LoginTokenRecord[]> => {
      await requireCustomer(input.customerId);
      return listLoginTokens(ctx.services.db.sequelize, input.customerId);
    }),

  /** Revokes a login token: it logs in no more, and every session it opened ends. Revoking again is harmless. */
  revokeToken: adminProcedure.input(z.object({ tokenId: idInput })).mutation(async ({ ctx, input }): Promise<RevokedTokenView> => {
    const revoked = await revokeLoginToken(ctx.services.db.sequelize, input.tokenId);
    if (!revoked) throw new TRPCError({ code: "NOT_FOUND", message: "login token not found" });
    const { endedSessionHashes, ...view } = revoked;
    // This process forgets them now; other replicas when PostgreSQL's change notice reaches them.
    ctx.services.customerSessions.forget(endedSessionHashes);
    ctx.log.info({ customerId: revoked.customerId, tokenId: input.tokenId, sessionsEnded: revoked.sessionsEnded }, "customer login token revoked");
    return { tokenId: input.tokenId, ...view };
  }),

  /**
   * A single-use WeChat invite for the customer: a mini-program code (`wxacode.getUnlimited`) whose
   * scene the page sends to `mini.auth.bind`. `allowRebind` lets a WeChat account already bound to
   * another customer move to this one (otherwise that bind is refused with CONFLICT). Several
   * accounts (staff) may be bound to one customer: one invite each. `envVersion` other than
   * `release` creates a code for an unreleased (trial/develop) version without checking the page.
   */
  invite: adminProcedure
    .input(
      z.object({
        customerId: idInput,
        ttlHours: z.number().int().min(1).max(MAX_TOKEN_TTL_HOURS).optional(),
        allowRebind: z.boolean().default(false),
        envVersion: z.enum(["release", "trial", "develop"]).default("release"),
      }),
    )
    .mutation(async ({ ctx, input }): Promise<CustomerInviteView> => {
      const wechat = requireWechat(ctx);
      await requireCustomer(input.customerId);
      const ttlHours = input.ttlHours ?? ctx.services.config.CUSTOMER_LOGIN_TOKEN_TTL_HOURS;
      const invite = await createCustomerInvite(ctx.services.db.sequelize, {
        customerId: input.customerId,
        ttlMs: ttlHours * 3600_000,
        allowRebind: input.allowRebind,
      });
      const image = await wechat.wxacode
        .getUnlimited({
          scene: invite.scene,
          page: INVITE_PAGE,
          envVersion: input.envVersion,
          ...(input.envVersion === "release" ? {} : { checkPath: false }),
        })
        .catch(async (error: unknown) => {
          // No code, no invite: remove the row so an unusable invite never lingers.
          await discardCustomerInvite(ctx.services.db.sequelize, invite.inviteId).catch(() => undefined);
          throw wechatFailure(error, "mini-program code");
        });
      const qrMimeType = imageMime(image);
      const qrImageBase64 = image.toString("base64");
      ctx.log.info({ customerId: input.customerId, expiresAt: invite.expiresAt, allowRebind: invite.allowRebind }, "customer WeChat invite issued");
      return {
        customerId: input.customerId,
        scene: invite.scene,
        page: INVITE_PAGE,
        expiresAt: invite.expiresAt,
        allowRebind: invite.allowRebind,
        qrMimeType,
        qrImageBase64,
        qrDataUrl: `data:${qrMimeType};base64,${qrImageBase64}`,
      };
    }),

  /** The WeChat accounts bound to the customer. */
  wechatBindings: adminProcedure
    .input(z.object({ customerId: idInput }))
    .query(({ ctx, input }): Promise<WechatBindingRecord[]> => listCustomerBindings(ctx.services.db.sequelize, input.customerId)),

  /** Removes a WeChat binding; the sessions it opened end. */
  unbindWechat: adminProcedure
    .input(z.object({ customerId: idInput, bindingId: idInput }))
    .mutation(async ({ ctx, input }) => {
      if (!(await removeBinding(ctx.services.db.sequelize, input))) throw new TRPCError({ code: "NOT_FOUND", message: "binding not found" });
      ctx.log.info({ customerId: input.customerId, bindingId: input.bindingId }, "customer WeChat binding removed");
      return { removed: true };
    }),
});
