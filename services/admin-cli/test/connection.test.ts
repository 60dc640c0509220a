import { createClient } from "@erpbridge/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, type TestApi } from "./api.js";
import { type CliResult, runCli } from "./run-cli.js";

let api: TestApi;
let ADMIN_TOKEN: string;
let tenantId: string;
const admin = (args: string[], env: Record<string, string> = {}) => runCli(args, { ERPBRIDGE_URL: api.url, ADMIN_TOKEN, ...env });

const WRONG_SECRET = "wrong-app-secret-PLAINTEXT-5521";

/** Nothing the CLI prints may contain the admin token or a secret. */
function expectNoSecrets(result: CliResult) {
  const output = result.stdout + result.stderr;
  for (const secret of [ADMIN_TOKEN, api.sandbox.demoTenant.clientSecret, api.sandbox.demoTenant.appSecret, WRONG_SECRET, "v1:"]) {
    expect(output).not.toContain(secret);
  }
}

beforeAll(async () => {
  ({ api, adminToken: ADMIN_TOKEN } = await startApi());
  const demo = api.sandbox.demoTenant;
  const client = createClient({ url: api.url, getToken: () => ADMIN_TOKEN });
  ({ tenant: { id: tenantId } } = await client.admin.tenant.upsert.mutate({
    name: "Sandbox demo", clientId: demo.clientId, clientSecret: demo.clientSecret, appKey: demo.appKey, appSecret: demo.appSecret,
    domain: demo.domain, outerInstanceId: demo.outerInstanceId, baseUrl: api.sandbox.url,
  }));
});
afterAll(async () => {
  await api?.close();
});

describe("connection commands", () => {
  it("connection:list shows the tenant's Kingdee connection with secrets masked", async () => {
    const list = await admin(["connection:list", "--tenant", tenantId]);
    expect([list.code, list.stderr]).toEqual([0, ""]);
    expectNoSecrets(list);
    const [header, row] = list.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^ID\s+KIND\s+NAME\s+STATUS\s+SECRETS\s+UPDATED\s+SETTINGS$/);
    expect(row).toMatch(/kingdee_jdy\s+default\s+active\s+clientSecret \*\*\*\* {2}appSecret \*\*\*\*/);
    expect(row).toContain(`appKey=${api.sandbox.demoTenant.appKey}`);
  });

  it("connection:set takes secrets from the environment, leaves the others unchanged; connection:test says why it fails", async () => {
    const set = await admin(["connection:set", "-t", tenantId, "-k", "kingdee_jdy"], { CONNECTION_SECRETS: JSON.stringify({ appSecret: WRONG_SECRET }) });
    expect([set.code, set.stderr]).toEqual([0, ""]);
    expectNoSecrets(set);
    expect(set.stdout).toMatch(/^updated connection /);
    expect(set.stdout).toContain("secrets  clientSecret ****  appSecret ****");

    const failed = await admin(["connection:test", "--tenant", tenantId, "--kind", "kingdee_jdy"]);
    expect(failed.code).toBe(1);
    expectNoSecrets(failed);
    expect(failed.stderr).toMatch(/^failed \(authentication\): /);

    const fixed = await admin(["connection:set", "-t", tenantId, "-k", "kingdee_jdy", "--secrets", JSON.stringify({ appSecret: api.sandbox.demoTenant.appSecret })]);
    expect(fixed.code).toBe(0);
    const passed = await admin(["connection:test", "--tenant", tenantId, "--kind", "kingdee_jdy"]);
    expect([passed.code, passed.stderr]).toEqual([0, ""]);
    expect(passed.stdout).toMatch(/^ok: kingdee_jdy connection default answered in \d+ ms$/m);
  });

  it("connection:set creates a named connection; bad settings are the server's BAD_REQUEST naming the field", async () => {
    const created = await admin(["connection:set", "-t", tenantId, "-k", "kingdee_jdy", "-n", "backup", "--settings", '{"clientId":"c2","appKey":"k2"}']);
    expect([created.code, created.stderr]).toEqual([0, ""]);
    expect(created.stdout).toMatch(/^created connection /);
    expect(created.stdout).toContain("status needs_authorization");

    const bad = await admin(["connection:set", "-t", tenantId, "-k", "kingdee_jdy", "-n", "backup", "--settings", '{"domain":"ftp://x"}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("settings.domain");
  });

  it("connection:reencrypt rewrites nothing when every secret is under the current key, and says so", async () => {
    const result = await admin(["connection:reencrypt"]);
    expect([result.code, result.stderr]).toEqual([0, ""]);
    expect(result.stdout).toMatch(/^re-encrypted 0 of [1-9]\d* connections under the current key$/m);
    expectNoSecrets(result);
  });
});
