import { timingSafeEqual } from "node:crypto";

/** The token of an `Authorization: Bearer <token>` header, if any. */
export const bearerToken = (header: string | undefined): string | undefined =>
  /^Bearer\s+(.+)$/i.exec(header ?? "")?.[1]?.trim() || undefined;

/** Compares a presented secret with the expected one in constant time. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
