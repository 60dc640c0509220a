import { createHash } from "node:crypto";

export interface SecretKey {
  /** First 8 hex chars of sha256(key): identifies the key without revealing it. */
  id: string;
  key: Buffer;
}

export interface Keyring {
  /** Encrypts new secrets. */
  current: SecretKey;
  /** Every key that can decrypt, by id (current and previous ones). */
  keys: ReadonlyMap<string, SecretKey>;
}

export class KeyringError extends Error {
  override name = "KeyringError";
}

export function keyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

/** 64 hex chars or base64/base64url of exactly 32 bytes. The value never appears in errors. */
export function parseKey(value: string, label: string): Buffer {
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const key = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (key.length === 32) return key;
    throw new KeyringError(
      `${label} must be 32 bytes (64 hex characters or base64); it decodes to ${key.length} bytes. Generate one with: openssl rand -base64 32`,
    );
  }
  throw new KeyringError(
    `${label} must be 32 bytes given as 64 hex characters or base64 (${text.length} characters that are neither). Generate one with: openssl rand -base64 32`,
  );
}

/** A keyring from explicit keys (tests, tools). The first is the current one. */
export function createKeyring(current: Buffer, previous: Buffer[] = []): Keyring {
  const toKey = (key: Buffer): SecretKey => {
    if (key.length !== 32) throw new KeyringError(`encryption keys must be 32 bytes (got ${key.length})`);
    return { id: keyId(key), key: Buffer.from(key) };
  };
  const cur = toKey(current);
  const keys = new Map<string, SecretKey>([[cur.id, cur]]);
  for (const k of previous.map(toKey)) if (!keys.has(k.id)) keys.set(k.id, k);
  return { current: cur, keys };
}

/**
 * `ENCRYPTION_KEY` (required) encrypts; `ENCRYPTION_KEYS_PREVIOUS` (optional, comma-separated)
 * holds older keys still accepted for decryption during a rotation.
 */
export function loadKeyring(env: Record<string, string | undefined> = process.env): Keyring {
  const raw = env.ENCRYPTION_KEY;
  if (!raw || raw.trim() === "") {
    throw new KeyringError(
      "ENCRYPTION_KEY is not set: it must hold a 32-byte key (64 hex characters or base64). Generate one with: openssl rand -base64 32",
    );
  }
  const current = parseKey(raw, "ENCRYPTION_KEY");
  const previous = (env.ENCRYPTION_KEYS_PREVIOUS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s, i) => parseKey(s, `ENCRYPTION_KEYS_PREVIOUS entry ${i + 1}`));
  return createKeyring(current, previous);
}
