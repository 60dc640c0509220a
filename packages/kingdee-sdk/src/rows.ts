/**
 * Row shapes of the documents the product reads. Fields are as documented on the JDY list/detail
 * pages; every type stays open (`[field: string]: unknown`) because tenants add custom fields and
 * Kingdee adds columns without notice. Amounts arrive as strings in list rows and as JSON numbers
 * in details; ids are strings.
 */
type Open = { [field: string]: unknown };

/** A row whose key fields are all we rely on. */
export type KingdeeRow = Open;

export interface CustomerRow extends Open {
  id: string;
  number: string;
  name: string;
  enable?: string;
  group_name?: string;
  c_level_id?: string;
  remark?: string;
  modify_time?: string;
}

export interface CustomerDetail extends CustomerRow {
  bomentity?: Array<Open & { contact_person?: string; mobile?: string; phone?: string; contact_address?: string }>;
}

interface BillHeader extends Open {
  id: string;
  bill_no: string;
  bill_date: string;
  bill_status: string;
  create_time?: string;
  modify_time?: string;
  remark?: string;
}

interface CustomerBill extends BillHeader {
  customer_id: string;
  customer_name?: string;
  customer_number?: string;
}

export interface SalOrderRow extends CustomerBill {
  total_amount?: string | number;
  material_qty?: string | number;
  io_status?: string;
  real_io_status?: string;
  settle_status?: string;
  bill_close_state?: string;
}

export interface MaterialEntry extends Open {
  id: string;
  seq?: number;
  material_id: string;
  material_name?: string;
  material_number?: string;
  unit_id?: string;
  unit_name?: string;
  qty: string | number;
  base_qty?: string | number;
  price?: string | number;
  tax_price?: string | number;
  amount?: string | number;
  tax_amount?: string | number;
  all_amount?: string | number;
  cess?: string | number;
  stock_id?: string;
  batch_no?: string;
  src_bill_no?: string;
  is_free?: boolean;
  comment?: string;
}

export interface SalOrderDetail extends SalOrderRow {
  material_entity: MaterialEntry[];
}

export interface SalOutBoundRow extends CustomerBill {
  total_amount?: string | number;
  bill_dis_amount?: string | number;
  material_qty?: string | number;
  settle_status?: string;
  delivery_status?: string;
  ivc_status?: string;
  express_entity?: Open[];
  /** Thin in list rows: material_id, cost, entry_ivc_status only. */
  material_entity?: Open[];
}

export interface SalOutBoundDetail extends SalOutBoundRow {
  currency_id?: string;
  exchange_rate?: string | number;
  trans_type?: string | number;
  contact_address?: string;
  material_entity: MaterialEntry[];
}

export interface ArCreditRow extends CustomerBill {
  audit_date?: string;
  currency_id?: string;
  total_amount?: string | number;
  total_amount_for?: string | number;
  total_settle_amount?: string | number;
}

export interface ArCreditDetail extends ArCreditRow {
  pay_entry_list?: Array<Open & { amount?: string | number; settle_account_id?: string }>;
  source_bill_entry_list?: Open[];
}

/** A list page as the gateway returns it (`count` is a string on some endpoints). */
export interface ListPageData<Row> {
  count: number | string;
  page: number;
  page_size: number;
  total_page: number;
  current_page?: number;
  current_page_size?: number;
  rows: Row[];
  headers?: Open;
}

/** Authorization info from push or pull (`push_app_authorize`). */
export interface AuthorizationInfo extends Open {
  accountId?: string;
  accountName?: string;
  appKey: string;
  appSecret: string;
  clientId?: string;
  domain: string;
  groupName?: string;
  outerInstanceId: string;
  serviceId?: string;
  status?: number;
}
