import superjson from "superjson";

/**
 * The wire transformer: superjson both ways, so clients keep typed Dates. Outputs take a fast path
 * first: procedures answer with plain rows (objects, arrays, strings, finite numbers, booleans, null,
 * Dates, undefined), and for those this writes superjson's exact format in one pass, without
 * superjson's general machinery (class and custom registries, identity tracking, copying) that cost
 * most of a list's serialization time. Anything else (Map, Set, bigint, NaN, -0, a shared or
 * circular reference, a class instance, a risky key) goes to superjson itself, which stays the
 * single definition of the format; a property test holds the two equal.
 */
export const transformer = {
  input: superjson,
  output: { serialize: serializeOutput, deserialize: (data: unknown) => superjson.deserialize(data as never) },
};

type Annotation = ["Date"] | ["undefined"];

/** Thrown inside the fast walk when a value needs superjson's full treatment. */
const NOT_PLAIN = Symbol("not plain");

export function serializeOutput(value: unknown): { json: unknown; meta?: { values: Record<string, Annotation>; v: 1 } } {
  if (value === null || typeof value !== "object" || value instanceof Date) return superjson.serialize(value) as never;
  const walk = new PlainWalk();
  try {
    const json = walk.visit(value);
    return walk.values ? { json, meta: { values: walk.values, v: 1 } } : { json };
  } catch (error) {
    if (error === NOT_PLAIN) return superjson.serialize(value) as never;
    throw error;
  }
}

const escapeKey = (key: string) => (key.includes(".") || key.includes("\\") ? key.replace(/\\/g, "\\\\").replace(/\./g, "\\.") : key);

class PlainWalk {
  values: Record<string, Annotation> | undefined;
  private readonly path: string[] = [];
  private readonly seen = new Set<object>();

  private annotate(annotation: Annotation) {
    (this.values ??= {})[this.path.join(".")] = annotation;
  }

  visit(value: unknown): unknown {
    switch (typeof value) {
      case "string":
      case "boolean":
        return value;
      case "number":
        if (!Number.isFinite(value) || Object.is(value, -0)) throw NOT_PLAIN;
        return value;
      case "undefined":
        this.annotate(["undefined"]);
        return null;
      case "object":
        break;
      default:
        throw NOT_PLAIN;
    }
    if (value === null) return null;
    // superjson keeps the first occurrence and records later ones as referential equalities.
    if (this.seen.has(value)) throw NOT_PLAIN;
    this.seen.add(value);
    if (value instanceof Date) {
      if (Object.getPrototypeOf(value) !== Date.prototype || Number.isNaN(value.getTime())) throw NOT_PLAIN;
      this.annotate(["Date"]);
      return value.toISOString();
    }
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) throw NOT_PLAIN;
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        if (!(i in value)) throw NOT_PLAIN;
        this.path.push(String(i));
        out[i] = this.visit(value[i]);
        this.path.pop();
      }
      return out;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (key === "__proto__" || key === "constructor" || key === "prototype") throw NOT_PLAIN;
      this.path.push(escapeKey(key));
      out[key] = this.visit((value as Record<string, unknown>)[key]);
      this.path.pop();
    }
    return out;
  }
}
