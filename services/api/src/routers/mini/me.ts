import { Customer } from "@erpbridge/domain/models";
import { TRPCError } from "@trpc/server";
import { customerProcedure } from "../../trpc.js";

export interface CustomerProfile {
  id: string;
  name: string;
  number: string | null;
  phone: string | null;
  address: string | null;
}

/** The signed-in customer's profile. */
export const meProcedure = customerProcedure.query(async ({ ctx }): Promise<CustomerProfile> => {
  const customer = await Customer.findOne({ where: { id: ctx.customer.customerId, tenantId: ctx.customer.tenantId } });
  if (!customer) throw new TRPCError({ code: "NOT_FOUND", message: "customer not found" });
  return {
    id: customer.id,
    name: customer.name,
    number: customer.number,
    phone: customer.phone,
    address: customer.address,
  };
});
