export { createKeyring, keyId, KeyringError, loadKeyring, parseKey, type Keyring, type SecretKey } from "./keyring.js";
export { decryptSecret, encryptSecret, SecretDecryptionError, secretKeyIdOf } from "./crypto.js";
