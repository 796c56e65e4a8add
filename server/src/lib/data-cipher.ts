import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataKey } from '../config/config-schema.js';
import { DataKeyError } from '../errors/keygate-error.js';

/**
 * Secrets at rest (TOTP secrets): AES-256-GCM with the DATA_KEYS ring. A sealed value is
 * `v1.<kid>.<iv>.<ciphertext+tag>` (base64url parts): the key id travels with it, so keys
 * rotate by putting a new key first (it seals; every listed key still opens). `aad` binds
 * the value to where it is stored (e.g. `totp:<userId>`): a sealed secret copied onto
 * another record does not open.
 */
export function seal(keys: readonly DataKey[], plaintext: string, aad: string): string {
  const { kid, key } = keys[0]!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `v1.${kid}.${iv.toString('base64url')}.${ct.toString('base64url')}`;
}

/**
 * Opens a sealed value; throws `DataKeyError` (503 data_key_unavailable) when its key is not in
 * the ring or it does not authenticate (a lost or wrong DATA_KEYS entry, or tampering in the
 * store: never client input).
 */
export function open(keys: readonly DataKey[], sealed: string, aad: string): string {
  const [v, kid, iv, body] = sealed.split('.');
  const entry = keys.find((k) => k.kid === kid);
  if (v !== 'v1' || !entry || !iv || !body) throw new DataKeyError(`sealed value uses key id ${kid ?? '?'}, which DATA_KEYS does not hold`);
  const data = Buffer.from(body, 'base64url');
  if (data.length < 16) throw new DataKeyError('sealed value is too short to hold its authentication tag');
  // authTagLength pins the tag to 16 bytes: Node would otherwise accept a truncated tag.
  const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  try {
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    throw new DataKeyError(`sealed value under key id ${kid} does not authenticate (wrong key bytes for that id, or tampered)`);
  }
}
