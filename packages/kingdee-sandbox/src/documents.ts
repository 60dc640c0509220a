import type { Reply } from "@erpbridge/sandbox-kit";
import { BUSINESS_ERRORS, COUNT_AS_STRING, HAS_CURRENT_PAGE, type SandboxProtocol } from "./protocol.js";
import { BadRequest, type Envelopes, type Query } from "./replies.js";
import { RESOURCES, type SandboxResource, type StoredResource } from "./resources.js";
import { saveDocuments } from "./saves.js";
import { filterPredicate, type ListFilter } from "./store.js";
import type { Tenant } from "./tenants.js";
import { DAY_MS, parseDayStart } from "./time.js";

const NUMERIC = /^\d+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const first = (q: Query, key: string): string | undefined => q.get(key)?.[0];

/** Values of an array-ish filter: repeated keys, `key[]`, comma lists or a JSON array text. */
function listParam(q: Query, key: string): string[] {
  const out: string[] = [];
  for (const raw of [...(q.get(key) ?? []), ...(q.get(`${key}[]`) ?? [])]) {
    const v = raw.trim();
    if (v.startsWith("[")) {
      try {
        const arr = JSON.parse(v) as unknown;
        if (Array.isArray(arr)) for (const x of arr) if (x !== null && x !== "") out.push(String(x));
        continue;
      } catch {
        // fall through: treat as comma list
      }
    }
    for (const part of v.replace(/^\[|\]$/g, "").split(",")) if (part.trim()) out.push(part.trim().replace(/^"|"$/g, ""));
  }
  return out;
}

function intParam(query: Query, key: string): number | undefined {
  const v = first(query, key);
  if (v === undefined || v === "") return undefined;
  if (!NUMERIC.test(v.trim())) throw new BadRequest(BUSINESS_ERRORS.wrongType, `${key} 字段类型错误`);
  return Number(v.trim());
}

function timeParam(query: Query, key: string, allowMinusOne = false): number | undefined {
  const v = first(query, key)?.trim();
  if (v === undefined || v === "") return undefined;
  if (allowMinusOne && v === "-1") return undefined;
  if (!NUMERIC.test(v)) throw new BadRequest(BUSINESS_ERRORS.wrongType, `${key} 字段类型错误`);
  return Number(v);
}

function dayParam(query: Query, key: string, required: boolean): string | undefined {
  const v = first(query, key)?.trim();
  if (v === undefined || v === "") {
    if (required) throw new BadRequest(BUSINESS_ERRORS.required, `${key} 不能为空`);
    return undefined;
  }
  if (!DATE.test(v) || parseDayStart(v) === undefined) throw new BadRequest(BUSINESS_ERRORS.wrongType, `${key} 字段格式不正确`);
  return v;
}

/** A list call's filters, read the way each resource's documented parameters ask. */
function listFilter(protocol: SandboxProtocol, resource: SandboxResource, query: Query): ListFilter {
  const info = RESOURCES[resource];
  const f: ListFilter = {};
  const startShift = protocol.modifyStartInclusive ? 0 : 1;
  const endShift = protocol.modifyEndInclusive ? 0 : -1;
  const setModify = (from?: number, to?: number) => {
    if (from !== undefined) f.modifyFrom = from + startShift;
    if (to !== undefined) f.modifyTo = to + endShift;
  };
  if (info.timeFilter === "modify_ms") {
    setModify(timeParam(query, "modify_start_time"), timeParam(query, "modify_end_time"));
    f.createFrom = timeParam(query, "create_start_time");
    f.createTo = timeParam(query, "create_end_time");
  } else if (info.timeFilter === "pur_invoice") {
    setModify(timeParam(query, "begin_time", true), timeParam(query, "expire_time", true));
  }
  if (info.timeFilter === "sal_invoice") {
    const start = dayParam(query, "start_date", true)!;
    const end = dayParam(query, "end_date", true)!;
    f.createFrom = parseDayStart(start);
    f.createTo = parseDayStart(end)! + DAY_MS - 1;
    const begin = dayParam(query, "begin_date", false);
    const expire = dayParam(query, "expire_date", false);
    if (begin) f.modifyFrom = parseDayStart(begin);
    if (expire) f.modifyTo = parseDayStart(expire)! + DAY_MS - 1;
  } else {
    const startBill = dayParam(query, "start_bill_date", false) ?? dayParam(query, "start_date", false);
    const endBill = dayParam(query, "end_bill_date", false) ?? dayParam(query, "end_date", false);
    if (startBill) f.createFrom = Math.max(f.createFrom ?? 0, parseDayStart(startBill)!);
    if (endBill) f.createTo = Math.min(f.createTo ?? Number.MAX_SAFE_INTEGER, parseDayStart(endBill)! + DAY_MS - 1);
  }
  if (info.party) {
    const ids = listParam(query, `${info.party}_id`);
    if (ids.length) f.partyIds = ids;
    const num = first(query, `${info.party}_number`);
    if (num) f.partyNumber = num;
  }
  if (info.numberField === "bill_no") {
    const billNo = first(query, "bill_no");
    if (billNo) f.billNo = billNo;
  } else if (info.numberField === "number") {
    const number = first(query, "number");
    if (number) f.number = number;
  }
  const search = first(query, "search");
  if (search) f.search = search;
  const status = first(query, "bill_status") ?? first(query, "bills_tatus");
  if (status) f.status = status;
  const enable = first(query, "enable");
  if (enable && info.party === null && resource !== "voucher") f.enable = enable;
  if (resource === "inventory") {
    const mids = [...listParam(query, "material_ids"), ...listParam(query, "material_id")];
    const mnums = [...listParam(query, "material_numbers"), ...listParam(query, "material_number")];
    const sids = [...listParam(query, "stock_ids"), ...listParam(query, "stock_id")];
    if (mids.length) f.materialIds = mids;
    if (mnums.length) f.materialNumbers = mnums;
    if (sids.length) f.stockIds = sids;
  }
  for (const k of Object.keys(f) as Array<keyof ListFilter>) if (f[k] === undefined) delete f[k];
  return f;
}

/** One page of a list, in the resource's envelope shape. */
export function listReply(envelopes: Envelopes, protocol: SandboxProtocol, tenant: Tenant, resource: SandboxResource, query: Query): Reply {
  if (resource === "inventory_stock") {
    const materialId = first(query, "material_id");
    if (!materialId) throw new BadRequest(BUSINESS_ERRORS.required, "material_id 不能为空");
    return envelopes.ok(tenant.data.inventoryStock(materialId));
  }
  const page = Math.max(1, intParam(query, "page") ?? 1);
  const sizeParam = intParam(query, "page_size");
  const pageSize = Math.min(protocol.maxPageSize, sizeParam && sizeParam > 0 ? sizeParam : protocol.defaultPageSize);
  const f = listFilter(protocol, resource, query);
  const rows = tenant.data.stores[resource].query(f, filterPredicate(resource, f));
  const count = rows.length;
  const start = (page - 1) * pageSize;
  const pageRows = start < count ? rows.slice(start, start + pageSize).map((rec) => tenant.data.listRow(rec)) : [];
  const data: Record<string, unknown> = {
    count: COUNT_AS_STRING.has(resource) ? String(count) : count,
    page,
    page_size: pageSize,
  };
  if (HAS_CURRENT_PAGE.has(resource)) data.current_page = page;
  data.total_page = Math.ceil(count / pageSize);
  data.current_page_size = pageRows.length;
  data.rows = pageRows;
  return envelopes.ok(data);
}

export function detailReply(envelopes: Envelopes, tenant: Tenant, resource: StoredResource, query: Query): Reply {
  const id = first(query, "id");
  const number = first(query, "number") ?? first(query, RESOURCES[resource].numberField ?? "number");
  if (!id && !number) throw new BadRequest(BUSINESS_ERRORS.required, "id 不能为空");
  const store = tenant.data.stores[resource];
  const rec = id ? store.byId.get(id) : store.byNumber.get(number!);
  if (!rec) return envelopes.business(BUSINESS_ERRORS.notFound, "单据不存在");
  return envelopes.ok(tenant.data.view(rec));
}

export function saveReply(envelopes: Envelopes, tenant: Tenant, resource: StoredResource, body: string): Reply {
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : {};
  } catch {
    return envelopes.business(BUSINESS_ERRORS.wrongType, "请求参数格式不正确");
  }
  const items = parsed && typeof parsed === "object" ? (parsed as { data?: unknown }).data : undefined;
  const result = saveDocuments(tenant.data, resource, items);
  if ("errcode" in result) return envelopes.business(result.errcode, result.description);
  return envelopes.ok({ ids: result.ids });
}
