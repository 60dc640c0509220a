import type { RouterInputs } from "@erpbridge/client";
import { choiceValue, type CommandSpec, integerValue, listChoices, stringValue, uuidValue } from "../command.js";
import type { RunContext } from "../context.js";
import { formatDate, formatElapsed, table, truncate } from "../format.js";

type JobRunsInput = Exclude<RouterInputs["admin"]["jobs"]["runs"], void | undefined>;
type Names<T> = string extends T ? never : T;
// Keyed by the server's input type: a status added or removed there fails this build.
const STATUSES: Record<Names<NonNullable<JobRunsInput["status"]>>, true> = {
  pending: true, running: true, success: true, partial: true, failed: true, stopped: true,
};

/** `sent 3, retried 1` from a run's counters, zeros left out. */
const countsText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, n]) => n !== 0)
    .map(([name, n]) => `${name} ${n}`)
    .join(", ") || "-";

export const jobRuns: CommandSpec = {
  name: "job:runs",
  summary: "the run history of every job kind (sync, notifications, probe…), newest first",
  synopsis: "[--kind <kind>] [--job <name>] [--status <status>] [--tenant <id>] [--connection <id>] [--page <n>] [--page-size <n>] [--json]",
  description: [
    "Lists business runs of the job runtime: what ran (kind and job), for which tenant, through which",
    "connection (a sync's: name and id), why (trigger), how it ended (partial: some records failed),",
    "its counts, duration and error.",
    "",
    "kinds today: sync, notifications, probe",
    `statuses: ${listChoices(STATUSES)}`,
  ].join("\n"),
  options: {
    kind: { type: "string", short: "k", value: "<kind>", description: "only runs of this job kind" },
    job: { type: "string", short: "j", value: "<name>", description: "only runs of this job (e.g. documents_incremental)" },
    status: { type: "string", short: "s", value: "<status>", description: "only runs with this status" },
    tenant: { type: "string", short: "t", value: "<id>", description: "only runs for this tenant" },
    connection: { type: "string", short: "c", value: "<id>", description: "only runs through this connection" },
    page: { type: "string", value: "<n>", description: "page number (default 1)" },
    "page-size": { type: "string", value: "<n>", description: "runs per page (default 20, at most 200)" },
    json: { type: "boolean", description: "print JSON instead of a table" },
  },
  examples: ["pnpm admin job:runs --kind notifications", "pnpm admin job:runs --status partial --tenant 6f1c…"],
  async run(ctx: RunContext, values) {
    const kind = stringValue(values, "kind");
    const jobName = stringValue(values, "job");
    const status = choiceValue(values, "status", STATUSES);
    const tenantId = uuidValue(values, "tenant");
    const connectionId = uuidValue(values, "connection");
    const page = integerValue(values, "page", { min: 1, max: 100_000 }) ?? 1;
    const pageSize = integerValue(values, "page-size", { min: 1, max: 200 }) ?? 20;
    const result = await ctx.api().admin.jobs.runs.query({
      ...(kind ? { kind } : {}),
      ...(jobName ? { jobName } : {}),
      ...(status ? { status } : {}),
      ...(tenantId ? { tenantId } : {}),
      ...(connectionId ? { connectionId } : {}),
      page,
      pageSize,
    });
    if (values.json) {
      ctx.io.out(JSON.stringify(result, null, 2));
      return;
    }
    if (result.runs.length === 0) {
      ctx.io.out(result.total === 0 ? "no runs" : `no runs on page ${page} (${result.total} in all)`);
      return;
    }
    ctx.io.out(
      table(
        ["RUN", "KIND", "JOB", "TENANT", "CONNECTION", "TRIGGER", "STATUS", "STARTED", "TOOK", "COUNTS", "ERROR"],
        result.runs.map((r) => [
          r.id, r.kind, r.jobName, r.tenantId ?? "-", r.connectionId ? `${r.connectionName} (${r.connectionId})` : "-", r.trigger, r.status, formatDate(r.startedAt),
          r.durationMs === null ? "-" : formatElapsed(r.durationMs), countsText(r.counts), truncate(r.error),
        ]),
      ),
    );
    const pages = Math.ceil(result.total / result.pageSize);
    if (pages > 1) ctx.io.out(`page ${result.page} of ${pages} (${result.total} runs)`);
  },
};
