import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@erpbridge/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, type TestApi } from "./api.js";
import { type CliResult, runCli } from "./run-cli.js";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let api: TestApi;
let ADMIN_TOKEN: string;
let work: string;
let tenantId: string;
/** Runs the CLI against the test API with the admin token, file paths relative to `work`. */
const admin = (...args: string[]) => runCli(args, { ERPBRIDGE_URL: api.url, ADMIN_TOKEN, INIT_CWD: work });

/** Nothing the CLI prints may contain the admin token or a tenant secret. */
function expectNoSecrets(result: CliResult) {
  const output = result.stdout + result.stderr;
  for (const secret of [ADMIN_TOKEN, api.sandbox.demoTenant.clientSecret, api.sandbox.demoTenant.appSecret]) {
    expect(output).not.toContain(secret);
  }
}

const ok = (result: CliResult) => {
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  expectNoSecrets(result);
  return result.stdout;
};

beforeAll(async () => {
  ({ api, adminToken: ADMIN_TOKEN } = await startApi());
  work = mkdtempSync(join(tmpdir(), "erpbridge-admin-cli-"));
});
afterAll(async () => {
  await api?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("admin CLI against the real API", () => {
  it("tenant:upsert validates the file, creates the tenant, and keeps secrets left out", async () => {
    const demo = api.sandbox.demoTenant;
    writeFileSync(
      join(work, "tenant.json"),
      JSON.stringify({
        name: "Sandbox demo",
        clientId: demo.clientId,
        clientSecret: demo.clientSecret,
        appKey: demo.appKey,
        appSecret: demo.appSecret,
        domain: demo.domain,
        outerInstanceId: demo.outerInstanceId,
        baseUrl: api.sandbox.url,
      }),
    );
    // A relative --file is resolved against INIT_CWD (where `pnpm admin` was typed), not the package folder.
    const created = ok(await admin("tenant:upsert", "--file", "tenant.json"));
    expect(created).toMatch(/^created tenant /);
    tenantId = UUID.exec(created)![0];
    expect(created).toContain("clientSecret ****  appSecret ****");

    // Same tenant, no secrets in the file: renamed, secrets kept.
    writeFileSync(join(work, "rename.json"), JSON.stringify({ clientId: demo.clientId, appKey: demo.appKey, name: "演示账套 Demo" }));
    const updated = ok(await admin("tenant:upsert", "-f", join(work, "rename.json")));
    expect(updated).toContain(`updated tenant ${tenantId} (演示账套 Demo)`);
    expect(updated).toContain("clientSecret ****  appSecret ****");
  });

  it("tenant:upsert refuses a bad file before sending it (exit 2, naming the argument and the field)", async () => {
    writeFileSync(join(work, "bad.json"), JSON.stringify({ clientId: "x", appsecret: "typo", domain: "not a url" }));
    const bad = await admin("tenant:upsert", "--file", "bad.json");
    expect(bad.code).toBe(2);
    const [first] = bad.stderr.split("\n");
    expect(first).toMatch(/^error: --file: .*bad\.json is not a valid tenant: /);
    expect(first).toContain("appKey");
    expect(first).toContain("appsecret");
    expect(first).toContain("domain");
    expect(bad.stderr).toContain("usage: pnpm admin tenant:upsert --file <tenant.json>");
    expect(bad.stdout).toBe("");

    writeFileSync(join(work, "broken.json"), "{ not json");
    const broken = await admin("tenant:upsert", "--file", "broken.json");
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^error: --file: .*broken\.json is not valid JSON/);

    const missing = await admin("tenant:upsert", "--file", "nope.json");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: --file: cannot read .*nope\.json: ENOENT/);
  });

  it("tenant:list shows the tenant with secrets masked", async () => {
    const list = ok(await admin("tenant:list"));
    const [header, row] = list.trimEnd().split("\n");
    expect(header).toMatch(/^ID\s+NAME\s+CLIENT ID\s+APP KEY\s+STATUS\s+CLIENT SECRET\s+APP SECRET/);
    expect(row).toContain(tenantId);
    expect(row).toContain("演示账套 Demo");
    expect(row).toMatch(/active\s+\*\*\*\*\s+\*\*\*\*/);

    const json = JSON.parse(ok(await admin("tenant:list", "--json"))) as Array<Record<string, unknown>>;
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ id: tenantId, hasClientSecret: true, hasAppSecret: true });
  });

  it("sync:run follows the run with progress lines and ends with success", async () => {
    const master = ok(await admin("sync:run", "--tenant", tenantId, "--job", "master_data_full", "--interval", "50"));
    expect(master).toMatch(new RegExp(`^started run ${UUID.source}: job master_data_full, tenant ${tenantId}\\n`));
    expect(master.trimEnd().split("\n").at(-1)).toMatch(/^success in \d+\.\ds: fetched [1-9]\d*, written [1-9]\d* \(inserted \d+, updated \d+\), unchanged \d+, failed 0$/);

    // Slow Kingdee down so the run is seen in progress.
    api.sandbox.faults.inject({ kind: "latency", ms: 60, times: 40 });
    try {
      const docs = ok(await admin("sync:run", "-t", tenantId, "-j", "documents_incremental", "--interval", "50"));
      const lines = docs.trimEnd().split("\n");
      const progress = lines.filter((l) => /^running\s+\d+\.\ds {2}\w+ {2}fetched \d+ {2}written \d+ \(inserted \d+, updated \d+\) {2}failed \d+$/.test(l));
      expect(progress.length).toBeGreaterThanOrEqual(2);
      // Each progress line names the resource being synced, one of the job's streams.
      const resources = progress.map((l) => /^running\s+\S+ {2}(\w+) {2}/.exec(l)![1]);
      for (const resource of resources) expect(["sal_order", "pur_order", "sal_out_bound", "pur_inbound", "sal_invoice", "pur_invoice", "ar_credit", "ap_credit", "voucher"]).toContain(resource);
      const fetched = progress.map((l) => Number(/fetched (\d+)/.exec(l)![1]));
      expect(fetched).toEqual([...fetched].sort((a, b) => a - b)); // counts only grow
      const final = lines.at(-1)!;
      expect(final).toMatch(/^success in /);
      const written = Number(/written (\d+)/.exec(final)![1]);
      expect(written).toBeGreaterThanOrEqual(api.sandbox.data.count("sal_out_bound"));
    } finally {
      api.sandbox.faults.clear();
    }
  });

  it("sync:run of one resource that ends partial exits 0 and prints the ledger count", async () => {
    const [id] = api.sandbox.data.mutate("sal_out_bound", 1);
    api.sandbox.faults.inject({ kind: "http_error", status: 500, times: 100, path: "/jdy/v2/scm/sal_out_bound_detail", match: { id: id! } });
    try {
      const out = ok(await admin("sync:run", "--tenant", tenantId, "--resource", "sal_out_bound", "--interval", "50"));
      expect(out).toContain("resource sal_out_bound (job documents_incremental)");
      expect(out).toMatch(/\npartial in .*failed 1\n/);
      expect(out).toContain("partial: 1 document(s) in the failure ledger");
      expect(out).toContain(`  sal_out_bound ${id}: `);
    } finally {
      api.sandbox.faults.clear();
    }
  });

  it("sync:run that ends failed exits 1 with the run's error", async () => {
    api.sandbox.faults.inject({ kind: "http_error", status: 503, times: 1000, path: "/jdy/v2/bd/customer" });
    try {
      const result = await admin("sync:run", "--tenant", tenantId, "--resource", "customer", "--from", "2020-01-01", "--to", "2030-01-01T00:00:00Z", "--interval", "50");
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/\nfailed in /);
      expect(result.stderr).toMatch(new RegExp(`^error: sync run ${UUID.source} failed: customer: `));
      expectNoSecrets(result);
    } finally {
      api.sandbox.faults.clear();
    }
  });

  it("sync:run: an unknown job is refused by the CLI (exit 2), an unknown tenant by the server (NOT_FOUND, exit 1)", async () => {
    const badJob = await admin("sync:run", "--tenant", tenantId, "--job", "no_such_job");
    expect(badJob.code).toBe(2);
    expect(badJob.stderr.split("\n")[0]).toBe('error: --job must be one of master_data_full, documents_incremental, got "no_such_job"');
    expect(badJob.stdout).toBe("");

    const unknownTenant = await admin("sync:run", "--tenant", "00000000-0000-4000-8000-000000000000", "--job", "master_data_full");
    expect(unknownTenant.code).toBe(1);
    expect(unknownTenant.stderr).toBe("error: NOT_FOUND: tenant not found\n");
  });

  it("sync:status shows the jobs and recent runs", async () => {
    const out = ok(await admin("sync:status", "--tenant", tenantId));
    expect(out).toContain(`tenant 演示账套 Demo (${tenantId})`);
    expect(out).toMatch(new RegExp(`^connection default \\(${UUID.source}\\)$`, "m"));
    expect(out).toMatch(/^JOB\s+STATUS\s+ENABLED\s+CRON\s+NEXT RUN\s+LAST SUCCESS\s+ERROR$/m);
    // The failed single-resource `customer` run above belongs to master_data_full.
    expect(out).toMatch(/^master_data_full\s+failed\s+yes\s+-\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+customer: Kingdee GET \/jdy\/v2\/bd\/customer failed/m);
    expect(out).toMatch(/^documents_incremental\s+idle\s+yes\s+-\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+-$/m);
    expect(out).toMatch(/^RUN\s+JOB \/ RESOURCE\s+TRIGGER\s+STATUS/m);
    expect(out).toMatch(new RegExp(`^${UUID.source}\\s+customer\\s+manual\\s+failed\\s`, "m"));
    expect(out).toMatch(new RegExp(`^${UUID.source}\\s+sal_out_bound\\s+manual\\s+partial\\s`, "m"));

    const all = JSON.parse(ok(await admin("sync:status", "--json", "--runs", "2"))) as Array<{ tenant: { id: string }; jobs: unknown[]; recentRuns: unknown[] }>;
    expect(all.map((s) => s.tenant.id)).toEqual([tenantId]);
    expect(all[0]!.jobs).toHaveLength(2);
    expect(all[0]!.recentRuns).toHaveLength(2);
  });

  it("job:runs lists the run history of every kind, filtered, and refuses an unknown status by name", async () => {
    const out = ok(await admin("job:runs", "--kind", "sync", "--tenant", tenantId));
    expect(out).toMatch(/^RUN\s+KIND\s+JOB\s+TENANT\s+CONNECTION\s+TRIGGER\s+STATUS\s+STARTED\s+TOOK\s+COUNTS\s+ERROR$/m);
    expect(out).toMatch(
      new RegExp(`^${UUID.source}\\s+sync\\s+documents_incremental\\s+${tenantId}\\s+default \\(${UUID.source}\\)\\s+manual\\s+partial\\s.*fetched \\d+`, "m"),
    );
    const connectionId = new RegExp(`default \\((${UUID.source})\\)`).exec(out)![1]!;
    const byConnection = JSON.parse(ok(await admin("job:runs", "--connection", connectionId, "--json"))) as {
      total: number; runs: Array<{ connectionId: string; connectionName: string }>;
    };
    expect(byConnection.total).toBeGreaterThan(0);
    expect(byConnection.runs.every((r) => r.connectionId === connectionId && r.connectionName === "default")).toBe(true);
    const partial = JSON.parse(ok(await admin("job:runs", "--status", "partial", "--json"))) as { total: number; runs: Array<{ kind: string; status: string }> };
    expect(partial.total).toBeGreaterThan(0);
    expect(partial.runs.every((r) => r.status === "partial")).toBe(true);
    expect(ok(await admin("job:runs", "--kind", "wecom"))).toBe("no runs\n");
    const bad = await admin("job:runs", "--status", "broken");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--status must be one of pending, running, success, partial, failed, stopped/);
  });

  it("customer:list and customer:token: prints the token and expiry, writes a valid QR PNG, and the token logs in", async () => {
    const list = JSON.parse(ok(await admin("customer:list", "--tenant", tenantId, "--json"))) as { total: number; customers: Array<{ id: string; name: string }> };
    expect(list.total).toBe(api.sandbox.data.count("customer"));
    const customer = list.customers[0]!;
    expect(ok(await admin("customer:list", "--search", customer.name))).toContain(customer.id);

    const out = ok(await admin("customer:token", "--customer", customer.id, "--out", "qr.png", "--ttl-hours", "48"));
    const token = /^token: (\S+)$/m.exec(out)?.[1];
    expect(token).toBeDefined();
    const expires = /^expires: (\S+ \S+) \(in (.+)\)$/m.exec(out);
    expect(expires).not.toBeNull();
    const expiresAt = new Date(expires![1]!.replace(" ", "T"));
    expect(Math.abs(expiresAt.getTime() - (Date.now() + 48 * 3600_000))).toBeLessThan(60_000);
    expect(expires![2]).toMatch(/^(1d 2[34]h|2d 0h)$/);
    const file = join(work, "qr.png");
    expect(out).toMatch(new RegExp(`^qr: wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(\\d+ bytes\\)$`, "m"));
    const png = readFileSync(file);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.length).toBeGreaterThan(200);

    // The printed token is a real login token.
    const session = await createClient({ url: api.url }).mini.auth.login.mutate({ token: token! });
    expect(session.sessionToken).toEqual(expect.any(String));

    const noFile = ok(await admin("customer:token", "-c", customer.id));
    expect(noFile).toContain("qr: not written (pass --out qr.png to save the QR code)");

    const unknown = await admin("customer:token", "--customer", "00000000-0000-4000-8000-000000000000");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("error: NOT_FOUND: customer not found\n");
  });

  it("customer:token --max-uses, customer:tokens and customer:revoke-token: a shared QR logs in n times, revoking ends its sessions", async () => {
    const [customer] = (JSON.parse(ok(await admin("customer:list", "--tenant", tenantId, "--json"))) as { customers: Array<{ id: string }> }).customers;
    const out = ok(await admin("customer:token", "--customer", customer!.id, "--max-uses", "2"));
    const token = /^token: (\S+)$/m.exec(out)![1]!;
    const tokenId = /^token id: (\S+)$/m.exec(out)![1]!;
    expect(out).toMatch(/^uses: up to 2$/m);
    expect(ok(await admin("customer:token", "--customer", customer!.id))).toMatch(/^uses: 1 \(single-use\)$/m);

    const anonymous = createClient({ url: api.url });
    const sessions = [await anonymous.mini.auth.login.mutate({ token }), await anonymous.mini.auth.login.mutate({ token })];
    await expect(anonymous.mini.auth.login.mutate({ token })).rejects.toThrow(/used up/);
    const listed = ok(await admin("customer:tokens", "--customer", customer!.id));
    expect(listed).toMatch(new RegExp(`^${tokenId} +2/2 +.* used up$`, "m"));
    expect(listed).not.toContain(token);

    const revoked = ok(await admin("customer:revoke-token", "--token-id", tokenId));
    expect(revoked).toContain(`revoked token ${tokenId} (customer ${customer!.id})`);
    expect(revoked).toMatch(/^sessions ended: 2$/m);
    for (const { sessionToken } of sessions) {
      await expect(createClient({ url: api.url, getToken: () => sessionToken }).mini.me.query()).rejects.toThrow(/log in again/);
    }
    expect(ok(await admin("customer:tokens", "--customer", customer!.id))).toMatch(new RegExp(`^${tokenId} +2/2 +.* revoked \\d{4}-`, "m"));
    const unknown = await admin("customer:revoke-token", "--token-id", "00000000-0000-4000-8000-000000000000");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("error: NOT_FOUND: login token not found\n");
  });

  it("token:status shows the Kingdee app-token expiry, never the token", async () => {
    const out = ok(await admin("token:status", "--tenant", tenantId));
    expect(out).toContain(`tenant ${tenantId}: app-token cached`);
    expect(out).toMatch(/^ {2}refreshed: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/m);
    expect(out).toMatch(/^ {2}expires: {3}\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z \(in .+\)$/m);
    const kingdee = await api.services.kingdee.get(tenantId);
    const appToken = await kingdee.token.get();
    expect(appToken.length).toBeGreaterThan(8);
    expect(out).not.toContain(appToken);

    const refreshed = ok(await admin("token:status", "--tenant", tenantId, "--refresh", "--json"));
    const status = JSON.parse(refreshed) as { cached: boolean; expiresInSeconds: number };
    expect(status.cached).toBe(true);
    expect(status.expiresInSeconds).toBeGreaterThan(0);
    expect(refreshed).not.toContain(await kingdee.token.get());

    // An unknown tenant is NOT_FOUND here too, like every other command naming one (was PRECONDITION_FAILED).
    const unknownTenant = await admin("token:status", "--tenant", "00000000-0000-4000-8000-000000000000");
    expect(unknownTenant.code).toBe(1);
    expect(unknownTenant.stderr).toBe("error: NOT_FOUND: tenant not found\n");
  });

  it("a wrong admin token is FORBIDDEN (exit 1) and the token is not echoed", async () => {
    const result = await runCli(["tenant:list"], { ERPBRIDGE_URL: api.url, ADMIN_TOKEN: "wrong-token-value-123" });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error: FORBIDDEN: admin token required\nhint: check ADMIN_TOKEN (the API's admin token)\n");
    expect(result.stdout).toBe("");
  });

  it("--url overrides ERPBRIDGE_URL", async () => {
    const result = await runCli(["tenant:list", "--url", `${api.url}/`], { ERPBRIDGE_URL: "http://127.0.0.1:9", ADMIN_TOKEN });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(tenantId);
  });
});
