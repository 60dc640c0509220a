import { randomUUID } from "node:crypto";
import { Op, QueryTypes, type Sequelize } from "sequelize";
import { z } from "zod";
import { idInput, pageInput, pageSizeInput, requiredText, textInput } from "../inputs/schemas.js";
import { Customer } from "../models/customer.js";

/** Customers created without an ERP link get a local key in `kingdee_customer_id` (never a Kingdee id). */
const LOCAL_PREFIX = "local:";

export interface CustomerRecord {
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

export interface CustomerList {
  page: number;
  pageSize: number;
  total: number;
  customers: CustomerRecord[];
}

export interface CreatedCustomer {
  customer: CustomerRecord;
  /** false: a customer with that Kingdee id already existed (synced) and is returned as is. */
  created: boolean;
}

const customerRecord = (c: Customer): CustomerRecord => ({
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

export const listCustomersInput = z
  .object({
    tenantId: idInput.optional(),
    search: textInput(100).trim().optional(),
    page: pageInput.default(1),
    pageSize: pageSizeInput(200).default(50),
  })
  .prefault({});
export type ListCustomersInput = z.output<typeof listCustomersInput>;

/** Customers by name; `search` matches name, number or phone. */
export async function listCustomers(input: ListCustomersInput): Promise<CustomerList> {
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
  return { page: input.page, pageSize: input.pageSize, total: count, customers: rows.map(customerRecord) };
}

export const createCustomerInput = z.object({
  tenantId: idInput,
  name: requiredText(100),
  phone: textInput(40).trim().regex(/^\+?[0-9][0-9 -]{4,30}$/, "phone must be digits, spaces or dashes").optional(),
  kingdeeCustomerId: textInput(64).trim().regex(/^[A-Za-z0-9_-]{1,64}$/, "kingdeeCustomerId must be a Kingdee id").optional(),
});
export type CreateCustomerInput = z.output<typeof createCustomerInput>;

/**
 * A customer for the mini-program. With `kingdeeCustomerId` it is the ERP customer: an already
 * synced one is returned as is (`created: false`), a new one is filled in by the next sync.
 * Without, it is a local customer. The caller has checked that the tenant exists.
 */
export async function createCustomer(sequelize: Sequelize, input: CreateCustomerInput): Promise<CreatedCustomer> {
  const kingdeeCustomerId = input.kingdeeCustomerId ?? `${LOCAL_PREFIX}${randomUUID()}`;
  // ON CONFLICT rather than findOrCreate: a sync may insert the same ERP customer at the same moment.
  const [inserted] = await sequelize.query<{ id: string }>(
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
  return { customer: customerRecord(customer), created: Boolean(inserted) };
}

/** Whether the customer exists (admin procedures answer NOT_FOUND otherwise). */
export async function customerExists(customerId: string): Promise<boolean> {
  return (await Customer.findByPk(customerId, { attributes: ["id"] })) !== null;
}
