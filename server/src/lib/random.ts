import { randomFillSync } from 'node:crypto';
import { encodeBase64url } from './base64url.js';

/**
 * The injected source of randomness: challenges, user handles, session ids.
 * `bytes(n)` must be cryptographically secure in production.
 */
export interface Random {
  bytes(n: number): Uint8Array;
}

/** Bytes drawn from the CSPRNG at once; a request takes a slice instead of a call of its own. */
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let offset = 0;

/**
 * The CSPRNG (node:crypto's randomFillSync, OpenSSL's RAND_bytes), drawn POOL_BYTES at a time
 * and handed out in slices, as node:crypto's own randomUUID caches its bytes: each byte is
 * handed out once, copied into a new array, and its place in the pool is never read again.
 * Saves a call into OpenSSL per id (a sign-in draws about six). Larger requests are drawn
 * directly.
 */
export const secureRandom: Random = {
  bytes(n) {
    if (n > POOL_BYTES / 4) return randomFillSync(new Uint8Array(n));
    if (offset + n > pool.length) {
      pool = randomFillSync(new Uint8Array(POOL_BYTES));
      offset = 0;
    }
    const out = pool.slice(offset, offset + n);
    offset += n;
    return out;
  },
};

/** n random bytes as base64url text. */
export function randomId(random: Random, n = 32): string {
  return encodeBase64url(random.bytes(n));
}
