import { idInput, pageInput, pageSizeInput } from "@erpbridge/domain/inputs";
import {
  DELIVERY_NOTICE_STATUSES, DELIVERY_SOURCE_FIELDS, type DeliveryNoticeRecord, deliveryTemplateSchema, getTemplateConfigs,
  listDeliveryNotices, removeDeliveryTemplate, setDeliveryTemplate, type NotifyRunResult, type StoredTemplateConfig,
} from "@erpbridge/domain/notifications";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { adminProcedure, createTRPCRouter } from "../../trpc.js";
import { requireTenant } from "./require-tenant.js";

export interface WechatConfigView {
  /** Whether this server has a mini-program configured (WECHAT_APP_ID/SECRET). */
  wechatConfigured: boolean;
  appId: string | null;
  deliveryNotice: StoredTemplateConfig | null;
  /** What a template key can be filled with, and which key kinds each field fits. */
  sourceFields: typeof DELIVERY_SOURCE_FIELDS;
}

export type MessageLogView = Omit<DeliveryNoticeRecord, "inFlight">;

/** Per-tenant WeChat subscribe-message templates and the message log. */
export const adminWechatRouter = createTRPCRouter({
  config: adminProcedure.input(z.object({ tenantId: idInput })).query(async ({ ctx, input }): Promise<WechatConfigView> => {
    await requireTenant(input.tenantId);
    const configs = await getTemplateConfigs(ctx.services.db.sequelize, input.tenantId);
    return {
      wechatConfigured: Boolean(ctx.services.wechat),
      appId: ctx.services.wechat?.config.appId ?? null,
      deliveryNotice: configs.find((c) => c.kind === "delivery_notice") ?? null,
      sourceFields: DELIVERY_SOURCE_FIELDS,
    };
  }),

  /**
   * The tenant's "delivery notice" template: WeChat template id, the page the card opens
   * (`{delivery_id}` / `{bill_no}` are filled in), and for each template key (`thing1`,
   * `character_string2`, `time3`, `amount4`, …) a delivery field or `{ text }`. Validated when saved:
   * BAD_REQUEST with one field error per bad key (`fields.<key>`). Values are truncated/formatted to
   * WeChat's rules when sent. New deliveries are notified from now on (not earlier ones).
   */
  setDeliveryTemplate: adminProcedure
    .input(deliveryTemplateSchema.extend({ tenantId: idInput }))
    .mutation(async ({ ctx, input }): Promise<StoredTemplateConfig> => {
      await requireTenant(input.tenantId);
      const { tenantId, ...template } = input;
      const stored = await setDeliveryTemplate(ctx.services.db.sequelize, tenantId, template);
      ctx.log.info({ tenantId, templateId: stored.templateId, enabled: stored.enabled }, "delivery notice template saved");
      return stored;
    }),

  removeDeliveryTemplate: adminProcedure.input(z.object({ tenantId: idInput })).mutation(async ({ ctx, input }) => {
    await requireTenant(input.tenantId);
    return { removed: await removeDeliveryTemplate(ctx.services.db.sequelize, input.tenantId) };
  }),

  /** The message log, newest first. */
  messages: adminProcedure
    .input(
      z.object({
        tenantId: idInput,
        customerId: idInput.optional(),
        deliveryId: idInput.optional(),
        status: z.enum(DELIVERY_NOTICE_STATUSES).optional(),
        page: pageInput.default(1),
        pageSize: pageSizeInput(200).default(50),
      }),
    )
    .query(async ({ ctx, input }): Promise<{ page: number; pageSize: number; messages: MessageLogView[] }> => {
      await requireTenant(input.tenantId);
      const notices = await listDeliveryNotices(ctx.services.db.sequelize, input);
      return { page: input.page, pageSize: input.pageSize, messages: notices.map(({ inFlight: _inFlight, ...message }) => message) };
    }),

  /** Runs one notification pass in this process now (outbox → messages → sends); the counts of that pass. */
  notifyNow: adminProcedure.mutation(async ({ ctx }): Promise<NotifyRunResult> => {
    if (!ctx.services.notifications) {
      throw new TRPCError({ code: "PRECONDITION_FAILED", message: "WeChat is not configured on this server (WECHAT_APP_ID, WECHAT_APP_SECRET)" });
    }
    return ctx.services.notifications.runNow();
  }),
});
