import { startWechatSandbox, type WechatSandbox } from "@erpbridge/wechat-sandbox";
import fc from "fast-check";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../src/root.js";
import { ADMIN_TOKEN, type TestApi, startTestApi } from "./harness.js";

// Property-based: every procedure of the AppRouter, over real HTTP, with arbitrary and hostile
// inputs (wrong types, huge strings, deep nesting, extreme numbers and dates, `__proto__` keys, NUL
// characters) — mostly a valid input of its own schema with one field replaced, so the hostile value
// gets past the others to where it could hurt. Whatever comes in, the answer is never a 5xx, and the
// service is still ready afterwards. Outside systems are the Kingdee and WeChat sandboxes only.

/** Fixed so a failure replays; fast-check prints it (and the shrunk input) when a property fails. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);
const RUNS_PER_PROCEDURE = Number(process.env.FUZZ_RUNS ?? 40);

let wx: WechatSandbox;
let api: TestApi;
let tenantId: string;
let customerId: string;
let sessionToken: string;

beforeAll(async () => {
  wx = await startWechatSandbox({ pages: ["pages/login/index"] });
  api = await startTestApi({ env: { WECHAT_APP_ID: wx.demoApp.appId, WECHAT_APP_SECRET: wx.demoApp.appSecret, WECHAT_BASE_URL: wx.url } });
  tenantId = await api.createSandboxTenant();
  ({ customer: { id: customerId } } = await api.admin.admin.customers.create.mutate({ tenantId, name: "Fuzz customer" }));
  const { token } = await api.admin.admin.customers.issueToken.mutate({ customerId });
  ({ sessionToken } = await api.client().mini.auth.login.mutate({ token }));
}, 60_000);

afterAll(async () => {
  await api?.close();
  await wx?.stop();
});

// ---- hostile values -------------------------------------------------------------------------

const nested = (depth: number): unknown => {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

const hostileString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "", " ", "\u0000", "a\u0000b", "\uD800", "\uDFFF\uD800", "__proto__", "constructor", "%", "%00", "%zz", "\\", "'; DROP TABLE tenant; --",
    "../../etc/passwd", "0001-01-01", "-271821-04-20T00:00:00.000Z", "+275760-09-13T00:00:00.000Z", "9999-12-31T23:59:59Z", "1e308",
    "NaN", "Infinity", "-0", "00000000-0000-0000-0000-000000000000", "x".repeat(100_000), "\u0000".repeat(5000), "é".repeat(3000),
  ),
);
const hostileNumber = fc.oneof(
  fc.constantFrom(
    -8640000000000000, 8640000000000000, 8640000000000001, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_VALUE,
    -Number.MAX_VALUE, Number.MIN_VALUE, -0, 2 ** 31, -(2 ** 31), 2 ** 53 + 2, 1e21, 0.5, Number.NaN, Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ),
  fc.integer(),
  fc.double(),
);
const hostileDate = fc.oneof(fc.date({ noInvalidDate: false }), fc.constantFrom(new Date(-8640000000000000), new Date(8640000000000000)));
const hostileKey = fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "", "\u0000");
const pollution = fc.constantFrom(
  JSON.parse('{"__proto__":{"polluted":true,"isAdmin":true}}') as unknown,
  JSON.parse('{"constructor":{"prototype":{"polluted":true}}}') as unknown,
  JSON.parse('{"__proto__":null}') as unknown,
);
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  hostileDate,
  fc.boolean(),
  fc.constantFrom(null, undefined),
  fc.bigInt(),
  pollution,
  fc.integer({ min: 50, max: 1000 }).map(nested),
  fc.constantFrom(Array.from({ length: 20_000 }, (_, i) => i), Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))),
  fc.anything({ maxDepth: 3, withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withBoxedValues: true }),
);

/** Adds an own property (never the prototype) named like a prototype member. */
const withOwn = (object: Record<string, unknown>, key: string, value: unknown) =>
  Object.defineProperty({ ...object }, key, { value, enumerable: true, configurable: true, writable: true });

// ---- values shaped after a procedure's zod input schema ----------------------------------------
//
// A hostile value only reaches the database when every other field is valid, so most inputs are a
// valid value of the schema with one field (at any depth) replaced: by a value of the right type
// that a database or driver refuses (NUL, huge, out-of-range), or by anything at all.

interface ZodLike {
  _zod?: { def: Record<string, unknown> & { type: string } };
}

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"]);
const defOf = (schema: ZodLike) => schema._zod?.def;
const unwrap = (schema: ZodLike): ZodLike => {
  const def = defOf(schema);
  if (def && WRAPPERS.has(def.type)) return unwrap(def.innerType as ZodLike);
  if (def?.type === "pipe") return unwrap(def.in as ZodLike);
  return schema;
};

const knownIds = () => fc.constantFrom(tenantId, customerId);

/** A value the schema accepts (as far as its type goes: refinements may still refuse it). */
function valid(schema: ZodLike, depth = 0): fc.Arbitrary<unknown> {
  const def = defOf(unwrap(schema));
  if (!def || depth > 6) return fc.constant(undefined);
  switch (def.type) {
    case "object": {
      const shape = def.shape as Record<string, ZodLike>;
      return fc.record(Object.fromEntries(Object.entries(shape).map(([key, child]) => [key, valid(child, depth + 1)])));
    }
    case "string":
      return def.format === "uuid" ? fc.oneof(knownIds(), fc.uuid({ version: 4 })) : fc.string({ minLength: 1, maxLength: 20 });
    case "number":
      return fc.integer({ min: 1, max: 50 });
    case "boolean":
      return fc.boolean();
    case "date":
      return fc.date({ min: new Date("2001-01-01T00:00:00Z"), max: new Date("2099-01-01T00:00:00Z"), noInvalidDate: true });
    case "enum":
      return fc.constantFrom(...Object.values(def.entries as Record<string, string>));
    case "literal":
      return fc.constantFrom(...(def.values as unknown[]));
    case "array":
      return fc.array(valid(def.element as ZodLike, depth + 1), { minLength: 1, maxLength: 3 });
    case "record":
      return fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), valid(def.valueType as ZodLike, depth + 1), { maxKeys: 3 });
    case "union":
      return fc.oneof(...(def.options as ZodLike[]).map((option) => valid(option, depth + 1)));
    default:
      return fc.string({ maxLength: 10 });
  }
}

/** Right type, wrong value: what a database or driver refuses. */
const typedHostile: Record<string, fc.Arbitrary<unknown>> = {
  string: fc.oneof({ weight: 2, arbitrary: fc.constantFrom("\u0000", "a\u0000b", "\u0000".repeat(5000)) }, { weight: 1, arbitrary: hostileString }),
  number: hostileNumber,
  date: fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(-8640000000000000, new Date(-8640000000000000), "-271821-04-20T00:00:00.000Z", "-009999-01-01T00:00:00Z", "0100-01-01T00:00:00Z") },
    { weight: 1, arbitrary: hostileDate },
  ),
};

/** A valid value with one field somewhere below replaced by a hostile one. */
function attacked(schema: ZodLike, depth = 0): fc.Arbitrary<unknown> {
  const def = defOf(unwrap(schema));
  const anyHostile = fc.oneof({ weight: 3, arbitrary: (def && typedHostile[def.type]) || hostile }, { weight: 1, arbitrary: hostile });
  if (!def || depth > 6) return anyHostile;
  switch (def.type) {
    case "object": {
      const shape = def.shape as Record<string, ZodLike>;
      const keys = Object.keys(shape);
      const extraKey = fc.tuple(valid(schema, depth), hostileKey, hostile).map(([object, key, value]) => withOwn(object as Record<string, unknown>, key, value));
      if (keys.length === 0) return extraKey;
      const oneField = fc
        .constantFrom(...keys)
        .chain((key) => fc.tuple(valid(schema, depth), fc.constant(key), attacked(shape[key]!, depth + 1)))
        .map(([object, key, value]) => withOwn(object as Record<string, unknown>, key, value));
      return fc.oneof({ weight: 4, arbitrary: oneField }, { weight: 1, arbitrary: extraKey });
    }
    case "array":
      return fc.oneof(
        fc.tuple(fc.array(valid(def.element as ZodLike, depth + 1), { maxLength: 2 }), attacked(def.element as ZodLike, depth + 1)).map(([items, bad]) => [...items, bad]),
        anyHostile,
      );
    case "record":
      return fc.oneof(
        fc.tuple(hostileKey, valid(def.valueType as ZodLike, depth + 1)).map(([key, value]) => withOwn({}, key, value)),
        fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), attacked(def.valueType as ZodLike, depth + 1)).map(([key, value]) => ({ [key]: value })),
        anyHostile,
      );
    case "union":
      return fc.oneof(...(def.options as ZodLike[]).map((option) => attacked(option, depth + 1)));
    default:
      return anyHostile;
  }
}

/** Inputs for a procedure: mostly one hostile field in a valid input, sometimes a valid one, sometimes anything. */
const inputFor = (schema: ZodLike | undefined) =>
  schema
    ? fc.oneof({ weight: 6, arbitrary: attacked(schema) }, { weight: 1, arbitrary: valid(schema) }, { weight: 1, arbitrary: hostile })
    : hostile;

// ---- the calls ---------------------------------------------------------------------------------

interface ProcedureLike {
  _def: { type: "query" | "mutation" | "subscription"; inputs: ZodLike[] };
}
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, ProcedureLike>)
  .map(([path, procedure]) => ({ path, type: procedure._def.type, input: procedure._def.inputs[0] }))
  .sort((a, b) => a.path.localeCompare(b.path));

/** The Bearer token each area needs to get past authentication to its input validation. */
const tokenFor = (path: string) => (path.startsWith("admin.") ? ADMIN_TOKEN : path.startsWith("mini.") ? sessionToken : undefined);

/** Plain JSON has no BigInt: send its digits, as a careless client would. */
const plainJson = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "null";

/** superjson as the typed client sends it; values superjson refuses go as plain JSON (as any client may send). */
function encode(value: unknown, envelope: boolean): string {
  if (!envelope) return plainJson(value);
  try {
    return JSON.stringify(superjson.serialize(value));
  } catch {
    return plainJson({ json: value });
  }
}

async function call(path: string, type: string, body: string, token: string | undefined) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const response =
    type === "query"
      ? await fetch(`${api.url}/trpc/${path}?input=${encodeURIComponent(body)}`, { headers })
      : await fetch(`${api.url}/trpc/${path}`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
  return { status: response.status, text: await response.text() };
}

function expectNoServerError(result: { status: number; text: string }, what: string) {
  const failed = result.status >= 500 || result.text.includes("INTERNAL_SERVER_ERROR");
  if (failed) throw new Error(`${what} answered ${result.status}: ${result.text.slice(0, 500)}`);
}

async function expectReady() {
  const response = await fetch(`${api.url}/health`);
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ ready: true });
  expect((await api.client().health.ready.query()).ready).toBe(true);
}

describe(`hostile inputs never cause a 5xx (seed ${SEED}, FUZZ_SEED to replay)`, () => {
  it("walks every procedure of the router", () => {
    expect(procedures.length).toBeGreaterThan(40);
    expect(procedures.map((p) => p.path)).toEqual(expect.arrayContaining(["admin.erp.calls", "admin.sync.run", "mini.deliveries.sign", "health.ready"]));
  });

  it.each(procedures)("$path ($type)", { timeout: 120_000 }, async ({ path, type, input }) => {
    const value = inputFor(input);
    await fc.assert(
      // Mostly superjson as the typed client sends it; sometimes plain JSON as any other client may.
      fc.asyncProperty(value, fc.oneof({ weight: 7, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), async (input, envelope) => {
        expectNoServerError(await call(path, type, encode(input, envelope), tokenFor(path)), `${path} with ${encode(input, true).slice(0, 300)}`);
      }),
      { seed: SEED, numRuns: RUNS_PER_PROCEDURE, endOnFailure: true },
    );
  });

  it("malformed requests: bodies that are not JSON, unknown and batched paths, wrong methods", { timeout: 120_000 }, async () => {
    const paths = procedures.map((p) => p.path);
    const path = fc.oneof(
      fc.constantFrom(...paths),
      fc.constantFrom("nope", "admin", "admin.", "..", "__proto__", "admin.__proto__", "constructor.prototype", "%00", "a".repeat(5000)),
      fc.array(fc.constantFrom(...paths), { minLength: 2, maxLength: 12 }).map((batch) => `${batch.join(",")}?batch=1`),
    );
    const body = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.constantFrom("[".repeat(100_000) + "]".repeat(100_000), `{"json":${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}}`),
      fc.constantFrom("{", "[", '{"json":', '{"json":{},"meta":{"values":{"__proto__":["Date"]}}}', '{"0":{"json":1}}', "null", '"\\u0000"'),
      hostile.map((v) => encode(v, true)),
    );
    await fc.assert(
      fc.asyncProperty(path, body, fc.constantFrom("GET", "POST", "PUT"), fc.constantFrom(ADMIN_TOKEN, sessionToken, "x", undefined), async (p, b, method, token) => {
        const url = method === "GET" ? `${api.url}/trpc/${p}${p.includes("?") ? "&" : "?"}input=${encodeURIComponent(b)}` : `${api.url}/trpc/${p}`;
        const response = await fetch(url, {
          method,
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(method === "GET" ? {} : { "content-type": "application/json" }) },
          ...(method === "GET" ? {} : { body: b }),
        });
        expectNoServerError({ status: response.status, text: await response.text() }, `${method} /trpc/${p.slice(0, 200)} with ${b.slice(0, 200)}`);
      }),
      { seed: SEED, numRuns: 200, endOnFailure: true },
    );
  });

  it("is still ready afterwards, and nothing was polluted", async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    await expectReady();
  });
});
