import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Keyring } from "./keyring.js";

/** Thrown when a stored secret cannot be decrypted. Never carries the plaintext or the key. */
export class SecretDecryptionError extends Error {
  override name = "SecretDecryptionError";
}

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

const b64u = (buf: Buffer) => buf.toString("base64url");

/** The key id a stored secret was encrypted under, or undefined if it is not `v1:…`. */
export function secretKeyIdOf(stored: string): string | undefined {
  const parts = stored.split(":");
  return parts.length === 5 && parts[0] === VERSION ? parts[1] : undefined;
}

/**
 * AES-256-GCM with the keyring's current key: `v1:<kid>:<iv>:<tag>:<ciphertext>` (base64url
 * parts). `v1:<kid>` is authenticated as additional data, so the header cannot be swapped.
 */
export function encryptSecret(keyring: Keyring, plaintext: string): string {
  const { id, key } = keyring.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(`${VERSION}:${id}`));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, id, b64u(iv), b64u(cipher.getAuthTag()), b64u(ciphertext)].join(":");
}

export function decryptSecret(keyring: Keyring, stored: string): string {
  const parts = stored.split(":");
  if (parts.length !== 5 || parts[0] !== VERSION) {
    throw new SecretDecryptionError("stored secret is not in the v1:<kid>:<iv>:<tag>:<ciphertext> format");
  }
  const [, kid, ivText, tagText, ctText] = parts as [string, string, string, string, string];
  const entry = keyring.keys.get(kid);
  if (!entry) {
    throw new SecretDecryptionError(
      `secret was encrypted with key ${kid}, which is not in the keyring (ENCRYPTION_KEY is ${keyring.current.id}; add the old key to ENCRYPTION_KEYS_PREVIOUS)`,
    );
  }
  const iv = Buffer.from(ivText, "base64url");
  const tag = Buffer.from(tagText, "base64url");
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SecretDecryptionError(`stored secret (key ${kid}) is malformed: bad iv or tag length`);
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", entry.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(`${VERSION}:${kid}`));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ctText, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretDecryptionError(
      `secret encrypted with key ${kid} failed authentication: wrong key or the stored value was altered`,
    );
  }
}
