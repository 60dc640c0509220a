import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level, so equal content always hashes the same.
 * Stored hashes depend on this exact output: keys in `sort()` order, `undefined` members left out,
 * `undefined` elsewhere written as `null`. Built by appending to one string (it runs on every
 * document a sync reads).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i ? "," : "") + canonicalJson(value[i]);
    return out + "]";
  }
  const record = value as Record<string, unknown>;
  let out = "{";
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    out += (out.length > 1 ? "," : "") + JSON.stringify(key) + ":" + canonicalJson(member);
  }
  return out + "}";
}

/** SHA-256 (lower-case hex) of the canonical JSON. */
export const contentHash = (value: unknown) => createHash("sha256").update(canonicalJson(value)).digest("hex");
