import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataKey } from '../config/config-schema.js';

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

/** Opens a sealed value; throws `Error` when its key is not in the ring or it was tampered with (a bug or a lost key, never input). */
export function open(keys: readonly DataKey[], sealed: string, aad: string): string {
  const [v, kid, iv, body] = sealed.split('.');
  const entry = keys.find((k) => k.kid === kid);
  if (v !== 'v1' || !entry || !iv || !body) throw new Error(`sealed value uses unknown key id ${kid ?? '?'} (is DATA_KEYS missing a key?)`);
  const data = Buffer.from(body, 'base64url');
  if (data.length < 16) throw new Error('sealed value is too short to hold its authentication tag');
  // authTagLength pins the tag to 16 bytes: Node would otherwise accept a truncated tag.
  const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}
