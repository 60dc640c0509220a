import { dateInput, idInput, pageInput, pageSizeInput, Tenant, textInput } from "@erpbridge/domain";
import type { ProbeResult } from "../../erp/erp-probe.js";
import { QueryTypes } from "sequelize";
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
  calls: adminProcedure
    .input(
      z.object({
        tenantId: idInput.optional(),
        endpoint: textInput(200).optional(),
        onlyFailures: z.boolean().default(false),
        since: dateInput.optional(),
        page: pageInput.default(1),
        pageSize: pageSizeInput(500).default(50),
      }),
    )
    .query(async ({ ctx, input }) => {
      await ctx.services.callLog.flush();
      const filters = `WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR endpoint = $2)
          AND ($3::timestamptz IS NULL OR created_at >= $3)
          AND (NOT $4 OR http_status IS NULL OR http_status <> 200 OR (errcode IS NOT NULL AND errcode <> '0'))`;
      const bind = [input.tenantId ?? null, input.endpoint ?? null, input.since ?? null, input.onlyFailures];
      const [{ total }] = (await ctx.services.db.sequelize.query<{ total: number }>(
        `SELECT count(*)::int AS total FROM api_call_log ${filters}`,
        { bind, type: QueryTypes.SELECT },
      )) as [{ total: number }];
      const calls = await ctx.services.db.sequelize.query<{
        tenantId: string; endpoint: string; method: string; httpStatus: number | null; errcode: string | null; latencyMs: number; createdAt: Date;
      }>(
        `SELECT tenant_id AS "tenantId", endpoint, method, http_status AS "httpStatus", errcode, latency_ms AS "latencyMs", created_at AS "createdAt"
           FROM api_call_log ${filters} ORDER BY created_at DESC, id LIMIT $5 OFFSET $6`,
        { bind: [...bind, input.pageSize, (input.page - 1) * input.pageSize], type: QueryTypes.SELECT },
      );
      return { page: input.page, pageSize: input.pageSize, total, calls };
    }),
});
