import { randomUUID } from "node:crypto";
import { Customer, issueLoginToken, Tenant } from "@erpbridge/domain";
import { TRPCError } from "@trpc/server";
import QRCode from "qrcode";
import { Op, QueryTypes } from "sequelize";
import { z } from "zod";
import type { AppConfig } from "../../config.js";
import { adminProcedure, createTRPCRouter } from "../../trpc.js";

/** Customers created here without an ERP link get a local key in `kingdee_customer_id` (never a Kingdee id). */
const LOCAL_PREFIX = "local:";

export interface CustomerView {
  id: string;
  tenantId: string;
  name: string;
  number: string | null;
  phone: string | null;
  address: string | null;
  /** The linked Kingdee customer id; null for a local customer. */
  kingdeeCustomerId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CustomerListView {
  page: number;
  pageSize: number;
  total: number;
  customers: CustomerView[];
}

export interface CreatedCustomerView {
  customer: CustomerView;
  /** false: a customer with that Kingdee id already existed (synced) and is returned as is. */
  created: boolean;
}

export interface LoginTokenView {
  customerId: string;
  /** The login token itself: shown once, only its hash is stored. */
  token: string;
  expiresAt: Date;
  /** `${PUBLIC_URL}/login?token=…` when PUBLIC_URL is configured, else null. */
  loginUrl: string | null;
  /** What the QR code encodes (see `loginQrPayload`). */
  qrPayload: string;
  qrPngBase64: string;
  qrDataUrl: string;
}

const customerView = (c: Customer): CustomerView => ({
  id: c.id,
  tenantId: c.tenantId,
  name: c.name,
  number: c.number,
  phone: c.phone,
  address: c.address,
  kingdeeCustomerId: c.kingdeeCustomerId.startsWith(LOCAL_PREFIX) ? null : c.kingdeeCustomerId,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

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

export const adminCustomersRouter = createTRPCRouter({
  /** Customers, by name; `search` matches name, number or phone. */
  list: adminProcedure
    .input(
      z
        .object({
          tenantId: z.uuid().optional(),
          search: z.string().trim().max(100).optional(),
          page: z.number().int().min(1).max(100_000).default(1),
          pageSize: z.number().int().min(1).max(200).default(50),
        })
        .prefault({}),
    )
    .query(async ({ input }): Promise<CustomerListView> => {
      const pattern = input.search ? `%${input.search.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
      const { rows, count } = await Customer.findAndCountAll({
        where: {
          ...(input.tenantId ? { tenantId: input.tenantId } : {}),
          ...(pattern ? { [Op.or]: [{ name: { [Op.iLike]: pattern } }, { number: { [Op.iLike]: pattern } }, { phone: { [Op.iLike]: pattern } }] } : {}),
        },
        order: [["name", "ASC"], ["id", "ASC"]],
        limit: input.pageSize,
        offset: (input.page - 1) * input.pageSize,
      });
      return { page: input.page, pageSize: input.pageSize, total: count, customers: rows.map(customerView) };
    }),

  /**
   * A customer for the mini-program. With `kingdeeCustomerId` it is the ERP customer: an already
   * synced one is returned as is (`created: false`), a new one is filled in by the next sync.
   * Without, it is a local customer.
   */
  create: adminProcedure
    .input(
      z.object({
        tenantId: z.uuid(),
        name: z.string().trim().min(1, "name is required").max(100),
        phone: z.string().trim().regex(/^\+?[0-9][0-9 -]{4,30}$/, "phone must be digits, spaces or dashes").optional(),
        kingdeeCustomerId: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, "kingdeeCustomerId must be a Kingdee id").optional(),
      }),
    )
    .mutation(async ({ ctx, input }): Promise<CreatedCustomerView> => {
      if (!(await Tenant.findByPk(input.tenantId, { attributes: ["id"] }))) {
        throw new TRPCError({ code: "NOT_FOUND", message: "tenant not found" });
      }
      const kingdeeCustomerId = input.kingdeeCustomerId ?? `${LOCAL_PREFIX}${randomUUID()}`;
      const [inserted] = await ctx.services.db.sequelize.query<{ id: string }>(
        `INSERT INTO customer (id, tenant_id, kingdee_customer_id, name, phone, raw, created_at, updated_at)
         VALUES (gen_random_uuid(), $1, $2, $3, $4, '{}'::jsonb, now(), now())
         ON CONFLICT (tenant_id, kingdee_customer_id) DO NOTHING
         RETURNING id`,
        { bind: [input.tenantId, kingdeeCustomerId, input.name, input.phone ?? null], type: QueryTypes.SELECT },
      );
      const customer = inserted
        ? await Customer.findByPk(inserted.id)
        : await Customer.findOne({ where: { tenantId: input.tenantId, kingdeeCustomerId } });
      if (!customer) throw new Error("customer vanished after upsert");
      return { customer: customerView(customer), created: Boolean(inserted) };
    }),

  /** A login token for the customer, with its QR code (PNG). The token is shown only here. */
  issueToken: adminProcedure
    .input(
      z.object({
        customerId: z.uuid(),
        ttlHours: z.number().int().min(1).max(MAX_TOKEN_TTL_HOURS).optional(),
      }),
    )
    .mutation(async ({ ctx, input }): Promise<LoginTokenView> => {
      const customer = await Customer.findByPk(input.customerId, { attributes: ["id"] });
      if (!customer) throw new TRPCError({ code: "NOT_FOUND", message: "customer not found" });
      const { config } = ctx.services;
      const ttlHours = input.ttlHours ?? config.CUSTOMER_LOGIN_TOKEN_TTL_HOURS;
      const issued = await issueLoginToken(ctx.services.db.sequelize, customer.id, ttlHours * 3600_000);
      const qrPayload = loginQrPayload(issued.token);
      const png = await QRCode.toBuffer(qrPayload, { type: "png", errorCorrectionLevel: "M", margin: 2, width: 320 });
      const qrPngBase64 = png.toString("base64");
      ctx.log.info({ customerId: customer.id, expiresAt: issued.expiresAt }, "customer login token issued");
      return {
        customerId: customer.id,
        token: issued.token,
        expiresAt: issued.expiresAt,
        loginUrl: loginUrl(config, issued.token),
        qrPayload,
        qrPngBase64,
        qrDataUrl: `data:image/png;base64,${qrPngBase64}`,
      };
    }),
});
