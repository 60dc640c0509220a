import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Prometheus metrics of one service instance (own registry, so tests can build several). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    procedureLatency: new Histogram({
      name: "erpbridge_trpc_procedure_duration_seconds",
      help: "tRPC procedure latency",
      labelNames: ["procedure", "type", "outcome"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    syncRuns: new Counter({
      name: "erpbridge_sync_runs_total",
      help: "Finished sync runs by job and status",
      labelNames: ["job", "status"] as const,
      registers: [registry],
    }),
    imageDecodes: new Counter({
      name: "erpbridge_upload_image_decodes_total",
      help: "Uploaded images handed to the image decoder (after every header and budget check)",
      registers: [registry],
    }),
    kingdeeCalls: new Counter({
      name: "erpbridge_kingdee_calls_total",
      help: "Kingdee HTTP calls by endpoint and outcome",
      labelNames: ["endpoint", "outcome"] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
