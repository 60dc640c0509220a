import { QueryTypes, type Sequelize } from "sequelize";
import type { CustomerScope, Page } from "../deliveries/deliveries.js";
import { jdyConnector } from "../connectors/jdy/streams.js";
import { connectionIdOf } from "../sync/connection-of.js";
import { upsertRecordVersions } from "../sync/record-store.js";
import { transactionSql } from "../db/sql.js";
import { contentHash } from "../sync/canonical.js";
import { kingdeeTime } from "../connectors/jdy/values.js";

/**
 * Sales orders as the signed-in customer sees them, read from the current `sal_order` versions in
 * `source_record` (the synced detail documents), and their delivery progress from the projected
 * out-bound entries (`delivery_item.src_bill_no` = the order's bill_no, per material_id).
 *
 * Scope: an order is the customer's when its `customer_id` is the customer's `kingdee_customer_id`
 * in the same tenant; anything else is simply not found. Quantities and amounts are computed in
 * SQL numeric and returned as decimal strings (quantities and unit prices 4 places, amounts 2);
 * a value that is not a plain decimal counts as absent (0 in sums). Bill dates are the ERP's
 * "YYYY-MM-DD" strings.
 */

export const ORDER_BIZ_TYPE = "sal_order";

/** bill_status: `C` audited; anything else (Kingdee uses `Z`) is not audited. */
export const ORDER_AUDIT_STATUSES = ["audited", "unaudited"] as const;
/**
 * Derived from ordered vs delivered quantity per material:
 * - `over_delivered`: some material delivered more than ordered (wins over the others);
 * - `not_delivered`: nothing delivered yet;
 * - `delivered`: every ordered material delivered in full;
 * - `partially_delivered`: otherwise.
 */
export const ORDER_PROGRESS_STATUSES = ["not_delivered", "partially_delivered", "delivered", "over_delivered"] as const;
export const ORDER_STATUSES = [...ORDER_AUDIT_STATUSES, ...ORDER_PROGRESS_STATUSES] as const;

export type OrderAuditStatus = (typeof ORDER_AUDIT_STATUSES)[number];
export type OrderProgressStatus = (typeof ORDER_PROGRESS_STATUSES)[number];
export type OrderStatusFilter = (typeof ORDER_STATUSES)[number];

export interface OrderRecord {
  /** The Kingdee order id. */
  id: string;
  billNo: string;
  /** "YYYY-MM-DD" as the ERP gives it; null if the document carries none. */
  billDate: string | null;
  /** Kingdee bill_status as stored (`C`, `Z`, …). */
  billStatus: string | null;
  audited: boolean;
  /** 2 places; null if the document carries no readable total. */
  totalAmount: string | null;
  lineCount: number;
  progressStatus: OrderProgressStatus;
  /** Sums over the order's materials, 4 places. */
  orderedQty: string;
  deliveredQty: string;
  /** Σ per-material max(ordered − delivered, 0). */
  remainingQty: string;
  /** The source's modify time of the stored version. */
  modifiedAt: Date | null;
  /** When the stored version was written (sync or live refresh). */
  syncedAt: Date;
}

export interface OrderLineRecord {
  seq: number;
  materialId: string | null;
  materialNumber: string | null;
  materialName: string | null;
  unitName: string | null;
  /** 4 places. */
  qty: string;
  /** Unit price incl. tax when given (tax_price, else price), 4 places. */
  price: string | null;
  /** Line amount incl. tax when given (all_amount, else amount), 2 places. */
  amount: string | null;
}

export interface OrderDetailRecord extends OrderRecord {
  customerName: string | null;
  deliveryDate: string | null;
  remark: string | null;
  lines: OrderLineRecord[];
}

export interface OrderMaterialProgressRecord {
  materialId: string | null;
  materialNumber: string | null;
  materialName: string | null;
  unitName: string | null;
  /** Σ qty of the order's lines of this material (0 when only delivered), 4 places. */
  orderedQty: string;
  /** Σ qty of out-bound entries with src_bill_no = the order's bill_no and this material, 4 places. */
  deliveredQty: string;
  /** max(ordered − delivered, 0): never negative. */
  remainingQty: string;
  /** delivered > ordered. */
  overDelivered: boolean;
  /** max(delivered − ordered, 0). */
  overDeliveredQty: string;
}

export interface OrderProgressRecord {
  id: string;
  billNo: string;
  progressStatus: OrderProgressStatus;
  orderedQty: string;
  deliveredQty: string;
  remainingQty: string;
  materials: OrderMaterialProgressRecord[];
}

export interface SearchOrdersInput extends CustomerScope {
  /** Matches bill_no, or a material name or number of a line (case-insensitive substring). */
  keyword?: string | undefined;
  /** Audit values OR-ed, progress values OR-ed, the two groups AND-ed. */
  statuses?: readonly OrderStatusFilter[] | undefined;
  page: number;
  pageSize: number;
}

// ---------- SQL building blocks (no `$name`/`$$` in literals: Sequelize's bind parsing) ----------

/** A plain decimal text → numeric; anything else → NULL (never a cast error). */
const dec = (text: string) => `(CASE WHEN btrim(${text}) ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN btrim(${text})::numeric END)`;
const qty4 = (expr: string) => `round(${expr}, 4)::text`;

/** The document's material lines, whatever shape `material_entity` has. */
const entries = (doc: string) =>
  `jsonb_array_elements(CASE WHEN jsonb_typeof(${doc} -> 'material_entity') = 'array' THEN ${doc} -> 'material_entity' ELSE '[]'::jsonb END)`;

/** Current sal_order versions of the customer ($1 tenant, $2 customer id). */
const SCOPE = `k.tenant_id = $1 AND k.stream = '${ORDER_BIZ_TYPE}' AND k.is_current
  AND (k.data ->> 'customer_id') = (SELECT c.kingdee_customer_id FROM customer c WHERE c.id = $2 AND c.tenant_id = $1)`;

/**
 * Ordered vs delivered per material of the order `o` (a row with `data`): lines grouped by
 * material_id, FULL JOIN the out-bound entries of the tenant ($1) that name the order's bill_no.
 */
const perMaterial = (o: string) => `
  SELECT COALESCE(l.key, dl.key) AS key, l.first_seq,
         l.material_id AS l_material_id, l.material_number AS l_material_number, l.material_name AS l_material_name, l.unit_name AS l_unit_name,
         dl.material_id AS d_material_id, dl.material_number AS d_material_number, dl.material_name AS d_material_name, dl.unit_name AS d_unit_name,
         COALESCE(l.ordered, 0) AS ordered, COALESCE(dl.delivered, 0) AS delivered
    FROM (SELECT COALESCE(e ->> 'material_id', '') AS key, min(n) AS first_seq,
                 (array_agg(e ->> 'material_id' ORDER BY n))[1] AS material_id,
                 (array_agg(e ->> 'material_number' ORDER BY n))[1] AS material_number,
                 (array_agg(e ->> 'material_name' ORDER BY n))[1] AS material_name,
                 (array_agg(e ->> 'unit_name' ORDER BY n))[1] AS unit_name,
                 COALESCE(sum(${dec("e ->> 'qty'")}), 0) AS ordered
            FROM ${entries(`${o}.data`)} WITH ORDINALITY AS x(e, n)
           GROUP BY 1) l
    FULL JOIN
         (SELECT COALESCE(di.material_id, '') AS key, min(di.material_id) AS material_id,
                 min(di.material_number) AS material_number, min(di.material_name) AS material_name,
                 min(di.unit_name) AS unit_name, sum(di.qty) AS delivered
            FROM delivery_item di
            JOIN delivery d ON d.id = di.delivery_id AND d.tenant_id = $1
           WHERE di.src_bill_no = ${o}.data ->> 'bill_no'
           GROUP BY 1) dl
      ON dl.key = l.key`;

/** Order-level progress of `o`: columns ordered, delivered, remaining, progress_status. */
const progressOf = (o: string) => `
  SELECT COALESCE(sum(m.ordered), 0) AS ordered, COALESCE(sum(m.delivered), 0) AS delivered,
         COALESCE(sum(greatest(m.ordered - m.delivered, 0)), 0) AS remaining,
         CASE WHEN COALESCE(bool_or(m.delivered > m.ordered), false) THEN 'over_delivered'
              WHEN COALESCE(sum(m.delivered), 0) = 0 THEN 'not_delivered'
              WHEN COALESCE(bool_and(m.delivered >= m.ordered), false) THEN 'delivered'
              ELSE 'partially_delivered' END AS progress_status
    FROM (${perMaterial(o)}) m`;

const ORDER_COLUMNS = `k.record_id AS id, COALESCE(k.data ->> 'bill_no', k.record_id) AS "billNo",
  CASE WHEN (k.data ->> 'bill_date') ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN left(k.data ->> 'bill_date', 10) END AS "billDate",
  k.data ->> 'bill_status' AS "billStatus", COALESCE(k.data ->> 'bill_status' = 'C', false) AS audited,
  round(${dec("k.data ->> 'total_amount'")}, 2)::text AS "totalAmount",
  (SELECT count(*)::int FROM ${entries("k.data")} AS x(e)) AS "lineCount",
  p.progress_status AS "progressStatus", ${qty4("p.ordered")} AS "orderedQty", ${qty4("p.delivered")} AS "deliveredQty",
  ${qty4("p.remaining")} AS "remainingQty", k.cursor_value AS "modifiedAt", k.pulled_at AS "syncedAt"`;

const ORDER_BY = `ORDER BY k.data ->> 'bill_date' DESC, k.data ->> 'bill_no' DESC, k.record_id DESC`;

const likePattern = (keyword: string) => `%${keyword.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The customer's orders, newest first (bill date, bill no, id), with the total count. */
export async function searchOrders(sequelize: Sequelize, input: SearchOrdersInput): Promise<Page<OrderRecord>> {
  const statuses = new Set(input.statuses ?? []);
  const audit = ORDER_AUDIT_STATUSES.filter((s) => statuses.has(s));
  const progress = ORDER_PROGRESS_STATUSES.filter((s) => statuses.has(s));
  const keyword = input.keyword?.trim() ? likePattern(input.keyword.trim()) : null;

  // $1 tenant, $2 customer, $3 keyword pattern, $4 audit filter, $5 progress filter
  const bind: unknown[] = [
    input.tenantId,
    input.customerId,
    keyword,
    audit.length === 1 ? audit[0] === "audited" : null,
    progress.length > 0 ? progress : null,
  ];
  const where = `WHERE ${SCOPE}
      AND ($4::boolean IS NULL OR COALESCE(k.data ->> 'bill_status' = 'C', false) = $4::boolean)
      AND ($3::text IS NULL OR k.data ->> 'bill_no' ILIKE $3 OR EXISTS (
            SELECT 1 FROM ${entries("k.data")} AS x(e)
             WHERE e ->> 'material_name' ILIKE $3 OR e ->> 'material_number' ILIKE $3))`;
  // Progress is needed before paging only when it filters; otherwise only for the page's rows.
  const progressFilter = `AND ($5::text[] IS NULL OR p.progress_status = ANY($5::text[]))`;
  const progressJoin = `CROSS JOIN LATERAL (${progressOf("k")}) p`;

  const countSql = progress.length
    ? `SELECT count(*)::int AS total FROM source_record k ${progressJoin} ${where} ${progressFilter}`
    : `SELECT count(*)::int AS total FROM source_record k ${where} AND $5::text[] IS NULL`;
  const [{ total }] = (await sequelize.query<{ total: number }>(countSql, { bind, type: QueryTypes.SELECT })) as [{ total: number }];

  const offset = (input.page - 1) * input.pageSize;
  const rows =
    total <= offset
      ? []
      : progress.length
        ? await sequelize.query<OrderRecord>(
            `SELECT ${ORDER_COLUMNS} FROM source_record k ${progressJoin} ${where} ${progressFilter}
              ${ORDER_BY} LIMIT $6 OFFSET $7`,
            { bind: [...bind, input.pageSize, offset], type: QueryTypes.SELECT },
          )
        : await sequelize.query<OrderRecord>(
            `SELECT ${ORDER_COLUMNS}
               FROM (SELECT k.* FROM source_record k ${where} AND $5::text[] IS NULL ${ORDER_BY} LIMIT $6 OFFSET $7) k
               ${progressJoin}
              ${ORDER_BY}`,
            { bind: [...bind, input.pageSize, offset], type: QueryTypes.SELECT },
          );
  return { page: input.page, pageSize: input.pageSize, total, rows };
}

/** One order of this customer with its lines; null if it is not theirs (or not synced). */
export async function getOrder(sequelize: Sequelize, input: CustomerScope & { orderId: string }): Promise<OrderDetailRecord | null> {
  const [order] = await sequelize.query<Omit<OrderDetailRecord, "lines">>(
    `SELECT ${ORDER_COLUMNS}, k.data ->> 'customer_name' AS "customerName",
            CASE WHEN (k.data ->> 'delivery_date') ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN left(k.data ->> 'delivery_date', 10) END AS "deliveryDate",
            NULLIF(k.data ->> 'remark', '') AS remark
       FROM source_record k CROSS JOIN LATERAL (${progressOf("k")}) p
      WHERE ${SCOPE} AND k.record_id = $3`,
    { bind: [input.tenantId, input.customerId, input.orderId], type: QueryTypes.SELECT },
  );
  if (!order) return null;
  const lines = await sequelize.query<OrderLineRecord>(
    `SELECT COALESCE(CASE WHEN (e ->> 'seq') ~ '^[0-9]{1,9}$' THEN (e ->> 'seq')::int END, n::int) AS seq,
            e ->> 'material_id' AS "materialId", e ->> 'material_number' AS "materialNumber",
            e ->> 'material_name' AS "materialName", e ->> 'unit_name' AS "unitName",
            ${qty4(`COALESCE(${dec("e ->> 'qty'")}, 0)`)} AS qty,
            ${qty4(dec("COALESCE(e ->> 'tax_price', e ->> 'price')"))} AS price,
            round(${dec("COALESCE(e ->> 'all_amount', e ->> 'amount')")}, 2)::text AS amount
       FROM source_record k CROSS JOIN LATERAL ${entries("k.data")} WITH ORDINALITY AS x(e, n)
      WHERE ${SCOPE} AND k.record_id = $3
      ORDER BY n`,
    { bind: [input.tenantId, input.customerId, input.orderId], type: QueryTypes.SELECT },
  );
  return { ...order, lines };
}

/** Ordered vs delivered per material of one order of this customer; null if it is not theirs. */
export async function getOrderProgress(
  sequelize: Sequelize,
  input: CustomerScope & { orderId: string },
): Promise<OrderProgressRecord | null> {
  const [order] = await sequelize.query<Omit<OrderProgressRecord, "materials">>(
    `SELECT k.record_id AS id, COALESCE(k.data ->> 'bill_no', k.record_id) AS "billNo", p.progress_status AS "progressStatus",
            ${qty4("p.ordered")} AS "orderedQty", ${qty4("p.delivered")} AS "deliveredQty", ${qty4("p.remaining")} AS "remainingQty"
       FROM source_record k CROSS JOIN LATERAL (${progressOf("k")}) p
      WHERE ${SCOPE} AND k.record_id = $3`,
    { bind: [input.tenantId, input.customerId, input.orderId], type: QueryTypes.SELECT },
  );
  if (!order) return null;
  const materials = await sequelize.query<OrderMaterialProgressRecord>(
    `SELECT COALESCE(m.l_material_id, m.d_material_id) AS "materialId",
            COALESCE(m.l_material_number, m.d_material_number) AS "materialNumber",
            COALESCE(m.l_material_name, m.d_material_name) AS "materialName",
            COALESCE(m.l_unit_name, m.d_unit_name) AS "unitName",
            ${qty4("m.ordered")} AS "orderedQty", ${qty4("m.delivered")} AS "deliveredQty",
            ${qty4("greatest(m.ordered - m.delivered, 0)")} AS "remainingQty",
            m.delivered > m.ordered AS "overDelivered",
            ${qty4("greatest(m.delivered - m.ordered, 0)")} AS "overDeliveredQty"
       FROM source_record k CROSS JOIN LATERAL (${perMaterial("k")}) m
      WHERE ${SCOPE} AND k.record_id = $3
      ORDER BY m.first_seq NULLS LAST, COALESCE(m.l_material_number, m.d_material_number), m.key`,
    { bind: [input.tenantId, input.customerId, input.orderId], type: QueryTypes.SELECT },
  );
  return { ...order, materials };
}

export interface StoredOrderRef {
  id: string;
  hash: string;
  modifyTime: Date | null;
}

/** The customer's stored current version of an order (scope check before any live fetch). */
export async function findOrderRef(sequelize: Sequelize, input: CustomerScope & { orderId: string }): Promise<StoredOrderRef | null> {
  const [row] = await sequelize.query<StoredOrderRef>(
    `SELECT k.record_id AS id, k.hash, k.cursor_value AS "modifyTime" FROM source_record k WHERE ${SCOPE} AND k.record_id = $3`,
    { bind: [input.tenantId, input.customerId, input.orderId], type: QueryTypes.SELECT },
  );
  return row ?? null;
}

export class OrderDocumentError extends Error {
  override name = "OrderDocumentError";
}

export type StoreOrderOutcome = "inserted" | "updated" | "unchanged" | "stale";

export interface StoreOrderResult {
  outcome: StoreOrderOutcome;
  hash: string;
}

const CONCURRENT_WRITE = /concurrent write/;

/**
 * Stores a sales order fetched live (`sal_order_detail`) as a new `source_record` version when its
 * content hash changed, in one transaction. Live refreshes of the same order are serialised by a
 * transaction advisory lock; a version the sync wrote meanwhile with a newer modify time wins
 * (`stale`: nothing written). If a sync page writes the same order at the same instant, the loser
 * of the race sees it as a concurrent write: here that retries (the sync's page retries on its
 * next run from its checkpoint).
 */
export async function storeOrderVersion(
  sequelize: Sequelize,
  tenantId: string,
  orderId: string,
  document: unknown,
): Promise<StoreOrderResult> {
  if (!document || typeof document !== "object" || Array.isArray(document)) {
    throw new OrderDocumentError(`sal_order ${orderId}: the detail answered without a document`);
  }
  const data = document as Record<string, unknown>;
  if (String(data.id ?? "") !== orderId) {
    throw new OrderDocumentError(`sal_order ${orderId}: the detail answered document ${String(data.id)}`);
  }
  const hash = contentHash(data);
  const modifyTime = kingdeeTime(data.modify_time) ?? null;
  const scope = { connectionId: await connectionIdOf(tenantId, jdyConnector.kind), tenantId, stream: ORDER_BIZ_TYPE };
  for (let attempt = 1; ; attempt++) {
    try {
      const outcome = await sequelize.transaction(async (transaction): Promise<StoreOrderOutcome> => {
        await sequelize.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, {
          bind: [`erpbridge:raw:${tenantId}:${ORDER_BIZ_TYPE}:${orderId}`],
          type: QueryTypes.SELECT,
          transaction,
        });
        const [current] = await sequelize.query<{ hash: string; modify_time: Date | null }>(
          `SELECT hash, cursor_value AS modify_time FROM source_record WHERE connection_id = $1 AND stream = $2 AND record_id = $3 AND is_current`,
          { bind: [scope.connectionId, ORDER_BIZ_TYPE, orderId], type: QueryTypes.SELECT, transaction },
        );
        if (current?.hash === hash) return "unchanged";
        if (current?.modify_time && modifyTime && current.modify_time.getTime() > modifyTime.getTime()) return "stale";
        const [result] = await upsertRecordVersions(
          transactionSql(transaction),
          scope,
          [{ recordId: orderId, data, hash, cursorValue: modifyTime, listHash: null }],
          null,
        );
        return result!.outcome;
      });
      return { outcome, hash };
    } catch (error) {
      if (attempt < 3 && error instanceof Error && CONCURRENT_WRITE.test(error.message)) continue;
      throw error;
    }
  }
}
