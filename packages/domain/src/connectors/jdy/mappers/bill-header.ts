import { z } from "zod";

/** The header fields every customer document (出库单, 收款单) carries. */
export const billHeader = {
  id: z.coerce.string().min(1),
  bill_no: z.string().min(1),
  bill_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "bill_date must be yyyy-MM-dd"),
  customer_id: z.coerce.string().min(1, "customer_id is required"),
  customer_name: z.string().optional(),
  customer_number: z.coerce.string().optional(),
};

/** A customer's display name when the document has no name: its number, else its id. */
export const customerNameOf = (doc: { customer_id: string; customer_name?: string | undefined; customer_number?: string | undefined }) =>
  doc.customer_name ?? doc.customer_number ?? doc.customer_id;

/** Why a document could not be projected, on one line (for the failure ledger). */
export const projectionFailure = (error: unknown) =>
  error instanceof z.ZodError ? z.prettifyError(error).replace(/\n/g, "; ") : error instanceof Error ? error.message : String(error);
