/** An API-level refusal: answered as HTTP 200 `{ errcode, errmsg }`. */
export class ApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly detail?: string,
  ) {
    super(`errcode ${errcode}${detail ? `: ${detail}` : ""}`);
  }
}

export type Answer = { kind: "json"; body: Record<string, unknown> } | { kind: "image"; bytes: Buffer };

export type Json = Record<string, unknown>;

export function parseBody(body: string, errcode: number): Json {
  try {
    const value = JSON.parse(body) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Json;
  } catch {
    // fall through
  }
  throw new ApiError(errcode, "body must be a JSON object");
}

/** A non-empty string, else undefined. */
export const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
