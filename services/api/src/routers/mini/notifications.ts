import { textInput } from "@erpbridge/domain/inputs";
import { getTemplateConfigs } from "@erpbridge/domain/notifications";
import { addSubscribeCredits, subscribeCredits } from "@erpbridge/domain/wechat";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { requireWechatUser, wechatCustomerProcedure } from "../../notifications/wechat-procedures.js";
import { createTRPCRouter } from "../../trpc.js";

export interface NotificationStatusView {
  /** The template to pass to `wx.requestSubscribeMessage` for delivery notices; null when the supplier has none. */
  deliveryNotice: { templateId: string } | null;
  /** Remaining consent credits of this WeChat user per template; null for a session not opened through WeChat. */
  credits: Record<string, number> | null;
}

export const miniNotificationsRouter = createTRPCRouter({
  /** Which templates to ask consent for, and how many sends this WeChat user has granted. */
  status: wechatCustomerProcedure.query(async ({ ctx }): Promise<NotificationStatusView> => {
    const { sequelize } = ctx.services.db;
    const configs = await getTemplateConfigs(sequelize, ctx.customer.tenantId);
    const delivery = configs.find((c) => c.kind === "delivery_notice" && c.enabled);
    return {
      deliveryNotice: delivery ? { templateId: delivery.templateId } : null,
      credits: ctx.wechatUser ? await subscribeCredits(sequelize, ctx.wechatUser.openid) : null,
    };
  }),

  /**
   * After `wx.requestSubscribeMessage` answered `accept` for these templates: one consent credit
   * each, for the WeChat user of this session (a one-time subscription allows one message). Only
   * templates the customer's supplier configured are accepted; needs a session opened through WeChat.
   */
  accept: wechatCustomerProcedure
    .input(
      z.object({
        templateIds: z
          .array(textInput(128).trim().regex(/^[A-Za-z0-9_-]{1,128}$/, "not a template id"))
          .min(1, "give at least one template id")
          .max(5, "wx.requestSubscribeMessage takes at most 5 templates"),
      }),
    )
    .mutation(async ({ ctx, input }): Promise<{ credits: Record<string, number> }> => {
      const user = requireWechatUser(ctx);
      const { sequelize } = ctx.services.db;
      const known = new Set((await getTemplateConfigs(sequelize, ctx.customer.tenantId)).map((c) => c.templateId));
      const unknown = input.templateIds.filter((id) => !known.has(id));
      if (unknown.length > 0) {
        throw new TRPCError({ code: "BAD_REQUEST", message: `not a notification template of your supplier: ${unknown.join(", ")}` });
      }
      const rows = await addSubscribeCredits(sequelize, user.openid, input.templateIds);
      return { credits: Object.fromEntries(rows.map((r) => [r.templateId, r.credits])) };
    }),
});
