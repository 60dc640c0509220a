import { listCallsInput } from "@erpbridge/domain/call-log";
import { idInput } from "@erpbridge/domain/inputs";
import { Tenant } from "@erpbridge/domain/models";
import type { ProbeResult } from "../../erp/erp-probe.js";
import { z } from "zod";
import { adminProcedure, createTRPCRouter } from "../../trpc.js";
import { requireTenant } from "./require-tenant.js";

export interface ErpStatusView {
  tenantId: string;
  name: string;
  status: "active" | "disabled";
  probe: { ok: boolean; checkedAt: Date; latencyMs: number; lastSuccessAt: Date | null; error: ProbeResult["error"] } | null;
}

export const adminErpRouter = createTRPCRouter({
  /** Per tenant: the last scheduled probe (one cheap signed call): ok, latency, last error. */
  status: adminProcedure.query(async ({ ctx }) => {
    const tenants = await Tenant.findAll({ order: [["createdAt", "ASC"]] });
    const probes = new Map((await ctx.services.erpProbe.results()).map((p) => [p.tenantId, p]));
    return tenants.map((tenant): ErpStatusView => {
      const probe = probes.get(tenant.id);
      return {
        tenantId: tenant.id,
        name: tenant.name,
        status: tenant.status,
        probe: probe ? { ok: probe.ok, checkedAt: probe.checkedAt, latencyMs: Math.round(probe.latencyMs), lastSuccessAt: probe.lastSuccessAt, error: probe.error } : null,
      };
    });
  }),

  /** Probes one tenant now. */
  probe: adminProcedure.input(z.object({ tenantId: idInput })).mutation(async ({ ctx, input }) => {
    await requireTenant(input.tenantId);
    const probe = await ctx.services.erpProbe.probe(input.tenantId);
    return { ...probe, latencyMs: Math.round(probe.latencyMs) };
  }),

  /** The outbound Kingdee call log: endpoint, status, errcode, latency (no bodies, no secrets). */
  calls: adminProcedure.input(listCallsInput).query(({ ctx, input }) => ctx.services.callLog.list(input)),
});
