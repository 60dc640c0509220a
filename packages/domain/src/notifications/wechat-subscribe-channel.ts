import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import type { OutboxChannel, OutboxMessage, SendOutcome } from "../outbox/outbox.js";
import { formatSubscribeValue } from "../wechat/subscribe-values.js";
import { type DeliverySourceField, getDeliveryTemplate, type StoredTemplateConfig, type TemplateFieldSource } from "./templates.js";

/**
 * WeChat subscribe messages as an outbox channel: one delivery notice to one openid. Before sending
 * it checks what may have changed since the message was queued (template, consent credit, the
 * delivery itself); a send consumes one consent credit, and WeChat's 43101 (no consent) resets our
 * count, both in the transaction that records the outcome.
 */
export const WECHAT_SUBSCRIBE_CHANNEL = "wechat_subscribe";

/** What the outbox holds for one notice. */
export interface WechatSubscribePayload {
  openid: string;
  templateId: string;
  deliveryId: string;
  customerId: string;
}

export interface SubscribeSendRequest {
  touser: string;
  templateId: string;
  page?: string;
  data: Record<string, { value: string }>;
  miniprogramState?: "developer" | "trial" | "formal";
}

export interface ClassifiedSendError {
  /** no_consent and failed are final; retry goes again after a back-off; unknown may have arrived, so it is not resent. */
  outcome: "no_consent" | "retry" | "failed" | "unknown";
  errcode: number | null;
  message: string;
}

/**
 * Maps a send error to what the channel does. Duck-typed on the WeChat SDK's `WechatError`
 * (`category`, `errcode`), so the domain needs no SDK dependency.
 */
export function classifySendError(error: unknown): ClassifiedSendError {
  const e = (typeof error === "object" && error !== null ? error : {}) as { category?: unknown; errcode?: unknown; message?: unknown };
  const errcode = typeof e.errcode === "number" ? e.errcode : null;
  const message = typeof e.message === "string" ? e.message : String(error);
  if (errcode === 43101 || e.category === "consent") return { outcome: "no_consent", errcode, message };
  if (e.category === "rate_limit" || e.category === "network" || e.category === "authentication") return { outcome: "retry", errcode, message };
  if (e.category === "timeout") return { outcome: "unknown", errcode, message };
  return { outcome: "failed", errcode, message };
}

/** Error code of a notice refused for lack of consent: WeChat's 43101, or ours when no credit was left. */
export const NO_CONSENT_CODES: readonly string[] = ["43101", "no_consent"];

export interface WechatSubscribeChannelOptions {
  sequelize: Sequelize;
  /** Sends one subscribe message (e.g. `wechat.subscribeMessage.send`). */
  send: (message: SubscribeSendRequest) => Promise<void>;
  classifyError?: ((error: unknown) => ClassifiedSendError) | undefined;
  /** Time zone of bill dates and `sent_time` (default Asia/Shanghai). */
  timezone?: string | undefined;
}

interface DeliveryValues {
  id: string;
  bill_no: string;
  bill_date: string;
  customer_name: string;
  customer_number: string | null;
  total_amount: string;
  item_count: number;
  first_item: string | null;
  tenant_name: string;
}

export function createWechatSubscribeChannel(options: WechatSubscribeChannelOptions): OutboxChannel<WechatSubscribePayload> {
  const { sequelize } = options;
  const classify = options.classifyError ?? classifySendError;
  const timezone = options.timezone ?? "Asia/Shanghai";
  const code = (errcode: number | null) => (errcode === null ? null : String(errcode));
  return {
    name: WECHAT_SUBSCRIBE_CHANNEL,

    async send(message: OutboxMessage<WechatSubscribePayload>): Promise<SendOutcome> {
      const m = message.payload;
      const template = message.tenantId ? await getDeliveryTemplate(sequelize, message.tenantId) : null;
      if (!template || !template.enabled || template.templateId !== m.templateId) {
        return { kind: "dead", reason: "the delivery notice template is no longer configured for this tenant" };
      }
      const [credit] = await sequelize.query<{ credits: number }>(
        `SELECT credits FROM subscribe_credit WHERE openid = $1 AND template_id = $2`,
        { bind: [m.openid, m.templateId], type: QueryTypes.SELECT },
      );
      if (!credit || credit.credits <= 0) return { kind: "dead", code: "no_consent", reason: "no consent credit left" };
      const values = await deliveryValues(sequelize, m.deliveryId);
      if (!values) return { kind: "dead", reason: "the delivery no longer exists" };
      try {
        await options.send(subscribeMessage(m, template, values, timezone));
        return { kind: "sent" };
      } catch (error) {
        const { outcome, errcode, message: reason } = classify(error);
        if (outcome === "retry") return { kind: "retry", code: code(errcode), reason };
        if (outcome === "unknown") return { kind: "outcome_unknown", code: code(errcode), reason };
        // WeChat is the authority on consent: a 43101 means our count was stale.
        return { kind: "dead", code: outcome === "no_consent" ? (code(errcode) ?? "no_consent") : code(errcode), reason };
      }
    },

    async settle(message: OutboxMessage<WechatSubscribePayload>, outcome: SendOutcome, transaction: Transaction): Promise<void> {
      const { openid, templateId } = message.payload;
      if (outcome.kind === "sent") {
        await sequelize.query(
          `UPDATE subscribe_credit SET credits = credits - 1, updated_at = now() WHERE openid = $1 AND template_id = $2 AND credits > 0`,
          { bind: [openid, templateId], transaction },
        );
      } else if (outcome.kind === "dead" && outcome.code === "43101") {
        await sequelize.query(`UPDATE subscribe_credit SET credits = 0, updated_at = now() WHERE openid = $1 AND template_id = $2`, {
          bind: [openid, templateId],
          transaction,
        });
      }
    },
  };
}

async function deliveryValues(sequelize: Sequelize, deliveryId: string): Promise<DeliveryValues | undefined> {
  const [row] = await sequelize.query<DeliveryValues>(
    `SELECT d.id, d.bill_no, to_char(d.bill_date, 'YYYY-MM-DD') AS bill_date, d.total_amount::text AS total_amount,
            c.name AS customer_name, c.number AS customer_number, t.name AS tenant_name,
            (SELECT count(*) FROM delivery_item i WHERE i.delivery_id = d.id)::int AS item_count,
            (SELECT i.material_name FROM delivery_item i WHERE i.delivery_id = d.id ORDER BY i.seq LIMIT 1) AS first_item
       FROM delivery d JOIN customer c ON c.id = d.customer_id JOIN tenant t ON t.id = d.tenant_id
      WHERE d.id = $1`,
    { bind: [deliveryId], type: QueryTypes.SELECT },
  );
  return row;
}

function subscribeMessage(m: WechatSubscribePayload, template: StoredTemplateConfig, v: DeliveryValues, timezone: string): SubscribeSendRequest {
  const data: Record<string, { value: string }> = {};
  for (const [key, source] of Object.entries(template.fields as Record<string, TemplateFieldSource>)) {
    const raw = typeof source === "string" ? sourceValue(source, v, timezone) : source.text;
    data[key] = { value: formatSubscribeValue(key, raw) };
  }
  const page = template.page
    ?.replaceAll("{delivery_id}", encodeURIComponent(v.id))
    .replaceAll("{bill_no}", encodeURIComponent(v.bill_no));
  return {
    touser: m.openid,
    templateId: m.templateId,
    ...(page ? { page } : {}),
    data,
    miniprogramState: template.miniprogramState,
  };
}

function sourceValue(field: DeliverySourceField, v: DeliveryValues, timezone: string): string {
  switch (field) {
    case "bill_no":
      return v.bill_no;
    case "bill_date":
      return v.bill_date;
    case "customer_name":
      return v.customer_name;
    case "customer_number":
      return v.customer_number ?? "";
    case "total_amount":
      return v.total_amount;
    case "item_count":
      return String(v.item_count);
    case "items_summary":
      return itemsSummary(v.first_item, v.item_count);
    case "tenant_name":
      return v.tenant_name;
    case "sent_time":
      return localTime(new Date(), timezone);
  }
}

/** `矿泉水 550ml等3项`, shortened inside so the count survives the 20-character `thing` limit. */
export function itemsSummary(firstItem: string | null, count: number, max = 20): string {
  const name = (firstItem ?? "").replace(/\s+/g, " ").trim() || "货品";
  const suffix = count > 1 ? `等${count}项` : "";
  const room = max - [...suffix].length;
  const cps = [...name];
  return (cps.length <= room ? name : `${cps.slice(0, Math.max(1, room - 1)).join("").trimEnd()}…`) + suffix;
}

/** `yyyy-MM-dd HH:mm` in the zone. */
export function localTime(date: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}
