import { randomBytes } from 'node:crypto';
import { encodeBase64url } from './base64url.js';

/**
 * The injected source of randomness: challenges, user handles, session ids.
 * `bytes(n)` must be cryptographically secure in production.
 */
export interface Random {
  bytes(n: number): Uint8Array;
}

export const secureRandom: Random = { bytes: (n) => new Uint8Array(randomBytes(n)) };

/** n random bytes as base64url text. */
export function randomId(random: Random, n = 32): string {
  return encodeBase64url(random.bytes(n));
}
