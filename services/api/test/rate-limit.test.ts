import { randomUUID } from "node:crypto";
import { hashToken } from "@erpbridge/domain/customers";
import { TRPCClientError } from "@trpc/client";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApi, startTestApi } from "./harness.js";

// Customer mutations are limited per session; queries and other sessions are not affected.

const LIMIT = 3;

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; httpStatus: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) {
      const data = error.data as { code: string; httpStatus: number };
      return { code: data.code, httpStatus: data.httpStatus, message: error.message };
    }
    throw error;
  }
  throw new Error("expected the call to fail");
}

async function customerSession(api: TestApi) {
  const tenantId = await api.createSandboxTenant();
  const { customer } = await api.admin.admin.customers.create.mutate({ tenantId, name: `Shop ${randomUUID().slice(0, 8)}` });
  const issue = () => api.admin.admin.customers.issueToken.mutate({ customerId: customer.id });
  const login = async () => (await api.client().mini.auth.login.mutate({ token: (await issue()).token })).sessionToken;
  return { login };
}

// An invalid signature: BAD_REQUEST until the limit, which is counted before the input is even parsed.
const signInvalid = (api: TestApi, session: string) =>
  api.client(session).mini.deliveries.sign.mutate({
    id: randomUUID(),
    signerName: "Flood",
    signedAt: new Date(),
    signatureBase64: "iVBORw0KGgo=",
  });

async function expectLimited(api: TestApi, session: string) {
  for (let i = 0; i < LIMIT; i++) expect((await errorOf(signInvalid(api, session))).code).toBe("BAD_REQUEST");
  const refused = await errorOf(signInvalid(api, session));
  expect(refused).toMatchObject({ code: "TOO_MANY_REQUESTS", httpStatus: 429 });
  expect(refused.message).toMatch(/too many changes from this session; try again in \d+ s/);
}

const limits = { CUSTOMER_MUTATION_RATE_LIMIT: String(LIMIT), CUSTOMER_MUTATION_RATE_WINDOW_SECONDS: "60" };

describe("customer mutation rate limit (in memory, REDIS_URL unset)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ env: { ...limits, REDIS_URL: "" } });
  }, 60_000);
  afterAll(() => api?.close());

  it("answers the session's mutation over the limit with 429 TOO_MANY_REQUESTS and retry-after; queries and other sessions go on", async () => {
    const { login } = await customerSession(api);
    const [first, second] = [await login(), await login()];
    await expectLimited(api, first);

    const raw = await fetch(`${api.url}/trpc/mini.deliveries.sign`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${first}` },
      body: JSON.stringify({ json: {} }),
    });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get("retry-after"))).toBeGreaterThan(0);

    expect((await api.client(first).mini.me.query()).id).toBeDefined();
    expect((await errorOf(signInvalid(api, second))).code).toBe("BAD_REQUEST");
  });
});

describe.skipIf(!process.env.REDIS_URL)("customer mutation rate limit in Redis (needs REDIS_URL)", () => {
  let api: TestApi;
  let redis: Redis;
  beforeAll(async () => {
    api = await startTestApi({ env: limits });
    redis = new Redis(process.env.REDIS_URL!);
  }, 60_000);
  afterAll(async () => {
    redis?.disconnect();
    await api?.close();
  });

  it("counts in Redis under the session's hash (never the token), with the window as expiry", async () => {
    const { login } = await customerSession(api);
    const session = await login();
    await expectLimited(api, session);
    const key = `erpbridge:rate-limit:customer-mutation:${hashToken(session)}`;
    expect(Number(await redis.get(key))).toBe(LIMIT + 1);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await redis.keys(`*${session}*`)).toEqual([]);
  });

  it("lets mutations through (never a 5xx) when the Redis store fails", async () => {
    const { login } = await customerSession(api);
    const session = await login();
    api.services.redis!.disconnect();
    for (let i = 0; i <= LIMIT; i++) expect((await errorOf(signInvalid(api, session))).code).toBe("BAD_REQUEST");
  });
});
