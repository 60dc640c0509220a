/**
 * The real API for these tests: `services/api/test/harness.ts` (own database, the Kingdee sandbox,
 * random port). Imported at run time by path, so this package's typecheck does not compile the
 * API's sources (their tsconfig differs); the part of the harness used here is declared below.
 */
export interface TestApi {
  url: string;
  sandbox: {
    url: string;
    demoTenant: { clientId: string; clientSecret: string; appKey: string; appSecret: string; domain: string; outerInstanceId: string };
    data: {
      count(resource: string): number;
      mutate(resource: string, count: number): string[];
    };
    faults: {
      inject(spec: { kind: string; ms?: number; status?: number; times?: number; path?: string; match?: Record<string, string> }): void;
      clear(): void;
    };
  };
  services: {
    kingdee: { get(tenantId: string): Promise<{ token: { get(): Promise<string> } }> };
  };
  close(): Promise<void>;
}

interface Harness {
  ADMIN_TOKEN: string;
  startTestApi(options?: { env?: Record<string, string> }): Promise<TestApi>;
}

const HARNESS = new URL("../../api/test/harness.ts", import.meta.url).pathname;

export async function startApi(options: { env?: Record<string, string> } = {}): Promise<{ api: TestApi; adminToken: string }> {
  const harness = (await import(/* @vite-ignore */ HARNESS)) as Harness;
  return { api: await harness.startTestApi(options), adminToken: harness.ADMIN_TOKEN };
}

/** The WeChat sandbox as the embedded demo starts it (`services/api/src/embedded/demo.ts`), by path like the harness. */
export interface DemoWechatSandbox {
  url: string;
  demoApp: { appId: string; appSecret: string };
  wxacodes: { generated(): Array<{ scene: string; page?: string; envVersion: string }> };
  stop(): Promise<void>;
}

const DEMO = new URL("../../api/src/embedded/demo.ts", import.meta.url).pathname;

export async function startDemoWechat(): Promise<DemoWechatSandbox> {
  const demo = (await import(/* @vite-ignore */ DEMO)) as { startDemoWechatSandbox(): Promise<DemoWechatSandbox> };
  return demo.startDemoWechatSandbox();
}
