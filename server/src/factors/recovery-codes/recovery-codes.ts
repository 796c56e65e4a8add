import { keyedHash } from '../../lib/keyed-hash.js';
import type { Random } from '../../lib/random.js';

/**
 * Recovery codes: RECOVERY_CODE_COUNT codes of 12 Crockford base32 characters (60 bits
 * each, above the 50 the design asks for), grouped `XXXX-XXXX-XXXX` for humans. Only
 * keyed hashes are stored (HMAC-SHA-256 with HMAC_SECRET, bound to the user), so a copy of
 * the database does not reveal a usable code, and each is consumed atomically on use.
 */
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford: no I, L, O, U
const CHARS = 12;

export function newRecoveryCodes(random: Random): string[] {
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODE_COUNT) {
    const bytes = random.bytes(CHARS);
    // 32 symbols = 5 bits: the low 5 bits of each byte are uniform.
    const raw = [...bytes].map((b) => ALPHABET[b & 31]).join('');
    codes.add(`${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`);
  }
  return [...codes];
}

/**
 * A typed code in canonical form: case, spaces and hyphens ignored, and the look-alikes
 * Crockford base32 maps (O → 0, I and L → 1). `undefined` if it cannot be a recovery code.
 */
export function normalizeRecoveryCode(input: string): string | undefined {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return s.length === CHARS && [...s].every((c) => ALPHABET.includes(c)) ? s : undefined;
}

/** The stored form of a (normalised) code of `userId`. */
export function recoveryCodeHash(hmacSecret: string, userId: string, normalized: string): string {
  return keyedHash(hmacSecret, `recovery-code:${userId}`, normalized).toString('base64url');
}
