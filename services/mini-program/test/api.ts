/**
 * The real API for these tests: `services/api/test/harness.ts` (own database, the Kingdee sandbox,
 * random port), plus the WeChat sandbox the API's WeChat client talks to. The harness is imported
 * at run time by path, so this package's typecheck does not compile the API's sources; the part of
 * it used here is declared below.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { ErpbridgeClient } from "@erpbridge/client";
import { startWechatSandbox, type WechatSandbox } from "@erpbridge/wechat-sandbox";

export interface TestApi {
  url: string;
  uploadDir: string;
  admin: ErpbridgeClient;
  client(token?: string): ErpbridgeClient;
  services: {
    db: { sequelize: { query<T>(sql: string, options: { bind?: unknown[]; type: "SELECT" }): Promise<T[]> } };
  };
  createSandboxTenant(): Promise<string>;
  close(): Promise<void>;
}

interface Harness {
  ADMIN_TOKEN: string;
  startTestApi(options?: { env?: Record<string, string> }): Promise<TestApi>;
  waitForRun(api: TestApi, runId: string, timeoutMs?: number): Promise<{ status: string }>;
}

const HARNESS = fileURLToPath(new URL("../../api/test/harness.ts", import.meta.url));
export const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

export interface TestWorld {
  api: TestApi;
  wechat: WechatSandbox;
  tenantId: string;
  sql<T>(query: string, bind?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** The API (with the WeChat sandbox configured) and a synced sandbox tenant. */
export async function startWorld(): Promise<TestWorld> {
  const wechat = await startWechatSandbox();
  const harness = (await import(/* @vite-ignore */ HARNESS)) as Harness;
  const api = await harness.startTestApi({
    env: { WECHAT_APP_ID: wechat.demoApp.appId, WECHAT_APP_SECRET: wechat.demoApp.appSecret, WECHAT_BASE_URL: wechat.url },
  });
  const tenantId = await api.createSandboxTenant();
  for (const jobName of ["master_data_full", "documents_incremental"] as const) {
    const { id } = await api.admin.admin.sync.run.mutate({ tenantId, jobName });
    const run = await harness.waitForRun(api, id);
    if (run.status !== "success") throw new Error(`sync ${jobName}: ${run.status}`);
  }
  return {
    api,
    wechat,
    tenantId,
    sql: (query, bind = []) => api.services.db.sequelize.query(query, { bind, type: "SELECT" }),
    async close() {
      await api.close();
      await wechat.stop();
    },
  };
}

/** `pnpm build` of this package into `outdir`, for the given API URL. */
export async function buildMiniProgram(outdir: string, apiUrl: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ["scripts/build.mjs", "--outdir", outdir], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, MINI_API_URL: apiUrl },
  });
  return stdout;
}

/** Whether the running API has a procedure (a missing one answers NOT_FOUND "No procedure found"). */
export async function hasProcedure(url: string, path: string, type: "query" | "mutation"): Promise<boolean> {
  const res =
    type === "query"
      ? await fetch(`${url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`)
      : await fetch(`${url}/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: {} }) });
  const text = await res.text();
  return !(res.status === 404 && /No procedure found/i.test(text));
}
