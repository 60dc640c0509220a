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
  startTestApi(): Promise<TestApi>;
}

const HARNESS = new URL("../../api/test/harness.ts", import.meta.url).pathname;

export async function startApi(): Promise<{ api: TestApi; adminToken: string }> {
  const harness = (await import(/* @vite-ignore */ HARNESS)) as Harness;
  return { api: await harness.startTestApi(), adminToken: harness.ADMIN_TOKEN };
}
