import type { RouterInputs, RouterOutputs } from "@erpbridge/client";
import { choiceValue, type CommandSpec, dateValue, integerValue, listChoices, uuidValue } from "../command.js";
import { CommandFailed, type RunContext, UsageError } from "../context.js";
import { formatDate, formatElapsed, table, truncate } from "../format.js";

type SyncRunView = RouterOutputs["admin"]["sync"]["get"];
type Counts = SyncRunView["counts"];

const written = (c: Counts) => c.inserted + c.updated;
const progressLine = (run: SyncRunView, elapsedMs: number) => {
  const c = run.counts;
  return `${run.status.padEnd(8)} ${formatElapsed(elapsedMs).padStart(6)}  ${run.currentResource ?? run.resource ?? "-"}  fetched ${c.fetched}  written ${written(c)} (inserted ${c.inserted}, updated ${c.updated})  failed ${c.failed}`;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type SyncRunInput = RouterInputs["admin"]["sync"]["run"];
/** `never` when the server's input type is a plain string, so the lists below stop compiling rather than accept anything. */
type Names<T> = string extends T ? never : T;
// Keyed by the server's input types: a job or resource added or removed there fails this build.
const JOBS: Record<Names<NonNullable<SyncRunInput["jobName"]>>, true> = { master_data_full: true, documents_incremental: true };
const RESOURCES: Record<Names<NonNullable<SyncRunInput["resource"]>>, true> = {
  customer: true, supplier: true, material: true, inventory: true, inventory_stock: true,
  sal_order: true, pur_order: true, sal_out_bound: true, pur_inbound: true, sal_invoice: true, pur_invoice: true,
  ar_credit: true, ap_credit: true, voucher: true,
};

export const syncRun: CommandSpec = {
  name: "sync:run",
  summary: "start a sync run and follow its progress until it ends",
  synopsis: "--tenant <id> (--job <name> | --resource <name>) [--from <ISO>] [--to <ISO>]",
  description: [
    "Starts a manual sync run (a whole job, or one resource with an optional time range) and",
    "polls it until it ends, printing documents fetched, written (inserted + updated) and failed.",
    "Exit code: 0 on success or partial (the failure-ledger count is printed), 1 on failed or stopped by the server.",
    "Interrupting (Ctrl-C) stops following; the run itself goes on on the server.",
    "",
    `jobs: ${listChoices(JOBS)}`,
    `resources: ${listChoices(RESOURCES)}`,
  ].join("\n"),
  options: {
    tenant: { type: "string", short: "t", value: "<id>", description: "tenant id", required: true },
    job: { type: "string", short: "j", value: "<name>", description: "sync job (runs all its resources)" },
    resource: { type: "string", short: "r", value: "<name>", description: "a single resource (stream) to sync" },
    from: { type: "string", value: "<ISO>", description: "start of the modified-time range (with --to)" },
    to: { type: "string", value: "<ISO>", description: "end of the modified-time range" },
    interval: { type: "string", value: "<ms>", description: "poll interval in milliseconds (default 500)" },
  },
  examples: [
    "pnpm admin sync:run --tenant 6f1c… --job documents_incremental",
    "pnpm admin sync:run --tenant 6f1c… --resource sal_out_bound --from 2025-03-01 --to 2025-03-31T23:59:59Z",
  ],
  async run(ctx, values) {
    const tenantId = uuidValue(values, "tenant", true);
    const jobName = choiceValue(values, "job", JOBS);
    const resource = choiceValue(values, "resource", RESOURCES);
    if (!jobName && !resource) throw new UsageError("give --job <name> or --resource <name>");
    const fromTime = dateValue(values, "from");
    const toTime = dateValue(values, "to");
    if (fromTime && toTime && fromTime > toTime) throw new UsageError("--from must not be after --to");
    const interval = integerValue(values, "interval", { min: 50, max: 60_000 }) ?? 500;

    const api = ctx.api();
    const started = await api.admin.sync.run.mutate({
      tenantId,
      ...(jobName ? { jobName } : {}),
      ...(resource ? { resource } : {}),
      ...(fromTime ? { fromTime } : {}),
      ...(toTime ? { toTime } : {}),
    });
    const what = started.resource ? `resource ${started.resource} (job ${started.jobName})` : `job ${started.jobName}`;
    const range = started.fromTime || started.toTime ? `, ${formatDate(started.fromTime)} .. ${formatDate(started.toTime)}` : "";
    ctx.io.out(`started run ${started.id}: ${what}, tenant ${tenantId}${range}`);

    const begin = Date.now();
    const onInterrupt = () => {
      ctx.io.err(`\nstopped following; run ${started.id} goes on on the server (see sync:status --tenant ${tenantId})`);
      process.exit(130);
    };
    process.once("SIGINT", onInterrupt);
    let run: SyncRunView;
    try {
      run = await follow(ctx, started.id, begin, interval);
    } finally {
      process.off("SIGINT", onInterrupt);
    }
    report(ctx, run, begin);
  },
};

/** Polls `admin.sync.get` until the run leaves pending/running, printing a line whenever the counts move. */
async function follow(ctx: RunContext, runId: string, begin: number, interval: number): Promise<SyncRunView> {
  const api = ctx.api();
  let last = "";
  for (;;) {
    const run = await api.admin.sync.get.query({ runId });
    const done = run.status !== "pending" && run.status !== "running";
    const key = `${run.status} ${run.currentResource} ${JSON.stringify(run.counts)}`;
    if (ctx.io.isTTY) {
      ctx.io.rewrite(progressLine(run, Date.now() - begin));
      if (done) ctx.io.out();
    } else if (key !== last && !done) {
      ctx.io.out(progressLine(run, Date.now() - begin));
    }
    last = key;
    if (done) return run;
    await sleep(interval);
  }
}

function report(ctx: RunContext, run: SyncRunView, begin: number) {
  const c = run.counts;
  const took = run.startedAt && run.finishedAt ? new Date(run.finishedAt).getTime() - new Date(run.startedAt).getTime() : Date.now() - begin;
  ctx.io.out(
    `${run.status} in ${formatElapsed(took)}: fetched ${c.fetched}, written ${written(c)} (inserted ${c.inserted}, updated ${c.updated}), unchanged ${c.unchanged}, failed ${c.failed}`,
  );
  for (const warning of run.warnings) ctx.io.out(`warning: ${warning}`);
  if (run.status === "partial") {
    const open = run.failures.filter((f) => !f.resolvedAt);
    ctx.io.out(`partial: ${open.length} document(s) in the failure ledger; they are retried on the next run`);
    for (const f of open.slice(0, 10)) ctx.io.out(`  ${f.bizType} ${f.bizId}: ${truncate(f.reason, 100)} (attempts ${f.attempts})`);
    if (open.length > 10) ctx.io.out(`  … and ${open.length - 10} more`);
  }
  if (run.status === "failed") {
    ctx.io.err(`error: sync run ${run.id} failed: ${run.error ?? "no error recorded"}`);
    throw new CommandFailed(`sync run ${run.id} failed`);
  }
  if (run.status === "stopped") {
    // The server stopped (shutdown) after committing a page; the next run of the job resumes there.
    ctx.io.err(`error: sync run ${run.id} was stopped by the server before it finished; the next run resumes where it stopped`);
    throw new CommandFailed(`sync run ${run.id} stopped`);
  }
}

export const syncStatus: CommandSpec = {
  name: "sync:status",
  summary: "sync jobs per tenant (schedule, last success, errors) and recent runs",
  synopsis: "[--tenant <id>] [--runs <n>] [--json]",
  description: "Shows each tenant's sync jobs (status, schedule, next and last successful run, error) and its most recent runs.",
  options: {
    tenant: { type: "string", short: "t", value: "<id>", description: "only this tenant" },
    runs: { type: "string", value: "<n>", description: "recent runs to show per tenant (default 5, 0 for none)" },
    json: { type: "boolean", description: "print JSON instead of tables" },
  },
  async run(ctx, values) {
    const tenantId = uuidValue(values, "tenant");
    const runCount = integerValue(values, "runs", { min: 0, max: 100 }) ?? 5;
    const api = ctx.api();
    const statuses = await api.admin.sync.status.query(tenantId ? { tenantId } : undefined);
    const recent = await Promise.all(
      statuses.map((s) => (runCount > 0 ? api.admin.sync.runs.query({ tenantId: s.tenant.id, pageSize: runCount }) : Promise.resolve(null))),
    );
    if (values.json) {
      ctx.io.out(JSON.stringify(statuses.map((s, i) => ({ ...s, recentRuns: recent[i]?.runs ?? [] })), null, 2));
      return;
    }
    if (statuses.length === 0) {
      ctx.io.out(tenantId ? `no tenant ${tenantId}` : "no tenants yet (add one with tenant:upsert)");
      if (tenantId) throw new CommandFailed("tenant not found");
      return;
    }
    statuses.forEach((s, i) => {
      if (i > 0) ctx.io.out();
      ctx.io.out(`tenant ${s.tenant.name} (${s.tenant.id})${s.tenant.status === "disabled" ? " [disabled]" : ""}`);
      ctx.io.out(s.connection ? `connection ${s.connection.name} (${s.connection.id})` : "no connection to sync through");
      ctx.io.out(
        table(
          ["JOB", "STATUS", "ENABLED", "CRON", "NEXT RUN", "LAST SUCCESS", "ERROR"],
          s.jobs.map((j) => [
            j.jobName, j.status, j.enabled ? "yes" : "no", j.cron ?? "-", formatDate(j.nextRunAt), formatDate(j.lastSuccessAt), truncate(j.error),
          ]),
        ),
      );
      const runs = recent[i]?.runs ?? [];
      if (runCount > 0) {
        ctx.io.out("");
        if (runs.length === 0) ctx.io.out("no runs yet");
        else {
          ctx.io.out(
            table(
              ["RUN", "JOB / RESOURCE", "TRIGGER", "STATUS", "STARTED", "TOOK", "FETCHED", "WRITTEN", "FAILED"],
              runs.map((r) => [
                r.id, r.resource ?? r.jobName, r.trigger, r.status, formatDate(r.startedAt),
                r.startedAt && r.finishedAt ? formatElapsed(new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime()) : "-",
                String(r.counts.fetched), String(written(r.counts)), String(r.counts.failed),
              ]),
            ),
          );
        }
      }
    });
  },
};
