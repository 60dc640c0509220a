import { idInput, pageInput, pageSizeInput, textInput } from "@erpbridge/domain/inputs";
import { Customer } from "@erpbridge/domain/models";
import { confirmCustomerStatement, getStatement, listStatements, type StatementRecord } from "@erpbridge/domain/statements";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { createTRPCRouter, customerProcedure } from "../../trpc.js";

export type StatementStatusView = "OPEN" | "CONFIRMED" | "SUPERSEDED";

export interface StatementSummaryView {
  id: string;
  /** "YYYY-MM" */
  period: string;
  currency: string;
  /** Decimal string, 2 places. */
  totalAmount: string;
  status: StatementStatusView;
  revision: number;
  lineCount: number;
  confirmedAt: Date | null;
  updatedAt: Date;
}

export interface StatementLineView {
  docType: string;
  docId: string;
  docNo: string | null;
  /** Calendar date "YYYY-MM-DD". */
  docDate: string | null;
  amount: string;
}

export interface StatementConfirmationView {
  id: string;
  statementId: string;
  /** The revision that was confirmed. */
  revision: number;
  confirmedAt: Date;
  confirmedBy: string;
}

export interface StatementDetailView extends StatementSummaryView {
  lines: StatementLineView[];
  confirmation: StatementConfirmationView | null;
  /** Set when a newer revision of the same month exists: this one is history, confirm that one. */
  newerRevision: { id: string; revision: number; status: StatementStatusView } | null;
}

export interface StatementListView {
  page: number;
  pageSize: number;
  total: number;
  statements: StatementSummaryView[];
}

const summaryView = (s: StatementRecord): StatementSummaryView => ({
  id: s.id,
  period: s.period,
  currency: s.currency,
  totalAmount: s.totalAmount,
  status: s.status,
  revision: s.revision,
  lineCount: s.lineCount,
  confirmedAt: s.confirmedAt,
  updatedAt: s.updatedAt,
});

const confirmationView = (c: StatementConfirmationView): StatementConfirmationView => ({
  id: c.id,
  statementId: c.statementId,
  revision: c.revision,
  confirmedAt: c.confirmedAt,
  confirmedBy: c.confirmedBy,
});

const period = textInput(7).regex(/^\d{4}-(0[1-9]|1[0-2])$/, "period must be YYYY-MM");
const notFound = () => new TRPCError({ code: "NOT_FOUND", message: "statement not found" });

export const miniStatementsRouter = createTRPCRouter({
  /** The live revision (OPEN or CONFIRMED) per month, newest month first; one month or a range. */
  list: customerProcedure
    .input(
      z
        .object({
          period: period.optional(),
          from: period.optional(),
          to: period.optional(),
          page: pageInput.default(1),
          pageSize: pageSizeInput(100).default(20),
        })
        .refine((v) => !(v.period && (v.from || v.to)), { message: "give a period or a from/to range, not both", path: ["period"] })
        .refine((v) => !(v.from && v.to && v.from > v.to), { message: "from is after to", path: ["from"] })
        .prefault({}),
    )
    .query(async ({ ctx, input }): Promise<StatementListView> => {
      const page = await listStatements(ctx.services.db.sequelize, { ...ctx.customer, ...input });
      return { page: page.page, pageSize: page.pageSize, total: page.total, statements: page.rows.map(summaryView) };
    }),

  /** One statement (any revision, history included) with its lines and confirmation. */
  get: customerProcedure.input(z.object({ id: idInput })).query(async ({ ctx, input }): Promise<StatementDetailView> => {
    const statement = await getStatement(ctx.services.db.sequelize, { ...ctx.customer, statementId: input.id });
    if (!statement) throw notFound();
    return {
      ...summaryView(statement),
      lines: statement.lines.map((l) => ({ docType: l.docType, docId: l.docId, docNo: l.docNo, docDate: l.docDate, amount: l.amount })),
      confirmation: statement.confirmation ? confirmationView(statement.confirmation) : null,
      newerRevision: statement.newerRevision
        ? { id: statement.newerRevision.id, revision: statement.newerRevision.revision, status: statement.newerRevision.status }
        : null,
    };
  }),

  /**
   * Confirms a statement revision. Idempotent: confirming again returns the first confirmation.
   * A superseded revision is a CONFLICT naming the revision to confirm instead.
   */
  confirm: customerProcedure.input(z.object({ id: idInput })).mutation(async ({ ctx, input }): Promise<StatementConfirmationView> => {
    const customer = await Customer.findOne({ where: { id: ctx.customer.customerId, tenantId: ctx.customer.tenantId }, attributes: ["name"] });
    const confirmation = await confirmCustomerStatement(ctx.services.db.sequelize, {
      ...ctx.customer,
      statementId: input.id,
      confirmedBy: customer?.name ?? `customer ${ctx.customer.customerId}`,
    });
    if (!confirmation) throw notFound();
    return confirmationView(confirmation);
  }),
});
