import fc from "fast-check";
import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { serializeOutput } from "../src/transformer.js";

// The fast output path must write what superjson writes (the same json and the same annotations; the
// annotation keys may come in another order), for any value a procedure may return; values it does
// not handle itself go to superjson unchanged.

const wire = (value: unknown) => JSON.parse(JSON.stringify(serializeOutput(value))) as unknown;
const reference = (value: unknown) => JSON.parse(JSON.stringify(superjson.serialize(value))) as unknown;
/** What a call produced, or the error it threw: a risky key (`__proto__`) must fail the same way on both paths. */
const outcome = (serialize: (value: unknown) => unknown, value: unknown) => {
  try {
    return { wrote: serialize(value) };
  } catch (error) {
    return { threw: (error as Error).message };
  }
};

/** Row-shaped values: what procedures return, with Dates, undefined and odd keys mixed in. */
const rowLike = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: true }),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("a.b", "a\\b", "a\\.b", "", "0", "__proto__", "constructor")), tie("value"), { maxKeys: 5 }),
  ),
})).value;

describe("output transformer", () => {
  it("writes superjson's format for row-shaped values", () => {
    fc.assert(fc.property(rowLike, (value) => {
        expect(outcome(wire, value)).toEqual(outcome(reference, value));
      }), { numRuns: 2_000 });
  });

  it("hands anything else to superjson (shared references, Maps, bigint, NaN, class instances, risky keys)", () => {
    const shared = { id: "x" };
    const date = new Date(0);
    class Money {
      constructor(readonly amount: string) {}
    }
    const cases: unknown[] = [
      { a: shared, b: shared },
      { a: date, b: date },
      { m: new Map([["k", 1]]), s: new Set([1]) },
      { big: 1n, nan: Number.NaN, negZero: -0, inf: Number.POSITIVE_INFINITY },
      { invalid: new Date(Number.NaN) },
      { money: new Money("1.00") },
      // eslint-disable-next-line no-sparse-arrays -- the hole is the case: superjson must keep it
      [1, , 3],
      new Date(5),
      undefined,
      "text",
    ];
    for (const value of cases) expect(wire(value)).toEqual(reference(value));
    expect(() => serializeOutput(JSON.parse('{"__proto__":{"x":1}}'))).toThrow(/prototype pollution/);
  });

  it("round-trips through the client's superjson", () => {
    fc.assert(
      fc.property(rowLike, (value) => {
        const written = outcome(wire, value);
        if ("threw" in written) return;
        expect(superjson.deserialize(written.wrote as never)).toEqual(superjson.deserialize(reference(value) as never));
      }),
      { numRuns: 300 },
    );
  });
});
