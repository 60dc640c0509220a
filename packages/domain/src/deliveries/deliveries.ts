import { QueryTypes, type Sequelize, type Transaction } from "sequelize";

export const DELIVERY_STATUSES = ["PENDING", "SIGNED"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface SignoffGps {
  latitude: number;
  longitude: number;
  accuracy?: number;
}

/** What the customer saw when signing, copied so it survives later ERP edits. */
export interface SignoffSnapshot {
  customerName: string;
  address?: string | null;
  billNo?: string;
  billDate?: string;
  items: Array<{ seq: number; materialNumber?: string | null; materialName?: string | null; unitName?: string | null; qty: string }>;
  [key: string]: unknown;
}

/**
 * Deliveries as the signed-in customer sees them, and the sign-off. Every query is scoped by
 * tenant and customer: another customer's delivery is simply not found (null / empty), never
 * "forbidden". Money and quantities stay exact decimal strings; bill dates are calendar dates
 * ("YYYY-MM-DD", business-local); timestamps are Dates.
 */

export interface CustomerScope {
  tenantId: string;
  customerId: string;
}

export interface DeliveryRecord {
  id: string;
  billNo: string;
  /** "YYYY-MM-DD" (business-local calendar date). */
  billDate: string;
  /** DECIMAL(18,2) as a string. */
  totalAmount: string;
  status: DeliveryStatus;
  itemCount: number;
  /** When it was signed (the sign-off's signedAt), null while pending. */
  signedAt: Date | null;
  updatedAt: Date;
}

export interface DeliveryItemRecord {
  seq: number;
  materialId: string | null;
  materialNumber: string | null;
  materialName: string | null;
  unitName: string | null;
  /** DECIMAL(18,4) as a string. */
  qty: string;
  price: string | null;
  amount: string | null;
  srcBillNo: string | null;
}

export interface DeliverySignoffRecord {
  id: string;
  deliveryId: string;
  customerId: string;
  signerName: string;
  signedAt: Date;
  /** Relative to the upload root: `<tenantId>/<deliveryId>/<name>.png|jpg`. */
  signaturePath: string;
  photoPaths: string[];
  remark: string | null;
  gps: SignoffGps | null;
  snapshot: SignoffSnapshot;
  createdAt: Date;
}

export interface DeliveryDetailRecord extends DeliveryRecord {
  customerName: string;
  customerAddress: string | null;
  items: DeliveryItemRecord[];
  signoff: DeliverySignoffRecord | null;
}

export interface ListDeliveriesInput extends CustomerScope {
  status?: DeliveryStatus | undefined;
  page: number;
  pageSize: number;
}

export interface Page<T> {
  page: number;
  pageSize: number;
  total: number;
  rows: T[];
}

const DELIVERY_COLUMNS = `d.id, d.bill_no AS "billNo", to_char(d.bill_date, 'YYYY-MM-DD') AS "billDate",
  d.total_amount::text AS "totalAmount", d.status,
  (SELECT count(*)::int FROM delivery_item i WHERE i.delivery_id = d.id) AS "itemCount",
  s.signed_at AS "signedAt", d.updated_at AS "updatedAt"`;

const SIGNOFF_COLUMNS = `id, delivery_id AS "deliveryId", customer_id AS "customerId", signer_name AS "signerName",
  signed_at AS "signedAt", signature_path AS "signaturePath", photo_paths AS "photoPaths", remark, gps, snapshot,
  created_at AS "createdAt"`;

/** The customer's deliveries, newest first (bill date, then bill number), with the total count. */
export async function listDeliveries(sequelize: Sequelize, input: ListDeliveriesInput): Promise<Page<DeliveryRecord>> {
  const filter = `WHERE d.tenant_id = $1 AND d.customer_id = $2 AND ($3::text IS NULL OR d.status = $3)`;
  const bind = [input.tenantId, input.customerId, input.status ?? null];
  const [{ total }] = (await sequelize.query<{ total: number }>(`SELECT count(*)::int AS total FROM delivery d ${filter}`, {
    bind,
    type: QueryTypes.SELECT,
  })) as [{ total: number }];
  const rows = await sequelize.query<DeliveryRecord>(
    `SELECT ${DELIVERY_COLUMNS}
       FROM delivery d LEFT JOIN delivery_signoff s ON s.delivery_id = d.id
     ${filter}
      ORDER BY d.bill_date DESC, d.bill_no DESC, d.id DESC
      LIMIT $4 OFFSET $5`,
    { bind: [...bind, input.pageSize, (input.page - 1) * input.pageSize], type: QueryTypes.SELECT },
  );
  return { page: input.page, pageSize: input.pageSize, total, rows };
}

async function findSignoff(sequelize: Sequelize, deliveryId: string, transaction?: Transaction): Promise<DeliverySignoffRecord | null> {
  const [row] = await sequelize.query<DeliverySignoffRecord>(`SELECT ${SIGNOFF_COLUMNS} FROM delivery_signoff WHERE delivery_id = $1`, {
    bind: [deliveryId],
    type: QueryTypes.SELECT,
    ...(transaction ? { transaction } : {}),
  });
  return row ?? null;
}

async function findItems(sequelize: Sequelize, deliveryId: string, transaction?: Transaction): Promise<DeliveryItemRecord[]> {
  return sequelize.query<DeliveryItemRecord>(
    `SELECT seq, material_id AS "materialId", material_number AS "materialNumber", material_name AS "materialName",
            unit_name AS "unitName", qty::text AS qty, price::text AS price, amount::text AS amount, src_bill_no AS "srcBillNo"
       FROM delivery_item WHERE delivery_id = $1 ORDER BY seq`,
    { bind: [deliveryId], type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) },
  );
}

/** One delivery of this customer with its items and sign-off; null if it is not theirs (or does not exist). */
export async function getDelivery(
  sequelize: Sequelize,
  input: CustomerScope & { deliveryId: string },
): Promise<DeliveryDetailRecord | null> {
  const [delivery] = await sequelize.query<Omit<DeliveryDetailRecord, "items" | "signoff">>(
    `SELECT ${DELIVERY_COLUMNS}, c.name AS "customerName", c.address AS "customerAddress"
       FROM delivery d
       JOIN customer c ON c.id = d.customer_id
       LEFT JOIN delivery_signoff s ON s.delivery_id = d.id
      WHERE d.id = $1 AND d.tenant_id = $2 AND d.customer_id = $3`,
    { bind: [input.deliveryId, input.tenantId, input.customerId], type: QueryTypes.SELECT },
  );
  if (!delivery) return null;
  const [items, signoff] = await Promise.all([findItems(sequelize, delivery.id), findSignoff(sequelize, delivery.id)]);
  return { ...delivery, items, signoff };
}

export interface SignDeliveryInput extends CustomerScope {
  deliveryId: string;
  signerName: string;
  signedAt: Date;
  signaturePath: string;
  photoPaths: string[];
  remark?: string | null | undefined;
  gps?: SignoffGps | null | undefined;
}

export interface SignDeliveryResult {
  signoff: DeliverySignoffRecord;
  /** false: the delivery was already signed and this is the first (unchanged) sign-off. */
  created: boolean;
}

/**
 * Signs a delivery. Idempotent: once signed, every later submit returns the first sign-off
 * unchanged (`created: false`) — the caller then discards its own files. Concurrent submits are
 * serialised on the delivery row (and the unique delivery_id backs it up): one record, and the
 * loser gets the winner's. The sign-off carries a snapshot of what the customer saw (customer,
 * bill, items and quantities) so it survives later ERP edits. Returns null when the delivery is
 * not this customer's.
 */
export async function signDelivery(sequelize: Sequelize, input: SignDeliveryInput): Promise<SignDeliveryResult | null> {
  return sequelize.transaction(async (transaction) => {
    const [delivery] = await sequelize.query<{
      id: string; billNo: string; billDate: string; totalAmount: string;
      customerName: string; customerNumber: string | null; customerAddress: string | null;
    }>(
      `SELECT d.id, d.bill_no AS "billNo", to_char(d.bill_date, 'YYYY-MM-DD') AS "billDate", d.total_amount::text AS "totalAmount",
              c.name AS "customerName", c.number AS "customerNumber", c.address AS "customerAddress"
         FROM delivery d JOIN customer c ON c.id = d.customer_id
        WHERE d.id = $1 AND d.tenant_id = $2 AND d.customer_id = $3
          FOR UPDATE OF d`,
      { bind: [input.deliveryId, input.tenantId, input.customerId], type: QueryTypes.SELECT, transaction },
    );
    if (!delivery) return null;
    const existing = await findSignoff(sequelize, delivery.id, transaction);
    if (existing) return { signoff: existing, created: false };

    const items = await findItems(sequelize, delivery.id, transaction);
    const snapshot: SignoffSnapshot = {
      customerName: delivery.customerName,
      customerNumber: delivery.customerNumber,
      address: delivery.customerAddress,
      billNo: delivery.billNo,
      billDate: delivery.billDate,
      totalAmount: delivery.totalAmount,
      items: items.map((item) => ({
        seq: item.seq,
        materialNumber: item.materialNumber,
        materialName: item.materialName,
        unitName: item.unitName,
        qty: item.qty,
        price: item.price,
        amount: item.amount,
      })),
      capturedAt: new Date().toISOString(),
    };
    const [created] = await sequelize.query<DeliverySignoffRecord>(
      `INSERT INTO delivery_signoff (id, delivery_id, customer_id, signer_name, signed_at, signature_path, photo_paths, remark, gps, snapshot, created_at)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6::jsonb, $7, $8::jsonb, $9::jsonb, now())
       ON CONFLICT (delivery_id) DO NOTHING
       RETURNING ${SIGNOFF_COLUMNS}`,
      {
        bind: [
          delivery.id, input.customerId, input.signerName, input.signedAt, input.signaturePath, JSON.stringify(input.photoPaths),
          input.remark ?? null, input.gps ? JSON.stringify(input.gps) : null, JSON.stringify(snapshot),
        ],
        type: QueryTypes.SELECT,
        transaction,
      },
    );
    if (!created) {
      // Lost a race the row lock did not cover: the winner's record is the answer.
      const winner = await findSignoff(sequelize, delivery.id, transaction);
      if (!winner) throw new Error(`delivery ${delivery.id}: sign-off conflict without a sign-off`);
      return { signoff: winner, created: false };
    }
    await sequelize.query(`UPDATE delivery SET status = 'SIGNED', updated_at = now() WHERE id = $1`, {
      bind: [delivery.id],
      transaction,
    });
    return { signoff: created, created: true };
  });
}

export interface SignoffFileOwner {
  tenantId: string;
  deliveryId: string;
  /** Who signed it. */
  signoffCustomerId: string;
  /** Whose delivery it is now. */
  deliveryCustomerId: string;
  /** The stored path (from the record, never from a request). */
  path: string;
}

/**
 * The sign-off file `relativePath` of delivery `deliveryId` in `tenantId`, if that sign-off
 * record lists it (signature or a photo); null otherwise. Used to authorize file downloads: the
 * file is found through the record, never by trusting the requested path.
 */
export async function findSignoffFile(
  sequelize: Sequelize,
  input: { tenantId: string; deliveryId: string; relativePath: string },
): Promise<SignoffFileOwner | null> {
  const [row] = await sequelize.query<{ signaturePath: string; photoPaths: string[]; signoffCustomerId: string; deliveryCustomerId: string }>(
    `SELECT s.signature_path AS "signaturePath", s.photo_paths AS "photoPaths",
            s.customer_id AS "signoffCustomerId", d.customer_id AS "deliveryCustomerId"
       FROM delivery_signoff s JOIN delivery d ON d.id = s.delivery_id
      WHERE s.delivery_id = $1 AND d.tenant_id = $2`,
    { bind: [input.deliveryId, input.tenantId], type: QueryTypes.SELECT },
  );
  if (!row) return null;
  const path = [row.signaturePath, ...row.photoPaths].find((p) => p === input.relativePath);
  if (!path) return null;
  return {
    tenantId: input.tenantId,
    deliveryId: input.deliveryId,
    signoffCustomerId: row.signoffCustomerId,
    deliveryCustomerId: row.deliveryCustomerId,
    path,
  };
}
