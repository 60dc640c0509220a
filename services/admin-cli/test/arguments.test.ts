import { describe, expect, it } from "vitest";
import { closedPort, runCli } from "./run-cli.js";

const TOKEN = "some-admin-token-for-argument-tests";
const TENANT = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f";
const COMMANDS = [
  "tenant:upsert", "tenant:list", "sync:run", "sync:status", "job:runs", "customer:list", "customer:token", "customer:tokens", "customer:revoke-token",
  "customer:invite", "token:status", "connection:list", "connection:set", "connection:test",
];

describe.concurrent("help", () => {
  it("--help lists every command (exit 0)", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: pnpm admin <command> \[options\]\n/);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^ {2}${command} +\\S`, "m"));
    expect(result.stdout).toContain("ADMIN_TOKEN");
    expect((await runCli(["help"])).stdout).toBe(result.stdout);
  });

  it("each command has its own --help (exit 0), also as `help <command>`", async () => {
    const results = await Promise.all(COMMANDS.map((command) => runCli([command, "--help"])));
    results.forEach((result, i) => {
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^usage: pnpm admin ${COMMANDS[i]}`));
      expect(result.stdout).toContain("options:");
      expect(result.stdout).toContain("--url <url>");
    });
    expect(results[2]!.stdout).toContain("--tenant <id>");
    expect(results[2]!.stdout).toContain("master_data_full");
    expect((await runCli(["help", "sync:run"])).stdout).toBe(results[2]!.stdout);
  });
});

describe.concurrent("bad arguments: one-line error naming the argument, then usage; exit 2", () => {
  const cases: Array<[string[], string, string]> = [
    [[], "error: missing command", "usage: pnpm admin <command> [options]"],
    [["nope"], 'error: unknown command "nope"', "usage: pnpm admin <command> [options]"],
    [["sync:go"], 'error: unknown command "sync:go" (did you mean sync:run, sync:status?)', "usage: pnpm admin <command> [options]"],
    [["tenant:list", "--bogus"], "error: unknown option --bogus", "usage: pnpm admin tenant:list [--json]"],
    [["tenant:list", "extra"], "error: unexpected argument extra", "usage: pnpm admin tenant:list [--json]"],
    [["tenant:upsert"], "error: missing --file <path>", "usage: pnpm admin tenant:upsert --file <tenant.json>"],
    [["sync:run", "--job", "master_data_full"], "error: missing --tenant <id>", "usage: pnpm admin sync:run --tenant <id>"],
    [["sync:run", "--tenant"], "error: --tenant needs a value", "usage: pnpm admin sync:run --tenant <id>"],
    [["sync:run", "--tenant", "123", "--job", "master_data_full"], 'error: --tenant must be an id (uuid), got "123"', "usage: pnpm admin sync:run"],
    [["sync:run", "--tenant", TENANT], "error: give --job <name> or --resource <name>", "usage: pnpm admin sync:run"],
    [["sync:run", "--tenant", TENANT, "--job", "master_data_full", "--from", "yesterday"], "error: --from must be an ISO date or date-time", "usage: pnpm admin sync:run"],
    [["sync:run", "--tenant", TENANT, "--job", "master_data_full", "--from", "2025-03-02", "--to", "2025-03-01"], "error: --from must not be after --to", "usage: pnpm admin sync:run"],
    // Impossible days and times are refused, not rolled over into the next month or day.
    [["sync:run", "--tenant", TENANT, "--job", "master_data_full", "--from", "2025-02-30"], 'error: --from must be an ISO date or date-time (e.g. 2025-03-01 or 2025-03-01T08:00:00Z), got "2025-02-30"', "usage: pnpm admin sync:run"],
    [["sync:run", "--tenant", TENANT, "--job", "master_data_full", "--to", "2024-04-31"], 'error: --to must be an ISO date or date-time', "usage: pnpm admin sync:run"],
    [["sync:run", "--tenant", TENANT, "--job", "master_data_full", "--to", "2025-13-01"], 'error: --to must be an ISO date or date-time', "usage: pnpm admin sync:run"],
    [["sync:run", "--tenant", TENANT, "--job", "master_data_full", "--to", "2025-03-01T24:30:00Z"], 'error: --to must be an ISO date or date-time', "usage: pnpm admin sync:run"],
    [["sync:run", "--tenant", TENANT, "--job", "no_such_job"], 'error: --job must be one of master_data_full, documents_incremental, got "no_such_job"', "usage: pnpm admin sync:run"],
    [["sync:run", "--tenant", TENANT, "--resource", "sal_outbound"], 'error: --resource must be one of customer, supplier, material, inventory, inventory_stock, sal_order, pur_order, sal_out_bound, pur_inbound, sal_invoice, pur_invoice, ar_credit, ap_credit, voucher, got "sal_outbound"', "usage: pnpm admin sync:run"],
    [["sync:status", "--tenant", "abc"], 'error: --tenant must be an id (uuid), got "abc"', "usage: pnpm admin sync:status"],
    [["customer:token"], "error: missing --customer <id>", "usage: pnpm admin customer:token"],
    [["customer:token", "--customer", TENANT, "--ttl-hours", "0"], "error: --ttl-hours must be a whole number from 1 to 2160, got \"0\"", "usage: pnpm admin customer:token"],
    [["customer:token", "--customer", TENANT, "--max-uses", "0"], "error: --max-uses must be a whole number from 1 to 10000, got \"0\"", "usage: pnpm admin customer:token"],
    [["customer:revoke-token"], "error: missing --token-id <id>", "usage: pnpm admin customer:revoke-token --token-id <id>"],
    [["customer:revoke-token", "--token-id", "abc"], 'error: --token-id must be an id (uuid), got "abc"', "usage: pnpm admin customer:revoke-token"],
    [["customer:tokens"], "error: missing --customer <id>", "usage: pnpm admin customer:tokens --customer <id>"],
    [["customer:invite"], "error: missing --customer <id>", "usage: pnpm admin customer:invite --customer <id>"],
    [["customer:invite", "-c", "42"], 'error: --customer must be an id (uuid), got "42"', "usage: pnpm admin customer:invite"],
    [["customer:invite", "-c", TENANT, "--env-version", "beta"], 'error: --env-version must be one of release, trial, develop, got "beta"', "usage: pnpm admin customer:invite"],
    [["customer:invite", "-c", TENANT, "--allow-rebind=yes"], "error: ", "usage: pnpm admin customer:invite"],
    [["token:status"], "error: missing --tenant <id>", "usage: pnpm admin token:status --tenant <id>"],
    [["connection:list"], "error: missing --tenant <id>", "usage: pnpm admin connection:list --tenant <id>"],
    [["connection:set", "-t", TENANT], "error: missing --kind <kind>", "usage: pnpm admin connection:set"],
    [["connection:set", "-t", TENANT, "-k", "sap"], 'error: --kind must be one of kingdee_jdy, got "sap"', "usage: pnpm admin connection:set"],
    [["connection:set", "-t", TENANT, "-k", "kingdee_jdy", "--settings", "{nope"], "error: --settings is not valid JSON", "usage: pnpm admin connection:set"],
    [["connection:set", "-t", TENANT, "-k", "kingdee_jdy", "--secrets", "[1]"], "error: --secrets must be a JSON object", "usage: pnpm admin connection:set"],
    [["connection:test", "-t", TENANT], "error: name the connection with --connection <id>, or with --tenant <id> and --kind <kind>", "usage: pnpm admin connection:test"],
    [["tenant:list", "--url", "ftp://example.com"], 'error: --url / ERPBRIDGE_URL must be http(s): "ftp://example.com"', "usage: pnpm admin tenant:list"],
  ];

  it.each(cases)("%j", async (args, message, usage) => {
    const result = await runCli(args, { ADMIN_TOKEN: TOKEN, ERPBRIDGE_URL: "http://127.0.0.1:9" });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const [first, ...rest] = result.stderr.split("\n");
    expect(first!.startsWith(message)).toBe(true);
    expect(rest.join("\n")).toContain(usage);
    expect(result.stderr).not.toContain(TOKEN);
  });

  it("a leading `--` (as pnpm may pass it) is ignored", async () => {
    const result = await runCli(["--", "tenant:list", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: pnpm admin tenant:list/);
  });
});

describe.concurrent("configuration and connectivity", () => {
  it("missing ADMIN_TOKEN says so (exit 2), before contacting anything", async () => {
    const result = await runCli(["tenant:list"], { ERPBRIDGE_URL: "http://127.0.0.1:9" });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: ADMIN_TOKEN is not set: export the server's admin token as ADMIN_TOKEN\n");
  });

  it("an unreachable server: cannot reach erpbridge at <url> (exit 1)", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli(["sync:status"], { ERPBRIDGE_URL: url, ADMIN_TOKEN: TOKEN });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: cannot reach erpbridge at ${url} (ECONNREFUSED); is the API running? Set ERPBRIDGE_URL or pass --url.\n`);
    expect(result.stdout).toBe("");
  });
});
