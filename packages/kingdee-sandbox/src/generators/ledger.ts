import { Rng } from "../random.js";
import { formatDate } from "../time.js";
import { centsString, yuan, type Doc, type GenContext, type Rec, type Ref } from "../world.js";

/** Vouchers and inventory rows, generated from a record's seed. */

export function genVoucher(ctx: GenContext, rec: Rec, seqNo: number): Doc {
  const r = new Rng(rec.seed);
  const w = ctx.world;
  const amount = r.int(100, 80_000) * 100 + r.int(0, 99);
  const tax = Math.round((amount * 13) / 100);
  const src = ctx.outbounds.length ? r.pick(ctx.outbounds) : undefined;
  const explanation = src ? `销售出库 ${src.number}` : "销售收入";
  const line = (seq: number, acct: Ref, debit: number, credit: number): Doc => ({
    id: `${rec.id}${String(seq).padStart(2, "0")}`,
    seq,
    account_id: acct.id,
    account_name: acct.name,
    account_number: acct.number,
    explanation,
    debit_amount: yuan(debit),
    credit_amount: yuan(credit),
    dc: debit ? 1 : -1,
    currency_id: w.currency.id,
    currency_name: w.currency.name,
    currency_number: w.currency.number,
    amount_for: yuan(debit || credit),
    quantity: 0,
    price: 0,
    assist: [],
  });
  const entries = [
    line(1, w.accounts.receivable, amount + tax, 0),
    line(2, w.accounts.revenue, 0, amount),
    line(3, w.accounts.outputVat, 0, tax),
  ];
  const date = formatDate(rec.createMs);
  return {
    id: rec.id,
    number: rec.number,
    voucher_no: `${w.voucherWord.name}-${seqNo}`,
    date,
    period: date.slice(0, 7),
    year: Number(date.slice(0, 4)),
    bill_status: rec.status,
    debit_total: yuan(amount + tax),
    credit_total: yuan(amount + tax),
    group_id: w.voucherWord.id,
    group_name: w.voucherWord.name,
    is_reverse: false,
    have_reverse: false,
    attachments: r.int(0, 3),
    remark: "",
    source_bill_no: src?.number ?? "",
    src_bill: src ? [{ bill_id: src.id, bill_no: src.number, bill_type: "sal_out_bound" }] : [],
    create_time: "",
    modify_time: "",
    entry_list: entries,
  };
}

export function genInventory(ctx: GenContext, rec: Rec): Doc {
  const r = new Rng(rec.seed);
  const inv = rec.inv!;
  const m = ctx.materialDoc(inv.material);
  const qty = r.int(0, 500);
  const valid = Math.max(0, qty - r.int(0, Math.min(qty, 50)));
  return {
    material_id: m.id,
    material_name: m.name,
    material_number: m.number,
    material_model: m.model ?? "",
    base_unit_name: m.base_unit_name ?? "",
    stock_id: inv.stock.id,
    stock_name: inv.stock.name,
    stock_number: inv.stock.number,
    sp_id: "0",
    sp_name: "",
    aux_prop_id: "0",
    batch_no: inv.batch,
    kf_date: "",
    valid_date: "",
    qty: centsString(qty * 100),
    valid_qty: centsString(valid * 100),
    aux_qty: "0.00",
    qty_package: "",
    modify_time: "",
  };
}

/** Content change applied by `data.mutate`: remark always, plus one entry / amount where the document has them. */
