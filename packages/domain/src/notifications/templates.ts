import { QueryTypes, type Sequelize } from "sequelize";
import { z } from "zod";
import { textInput } from "../inputs/schemas.js";
import { SUBSCRIBE_VALUE_RULES, type SubscribeKeyPrefix, subscribeKeyPrefix } from "../wechat/subscribe-values.js";

/**
 * Per-tenant subscribe-message templates. A "delivery notice" maps each key of the tenant's WeChat
 * template (`thing1`, `character_string2`, `time3`, `amount4`, …) to a field of the delivery or to a
 * fixed text. Which fields fit which key kinds is decided here, when the configuration is saved;
 * values are formatted/truncated to the key's rule when a message is sent.
 */
export const DELIVERY_SOURCE_FIELDS = {
  bill_no: { description: "delivery bill number", keys: ["character_string", "thing"] },
  bill_date: { description: "delivery date (yyyy-MM-dd)", keys: ["date", "time", "thing"] },
  customer_name: { description: "customer name", keys: ["thing"] },
  customer_number: { description: "customer number", keys: ["character_string", "thing"] },
  total_amount: { description: "total amount (¥, 2 decimals for amount keys)", keys: ["amount", "number", "thing"] },
  item_count: { description: "number of item lines", keys: ["number", "character_string", "thing"] },
  items_summary: { description: "first item name and count, e.g. 矿泉水等3项", keys: ["thing"] },
  tenant_name: { description: "the supplier's (tenant's) name", keys: ["thing"] },
  sent_time: { description: "time of sending (yyyy-MM-dd HH:mm, Asia/Shanghai)", keys: ["time", "date", "thing"] },
} as const satisfies Record<string, { description: string; keys: readonly SubscribeKeyPrefix[] }>;

export type DeliverySourceField = keyof typeof DELIVERY_SOURCE_FIELDS;
export const deliverySourceFieldNames = Object.keys(DELIVERY_SOURCE_FIELDS) as [DeliverySourceField, ...DeliverySourceField[]];

/** A template key's value: a delivery field, or a fixed text (e.g. `{ text: "已发货" }` for a `phrase` key). */
export type TemplateFieldSource = DeliverySourceField | { text: string };

export const TEMPLATE_KINDS = ["delivery_notice"] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

const PAGE_PLACEHOLDERS = ["{delivery_id}", "{bill_no}"] as const;

const SOURCE_HINT = `one of: ${deliverySourceFieldNames.join(", ")}, or { text }`;

/**
 * Checks every key of `fields` (all of them, so one save reports every problem): WeChat key kind,
 * a known source that fits the kind, or a fixed text that passes the kind's rule. Issues are at
 * `fields.<key>` (`fields.<key>.text` for a fixed text).
 */
/** A fixed text is stored as is (jsonb refuses NUL); WeChat's own rules are stricter still. */
const fixedText = textInput(100);

const fieldsSchema = z
  .record(z.string(), z.custom<TemplateFieldSource>(() => true)) // checked below, all keys at once
  .superRefine((fields, ctx) => {
    const keys = Object.keys(fields);
    if (keys.length === 0) ctx.addIssue({ code: "custom", message: "map at least one template key", path: [] });
    if (keys.length > 20) ctx.addIssue({ code: "custom", message: "at most 20 template keys", path: [] });
    for (const [key, source] of Object.entries(fields)) {
      const prefix = subscribeKeyPrefix(key);
      if (!prefix) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `"${key}" is not a WeChat template key (kind + number, e.g. thing1, character_string2, time3, amount4)`,
        });
        continue;
      }
      if (typeof source === "string") {
        if (!(source in DELIVERY_SOURCE_FIELDS)) {
          ctx.addIssue({ code: "custom", path: [key], message: `unknown field "${source}": ${SOURCE_HINT}` });
          continue;
        }
        const allowed: readonly string[] = DELIVERY_SOURCE_FIELDS[source as DeliverySourceField].keys;
        if (!allowed.includes(prefix)) {
          ctx.addIssue({ code: "custom", path: [key], message: `${source} cannot fill a ${prefix} key (it fits: ${allowed.join(", ")})` });
        }
        continue;
      }
      const text = typeof source === "object" && source !== null && Object.keys(source).length === 1 ? (source as { text?: unknown }).text : undefined;
      if (typeof text !== "string") {
        ctx.addIssue({ code: "custom", path: [key], message: `must be ${SOURCE_HINT}` });
      } else if (!fixedText.safeParse(text).success || !SUBSCRIBE_VALUE_RULES[prefix].test(text)) {
        ctx.addIssue({ code: "custom", path: [key, "text"], message: `"${text}" breaks the ${prefix} rule: ${SUBSCRIBE_VALUE_RULES[prefix].rule}` });
      }
    }
  });

export const deliveryTemplateSchema = z.object({
  templateId: textInput(128).trim().regex(/^[A-Za-z0-9_-]{1,128}$/, "templateId must be a WeChat template id (letters, digits, - and _)"),
  /** The page the card opens; `{delivery_id}` and `{bill_no}` are replaced. No leading `/`. */
  page: textInput(256)
    .trim()
    .regex(/^[A-Za-z0-9_-][A-Za-z0-9_\-./]*(\?[A-Za-z0-9_\-.~=&%{}]*)?$/, "page must be a mini-program path like pages/delivery/detail?id={delivery_id} (no leading /)")
    .refine((p) => (p.match(/\{[^}]*\}/g) ?? []).every((m) => (PAGE_PLACEHOLDERS as readonly string[]).includes(m)), {
      message: `page placeholders: ${PAGE_PLACEHOLDERS.join(", ")}`,
    })
    .optional(),
  miniprogramState: z.enum(["developer", "trial", "formal"]).default("formal"),
  enabled: z.boolean().default(true),
  fields: fieldsSchema,
});

export type DeliveryTemplateInput = z.input<typeof deliveryTemplateSchema>;
export type DeliveryTemplateConfig = z.output<typeof deliveryTemplateSchema>;

export interface StoredTemplateConfig extends DeliveryTemplateConfig {
  tenantId: string;
  kind: TemplateKind;
  createdAt: Date;
  updatedAt: Date;
}

interface TemplateRow {
  tenantId: string;
  kind: TemplateKind;
  templateId: string;
  page: string | null;
  fields: Record<string, TemplateFieldSource>;
  miniprogramState: "developer" | "trial" | "formal";
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const toConfig = (r: TemplateRow): StoredTemplateConfig => ({
  tenantId: r.tenantId,
  kind: r.kind,
  templateId: r.templateId,
  ...(r.page ? { page: r.page } : {}),
  fields: r.fields,
  miniprogramState: r.miniprogramState,
  enabled: r.enabled,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

const SELECT = `SELECT tenant_id AS "tenantId", kind, template_id AS "templateId", page, fields, miniprogram_state AS "miniprogramState",
                       enabled, created_at AS "createdAt", updated_at AS "updatedAt" FROM tenant_wechat_template`;

/** Validates (throws ZodError with `fields.<key>` paths) and stores the tenant's delivery notice template. */
export async function setDeliveryTemplate(sequelize: Sequelize, tenantId: string, input: DeliveryTemplateInput): Promise<StoredTemplateConfig> {
  const config = deliveryTemplateSchema.parse(input);
  const [row] = await sequelize.query<TemplateRow>(
    `INSERT INTO tenant_wechat_template (tenant_id, kind, template_id, page, fields, miniprogram_state, enabled)
     VALUES ($1, 'delivery_notice', $2, $3, $4::jsonb, $5, $6)
     ON CONFLICT (tenant_id, kind) DO UPDATE
       SET template_id = EXCLUDED.template_id, page = EXCLUDED.page, fields = EXCLUDED.fields,
           miniprogram_state = EXCLUDED.miniprogram_state, enabled = EXCLUDED.enabled, updated_at = now()
     RETURNING tenant_id AS "tenantId", kind, template_id AS "templateId", page, fields, miniprogram_state AS "miniprogramState",
               enabled, created_at AS "createdAt", updated_at AS "updatedAt"`,
    {
      bind: [tenantId, config.templateId, config.page ?? null, JSON.stringify(config.fields), config.miniprogramState, config.enabled],
      type: QueryTypes.SELECT,
    },
  );
  return toConfig(row!);
}

export async function getTemplateConfigs(sequelize: Sequelize, tenantId: string): Promise<StoredTemplateConfig[]> {
  const rows = await sequelize.query<TemplateRow>(`${SELECT} WHERE tenant_id = $1 ORDER BY kind`, { bind: [tenantId], type: QueryTypes.SELECT });
  return rows.map(toConfig);
}

export async function getDeliveryTemplate(sequelize: Sequelize, tenantId: string): Promise<StoredTemplateConfig | null> {
  const [row] = await sequelize.query<TemplateRow>(`${SELECT} WHERE tenant_id = $1 AND kind = 'delivery_notice'`, {
    bind: [tenantId],
    type: QueryTypes.SELECT,
  });
  return row ? toConfig(row) : null;
}

export async function removeDeliveryTemplate(sequelize: Sequelize, tenantId: string): Promise<boolean> {
  const rows = await sequelize.query(`DELETE FROM tenant_wechat_template WHERE tenant_id = $1 AND kind = 'delivery_notice' RETURNING kind`, {
    bind: [tenantId],
    type: QueryTypes.SELECT,
  });
  return rows.length > 0;
}
