import { Rng } from "./random.js";
import type { StoredResource } from "./resources.js";

/** A document as served by a detail endpoint (without its create/modify timestamps filled in). */
export type Doc = Record<string, unknown>;

export interface Ref {
  id: string;
  number: string;
  name: string;
}

export type ShipPart = "full" | "first" | "second" | "partial";

/** One stored row: a skeleton that is cheap to create, plus the materialized document once it changed. */
export interface Rec {
  resource: StoredResource;
  /** Row key: `id` (inventory: material_id|stock_id|sp_id|aux_prop_id|batch_no). */
  id: string;
  /** bill_no / number ("" for inventory). */
  number: string;
  createMs: number;
  modifyMs: number;
  /** Seed of the lazily generated document. */
  seed: number;
  status: string;
  /** Counterparty (customer/supplier) for bills. */
  partyId: string;
  partyNumber: string;
  partyName: string;
  party?: Rec;
  /** Name used by `search` (master data) */
  name: string;
  /** Unit price in cents (materials). */
  priceCents?: number;
  /** Materialized current document; absent while the document is still the seeded one. */
  doc?: Doc;
  /** sal_out_bound → the sal_order it delivers. */
  link?: { order: Rec; part: ShipPart };
  /** sal_order: parts shipped by seeded sal_out_bound documents. */
  shipped?: ShipPart[];
  /** inventory: what the row is about. */
  inv?: { material: Rec; stock: Ref; batch: string };
  mutations: number;
}

export const CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "苏州", "西安", "重庆", "天津", "长沙", "郑州", "青岛", "厦门"];
export const WORDS = ["华联", "鑫源", "恒达", "宏远", "金桥", "博文", "瑞丰", "永盛", "德隆", "海纳", "天成", "嘉禾", "汇通", "盛世", "祥和", "启明"];
export const TRADES = ["商贸", "贸易", "科技", "实业", "电子", "食品", "建材", "百货"];
export const SUPPLIER_TRADES = ["制造", "供应链", "包装", "五金", "纸业", "塑胶", "化工", "机电"];
export const SURNAMES = ["张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"];
export const GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "军", "杰", "娟", "涛", "明", "超", "霞"];
export const STREETS = ["人民路", "解放路", "中山路", "建设路", "和平路", "长江路", "黄河路", "新华路"];
export const GOODS = [
  ["A4复印纸", "包"],
  ["中性笔", "盒"],
  ["文件夹", "个"],
  ["订书机", "个"],
  ["计算器", "台"],
  ["打印机墨盒", "个"],
  ["U盘64G", "个"],
  ["无线鼠标", "个"],
  ["机械键盘", "台"],
  ["显示器27寸", "台"],
  ["路由器", "台"],
  ["超五类网线", "箱"],
  ["插线板", "个"],
  ["收纳箱", "个"],
  ["白板", "块"],
  ["办公椅", "把"],
  ["咖啡豆", "千克"],
  ["矿泉水", "箱"],
  ["绿茶", "盒"],
  ["抽纸", "提"],
] as const;
export const CATEGORIES = ["办公用品", "电脑外设", "网络设备", "办公家具", "食品饮料", "日用百货"];
export const BRANDS = ["得力", "晨光", "联想", "罗技", "华为", "无品牌"];
export const BANKS = ["中国工商银行", "中国建设银行", "招商银行", "中国银行", "交通银行"];
export const LEVELS = ["普通客户", "银牌客户", "金牌客户", "VIP客户"];
export const CUSTOMER_GROUPS = ["批发客户", "零售客户", "线上客户", "大客户"];
export const SUPPLIER_GROUPS = ["原材料供应商", "办公用品供应商", "外包服务商"];
export const EMPLOYEES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强"];
export const DEPTS = ["销售一部", "销售二部", "采购部", "财务部"];
export const STOCKS = ["总仓", "华东仓", "华南仓", "华北仓"];
export const SETTLE_ACCOUNTS = ["工商银行基本户", "招商银行一般户", "现金", "微信收款"];
export const EXPRESS = ["顺丰速运", "中通快递", "圆通速递", "京东物流"];

/** Fixed per-tenant reference data: people, warehouses, accounts. */
export class World {
  readonly employees: Ref[];
  readonly depts: Ref[];
  readonly stocks: Ref[];
  readonly settleAccounts: Ref[];
  readonly units: Map<string, Ref>;
  readonly categories: Ref[];
  readonly brands: Ref[];
  readonly levels: Ref[];
  readonly customerGroups: Ref[];
  readonly supplierGroups: Ref[];
  readonly currency: Ref;
  readonly accounts: Record<"receivable" | "revenue" | "outputVat" | "bank" | "payable" | "goods", Ref>;
  readonly voucherWord: Ref;

  constructor(seed: number) {
    const r = new Rng(seed);
    const id = () => "1" + r.digits(18);
    const refs = (names: readonly string[], prefix: string): Ref[] =>
      names.map((name, i) => ({ id: id(), number: `${prefix}${String(i + 1).padStart(3, "0")}`, name }));
    this.employees = refs(EMPLOYEES, "YG");
    this.depts = refs(DEPTS, "BM");
    this.stocks = refs(STOCKS, "CK");
    this.settleAccounts = refs(SETTLE_ACCOUNTS, "ZH");
    const unitNames = [...new Set(GOODS.map((g) => g[1]))];
    this.units = new Map(refs(unitNames, "DW").map((u) => [u.name, u]));
    this.categories = refs(CATEGORIES, "LB");
    this.brands = refs(BRANDS, "PP");
    this.levels = refs(LEVELS, "DJ");
    this.customerGroups = refs(CUSTOMER_GROUPS, "KHLB");
    this.supplierGroups = refs(SUPPLIER_GROUPS, "GYSLB");
    this.currency = { id: id(), number: "CNY", name: "人民币" };
    this.accounts = {
      receivable: { id: id(), number: "1122", name: "应收账款" },
      revenue: { id: id(), number: "6001", name: "主营业务收入" },
      outputVat: { id: id(), number: "2221.01.02", name: "应交税费_应交增值税_销项税额" },
      bank: { id: id(), number: "1002", name: "银行存款" },
      payable: { id: id(), number: "2202", name: "应付账款" },
      goods: { id: id(), number: "1405", name: "库存商品" },
    };
    this.voucherWord = { id: id(), number: "JI", name: "记" };
  }
}

// ---------- money ----------

export const yuan = (cents: number) => cents / 100;
export const cents = (value: unknown) => Math.round(Number(value ?? 0) * 100);
/** Decimal string with two places from cents ("1234.50"). */
export function centsString(c: number): string {
  const neg = c < 0;
  const a = Math.abs(Math.round(c));
  const s = `${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
  return neg ? "-" + s : s;
}
export const decString = (value: unknown) => centsString(cents(value));

// ---------- names ----------

/** Unique company-like name for index i (a permutation of the name space, offset by seed). */
export function companyName(i: number, seed: number, trades: readonly string[], suffix: string): string {
  const space = CITIES.length * WORDS.length * trades.length;
  const k = (i * 613 + (seed % space)) % space;
  const city = CITIES[k % CITIES.length]!;
  const word = WORDS[Math.floor(k / CITIES.length) % WORDS.length]!;
  const trade = trades[Math.floor(k / (CITIES.length * WORDS.length)) % trades.length]!;
  const round = Math.floor(i / space);
  return `${city}${word}${trade}${round ? round + 1 : ""}${suffix}`;
}

export const personName = (r: Rng) => r.pick(SURNAMES) + r.pick(GIVEN) + (r.chance(0.5) ? r.pick(GIVEN) : "");
export const mobile = (r: Rng) => "1" + r.pick(["3", "5", "7", "8", "9"]) + r.digits(9);
export const address = (r: Rng) => `${r.pick(CITIES)}市${r.pick(STREETS)}${r.int(1, 999)}号`;

export interface GenContext {
  world: World;
  materials: readonly Rec[];
  /** Seed-time sal_out_bound records per customer id (ar_credit sources). */
  outboundsByCustomer: Map<string, Rec[]>;
  /** Seed-time sal_out_bound records (voucher sources). */
  outbounds: readonly Rec[];
  materialDoc(rec: Rec): Doc;
  materialById(id: string): Rec | undefined;
  /** The seeded (unmutated) document of a record. */
  baseDoc(rec: Rec): Doc;
  partyDoc(rec: Rec): Doc | undefined;
}
