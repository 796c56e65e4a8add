/**
 * Recovery codes: 10 single-use codes of 12 Crockford base32 characters (60 bits each, above
 * the 50 the design asks for), shown as XXXX-XXXX-XXXX, typed forgivingly (case, spaces,
 * hyphens, O → 0, I/L → 1), stored only as keyed hashes bound to the user.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { newRecoveryCodes, normalizeRecoveryCode, RECOVERY_CODE_COUNT, recoveryCodeHash } from '../../server/src/factors/recovery-codes/recovery-codes.js';
import { secureRandom, type Random } from '../../server/src/lib/random.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/** Deterministic randomness: SHA-256 in counter mode (no accidental duplicates), recording each request. */
function hashRandom(seed = 'seed'): Random & { calls: number[]; stream: number[] } {
  let counter = 0;
  const calls: number[] = [];
  const stream: number[] = [];
  return {
    calls,
    stream,
    bytes(n) {
      calls.push(n);
      const out: number[] = [];
      while (out.length < n) out.push(...createHash('sha256').update(`${seed}:${counter++}`).digest());
      const bytes = out.slice(0, n);
      stream.push(...bytes);
      return new Uint8Array(bytes);
    },
  };
}

describe('newRecoveryCodes', () => {
  it('makes 10 unique codes in the XXXX-XXXX-XXXX Crockford format', () => {
    expect(RECOVERY_CODE_COUNT).toBe(10);
    for (const random of [secureRandom, hashRandom()]) {
      const codes = newRecoveryCodes(random);
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      for (const c of codes) expect(c).toMatch(FORMAT);
    }
  });

  it('has at least 50 bits per code: a 32-symbol alphabet × 12 characters = 60 bits', () => {
    expect(CROCKFORD).toHaveLength(32);
    expect(new Set(CROCKFORD).size).toBe(32);
    const [code] = newRecoveryCodes(secureRandom);
    const chars = code!.replace(/-/g, '');
    expect(chars).toHaveLength(12);
    expect(chars.length * Math.log2(CROCKFORD.length)).toBeGreaterThanOrEqual(50);
  });

  it('draws every character from the injected randomness (12 bytes per code, low 5 bits each)', () => {
    const random = hashRandom();
    const codes = newRecoveryCodes(random);
    expect(random.calls).toEqual(Array(10).fill(12));
    const expected = Array.from({ length: 10 }, (_, k) => {
      const raw = random.stream.slice(12 * k, 12 * k + 12).map((b) => CROCKFORD[b & 31]).join('');
      return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
    });
    expect(codes).toEqual(expected);
  });

  it('maps byte values to symbols uniformly: each of the 32 symbols from exactly 8 of the 256 byte values', () => {
    const hits = new Map<string, number>();
    for (let b = 0; b < 256; b++) {
      const tail = hashRandom(`tail-${b}`);
      // The first byte of the first code is b; the rest keeps every code distinct.
      let first = true;
      const codes = newRecoveryCodes({
        bytes(n) {
          const bytes = tail.bytes(n);
          if (first) bytes[0] = b;
          first = false;
          return bytes;
        },
      });
      const sym = codes[0]![0]!;
      hits.set(sym, (hits.get(sym) ?? 0) + 1);
    }
    expect([...hits.keys()].sort().join('')).toBe([...CROCKFORD].sort().join(''));
    expect([...new Set(hits.values())]).toEqual([8]);
  });

  it('draws again instead of returning a duplicate', () => {
    // Fill values 0, 0, 1, 2, 3, …: the first two draws are the same code.
    let call = 0;
    const random: Random & { calls: number } = {
      calls: 0,
      bytes(n) {
        this.calls++;
        return new Uint8Array(n).fill(Math.max(0, call++ - 1));
      },
    };
    const codes = newRecoveryCodes(random);
    expect(new Set(codes).size).toBe(10);
    expect(random.calls).toBe(11);
    expect(codes[0]).toBe('0000-0000-0000');
    expect(codes[9]).toBe('9999-9999-9999');
  });

  it('different randomness, different codes', () => {
    const a = newRecoveryCodes(secureRandom);
    const b = newRecoveryCodes(secureRandom);
    expect(a.filter((c) => b.includes(c))).toEqual([]);
  });
});

describe('normalizeRecoveryCode', () => {
  it.each<[string, string, string]>([
    ['canonical', 'ABCD-EFGH-JKMN', 'ABCDEFGHJKMN'],
    ['no hyphens', 'ABCDEFGHJKMN', 'ABCDEFGHJKMN'],
    ['lower case', 'abcd-efgh-jkmn', 'ABCDEFGHJKMN'],
    ['mixed case', 'aBcD-eFgH-jKmN', 'ABCDEFGHJKMN'],
    ['spaces instead of hyphens', 'ABCD EFGH JKMN', 'ABCDEFGHJKMN'],
    ['leading and trailing whitespace', '  ABCD-EFGH-JKMN\n', 'ABCDEFGHJKMN'],
    ['tabs and extra hyphens', 'AB\tCD--EF-GH-JK-MN', 'ABCDEFGHJKMN'],
    ['O → 0', 'OOOO-OOOO-OOOO', '000000000000'],
    ['o → 0', 'oooo-oooo-oooo', '000000000000'],
    ['I → 1', 'IIII-IIII-IIII', '111111111111'],
    ['i → 1', 'iiii-iiii-iiii', '111111111111'],
    ['L → 1', 'LLLL-LLLL-LLLL', '111111111111'],
    ['l → 1', 'llll-llll-llll', '111111111111'],
    ['look-alikes mixed with the real thing', 'O1I0-lL0o-9ZzY', '011011009ZZY'],
    ['all digits', '0123-4567-8901', '012345678901'],
  ])('%s: %p → %p', (_what, input, expected) => {
    expect(normalizeRecoveryCode(input)).toBe(expected);
  });

  it('round-trips every generated code, with and without hyphens, in lower case', () => {
    for (const code of newRecoveryCodes(secureRandom)) {
      const canonical = code.replace(/-/g, '');
      expect(normalizeRecoveryCode(code)).toBe(canonical);
      expect(normalizeRecoveryCode(canonical)).toBe(canonical);
      expect(normalizeRecoveryCode(code.toLowerCase())).toBe(canonical);
    }
  });

  it.each<[string, string]>([
    ['empty', ''],
    ['only separators', ' - - '],
    ['11 characters', 'ABCD-EFGH-JKM'],
    ['13 characters', 'ABCD-EFGH-JKMNP'],
    ['U (not in Crockford base32)', 'ABCD-EFGH-JKMU'],
    ['u', 'abcd-efgh-jkmu'],
    ['punctuation', 'ABCD.EFGH.JKMN'],
    ['an underscore', 'ABCD_EFGH_JKMN'],
    ['a slash', 'ABCD/EFGH/JKMN'],
    ['full-width letters', 'ＡＢＣＤ-ＥＦＧＨ-ＪＫＭＮ'],
    ['an accented letter', 'ÀBCD-EFGH-JKMN'],
    ['a 24-character string (two codes pasted)', 'ABCD-EFGH-JKMN-ABCD-EFGH-JKMN'],
    ['a TOTP code', '123456'],
  ])('is undefined for %s', (_what, input) => {
    expect(normalizeRecoveryCode(input)).toBeUndefined();
  });
});

describe('recoveryCodeHash', () => {
  const SECRET = randomBytes(32).toString('base64url');
  const CODE = 'ABCDEFGHJKMN';

  it('is deterministic: the same secret, user and code give the same hash', () => {
    expect(recoveryCodeHash(SECRET, 'user-1', CODE)).toBe(recoveryCodeHash(SECRET, 'user-1', CODE));
  });

  it('is base64url of 32 bytes (HMAC-SHA-256)', () => {
    const h = recoveryCodeHash(SECRET, 'user-1', CODE);
    expect(h).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(h, 'base64url')).toHaveLength(32);
  });

  it('does not contain the code', () => {
    expect(recoveryCodeHash(SECRET, 'user-1', CODE)).not.toContain(CODE);
  });

  it('is bound to the user: the same code of another user hashes differently', () => {
    expect(recoveryCodeHash(SECRET, 'user-1', CODE)).not.toBe(recoveryCodeHash(SECRET, 'user-2', CODE));
  });

  it('is bound to the secret: another HMAC_SECRET gives another hash', () => {
    expect(recoveryCodeHash(SECRET, 'user-1', CODE)).not.toBe(recoveryCodeHash(`${SECRET}x`, 'user-1', CODE));
  });

  it('different codes, different hashes', () => {
    expect(recoveryCodeHash(SECRET, 'user-1', CODE)).not.toBe(recoveryCodeHash(SECRET, 'user-1', 'ABCDEFGHJKMP'));
  });

  it('every way of typing a code hashes like the code (hash of the normalised form)', () => {
    const [code] = newRecoveryCodes(secureRandom);
    const stored = recoveryCodeHash(SECRET, 'user-1', normalizeRecoveryCode(code!)!);
    for (const typed of [code!, code!.toLowerCase(), code!.replace(/-/g, ' '), ` ${code!.replace(/-/g, '')} `]) {
      expect(recoveryCodeHash(SECRET, 'user-1', normalizeRecoveryCode(typed)!)).toBe(stored);
    }
  });

  it('the user/code boundary is unambiguous (no collision by moving characters between them)', () => {
    expect(recoveryCodeHash(SECRET, 'user-1A', 'BCDEFGHJKMN0')).not.toBe(recoveryCodeHash(SECRET, 'user-1', 'ABCDEFGHJKMN'));
  });
});
