/**
 * TOTP (RFC 6238) as data: the 18 Appendix B test vectors through totpCode and matchTotpStep,
 * then keygate's authenticator-app profile (SHA-1, 6 digits, 30 s, ±1 step, 160-bit secret
 * from the injected randomness, otpauth:// key URI).
 */
import { describe, expect, it } from '@jest/globals';
import type { Random } from '../../server/src/lib/random.js';
import {
  matchTotpStep,
  newTotpSecret,
  otpauthUri,
  TOTP_PROFILE,
  TOTP_WINDOW,
  totpCode,
  totpStep,
  type TotpParams,
} from '../../server/src/factors/totp/totp-code.js';

/** RFC 4648 §6 base32 (upper case, unpadded: what authenticator apps and otpauth take). */
function base32(bytes: Uint8Array): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += A[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += A[(value << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string): Uint8Array {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text) {
    value = (value << 5) | A.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('the test base32 encoder (RFC 4648 §10 vectors, unpadded)', () => {
  it.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('%p → %p', (text, encoded) => {
    expect(base32(ascii(text))).toBe(encoded);
    expect([...unbase32(encoded)]).toEqual([...ascii(text)]);
  });
});

// RFC 6238 Appendix B: the seeds are the ASCII digits "1234567890" repeated to the hash's size.
const SEEDS: Record<TotpParams['algorithm'], string> = {
  SHA1: base32(ascii('12345678901234567890')),
  SHA256: base32(ascii('12345678901234567890123456789012')),
  SHA512: base32(ascii('1234567890123456789012345678901234567890123456789012345678901234')),
};

/** [time (s), T (hex, from the RFC table), algorithm, TOTP]. */
const VECTORS: [number, string, TotpParams['algorithm'], string][] = [
  [59, '0000000000000001', 'SHA1', '94287082'],
  [59, '0000000000000001', 'SHA256', '46119246'],
  [59, '0000000000000001', 'SHA512', '90693936'],
  [1111111109, '00000000023523EC', 'SHA1', '07081804'],
  [1111111109, '00000000023523EC', 'SHA256', '68084774'],
  [1111111109, '00000000023523EC', 'SHA512', '25091201'],
  [1111111111, '00000000023523ED', 'SHA1', '14050471'],
  [1111111111, '00000000023523ED', 'SHA256', '67062674'],
  [1111111111, '00000000023523ED', 'SHA512', '99943326'],
  [1234567890, '000000000273EF07', 'SHA1', '89005924'],
  [1234567890, '000000000273EF07', 'SHA256', '91819424'],
  [1234567890, '000000000273EF07', 'SHA512', '93441116'],
  [2000000000, '0000000003F940AA', 'SHA1', '69279037'],
  [2000000000, '0000000003F940AA', 'SHA256', '90698825'],
  [2000000000, '0000000003F940AA', 'SHA512', '38618901'],
  [20000000000, '0000000027BC86AA', 'SHA1', '65353130'],
  [20000000000, '0000000027BC86AA', 'SHA256', '77737706'],
  [20000000000, '0000000027BC86AA', 'SHA512', '47863826'],
];

describe('RFC 6238 Appendix B vectors', () => {
  it('has all 18', () => {
    expect(VECTORS).toHaveLength(18);
    expect(new Set(VECTORS.map(([t, , a]) => `${t}/${a}`)).size).toBe(18);
  });

  it('seeds are 20, 32 and 64 bytes', () => {
    expect(unbase32(SEEDS.SHA1)).toHaveLength(20);
    expect(unbase32(SEEDS.SHA256)).toHaveLength(32);
    expect(unbase32(SEEDS.SHA512)).toHaveLength(64);
  });

  describe.each(VECTORS)('time %d (T = %s), %s', (time, stepHex, algorithm, expected) => {
    const params: TotpParams = { algorithm, digits: 8, period: 30 };
    const at = new Date(time * 1000);

    it('totpStep is T', () => {
      expect(totpStep(at, params)).toBe(parseInt(stepHex, 16));
    });

    it(`totpCode is ${expected}`, () => {
      expect(totpCode(SEEDS[algorithm], at, params)).toBe(expected);
    });

    it('matchTotpStep accepts it for step T', () => {
      expect(matchTotpStep(SEEDS[algorithm], expected, at, params)).toBe(parseInt(stepHex, 16));
    });

    it('matchTotpStep refuses it under another algorithm', () => {
      const other = algorithm === 'SHA1' ? 'SHA256' : 'SHA1';
      // Same secret, other HMAC: must not verify (guards against params being ignored).
      expect(matchTotpStep(SEEDS[algorithm], expected, at, { ...params, algorithm: other })).toBeUndefined();
    });
  });
});

describe("keygate's profile", () => {
  const SECRET = base32(new Uint8Array(Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 255)));
  const NOW = new Date('2030-01-01T00:00:10.000Z');
  const STEP = totpStep(NOW);
  const atStep = (step: number, offsetMs = 0): Date => new Date(step * 30_000 + offsetMs);

  it('is SHA-1, 6 digits, 30 s, ±1 step', () => {
    expect(TOTP_PROFILE).toEqual({ algorithm: 'SHA1', digits: 6, period: 30 });
    expect(TOTP_WINDOW).toBe(1);
  });

  it('codes are 6 ASCII digits', () => {
    for (let s = STEP - 5; s <= STEP + 5; s++) expect(totpCode(SECRET, atStep(s))).toMatch(/^[0-9]{6}$/);
  });

  it.each([
    ['the current step', 0, 0],
    ['the previous step', -1, -1],
    ['the next step', 1, 1],
  ])('accepts a code of %s and names its step', (_what, delta, expectedDelta) => {
    const code = totpCode(SECRET, atStep(STEP + delta, 5_000));
    expect(matchTotpStep(SECRET, code, NOW)).toBe(STEP + expectedDelta);
  });

  it.each([
    ['two steps back', -2],
    ['two steps ahead', 2],
    ['ten steps back', -10],
  ])('refuses a code from %s', (_what, delta) => {
    const code = totpCode(SECRET, atStep(STEP + delta));
    // Guard against the vanishingly rare collision with a code inside the window.
    const inWindow = [-1, 0, 1].map((d) => totpCode(SECRET, atStep(STEP + d)));
    expect(inWindow).not.toContain(code);
    expect(matchTotpStep(SECRET, code, NOW)).toBeUndefined();
  });

  it('the window moves with the clock: at the first and last ms of a step', () => {
    const code = totpCode(SECRET, atStep(STEP));
    expect(matchTotpStep(SECRET, code, atStep(STEP + 1, 29_999))).toBe(STEP);
    expect(matchTotpStep(SECRET, code, atStep(STEP - 1, 0))).toBe(STEP);
    expect(matchTotpStep(SECRET, code, atStep(STEP + 2, 0))).toBeUndefined();
  });

  it('refuses a code for another secret', () => {
    const other = base32(new Uint8Array(20).fill(1));
    const code = totpCode(other, NOW);
    const mine = [-1, 0, 1].map((d) => totpCode(SECRET, atStep(STEP + d)));
    expect(mine).not.toContain(code);
    expect(matchTotpStep(SECRET, code, NOW)).toBeUndefined();
  });

  describe('non-digit input never matches', () => {
    const good = (): string => totpCode(SECRET, NOW);
    it.each<[string, (c: string) => string]>([
      ['a trailing space', (c) => `${c} `],
      ['a leading space', (c) => ` ${c}`],
      ['a space in the middle', (c) => `${c.slice(0, 3)} ${c.slice(3)}`],
      ['a trailing newline', (c) => `${c}\n`],
      ['a leading plus', (c) => `+${c}`],
      ['a leading zero (7 digits)', (c) => `0${c}`],
      ['one digit short', (c) => c.slice(0, 5)],
      ['full-width digits', (c) => [...c].map((d) => String.fromCharCode(0xff10 + Number(d))).join('')],
      ['Arabic-Indic digits', (c) => [...c].map((d) => String.fromCharCode(0x0660 + Number(d))).join('')],
      ['a hyphen in the middle', (c) => `${c.slice(0, 3)}-${c.slice(3)}`],
      ['a last digit swapped for a letter', (c) => `${c.slice(0, 5)}a`],
      ['scientific notation', () => '1e5000'],
      ['the empty string', () => ''],
    ])('%s', (_what, mangle) => {
      expect(matchTotpStep(SECRET, good(), NOW)).toBe(STEP);
      expect(matchTotpStep(SECRET, mangle(good()), NOW)).toBeUndefined();
    });
  });

  describe('otpauthUri', () => {
    it('is an otpauth://totp key URI with issuer prefix, label, secret and the profile parameters', () => {
      const uri = otpauthUri(SECRET, 'keygate', 'alice');
      const u = new URL(uri);
      expect(u.protocol).toBe('otpauth:');
      expect(uri.startsWith('otpauth://totp/keygate:alice?')).toBe(true);
      expect(u.searchParams.get('issuer')).toBe('keygate');
      expect(u.searchParams.get('secret')).toBe(SECRET);
      expect(u.searchParams.get('algorithm')).toBe('SHA1');
      expect(u.searchParams.get('digits')).toBe('6');
      expect(u.searchParams.get('period')).toBe('30');
    });

    it('percent-encodes the issuer and the account (spaces, ":", "@")', () => {
      const uri = otpauthUri(SECRET, 'Acme: Admin Portal', 'alice@example.com');
      const label = uri.slice('otpauth://totp/'.length, uri.indexOf('?'));
      // Exactly one literal ":" separates issuer and account (Key Uri Format).
      expect(label.split(':')).toHaveLength(2);
      const [issuer, account] = label.split(':').map(decodeURIComponent);
      expect(issuer).toBe('Acme: Admin Portal');
      expect(account).toBe('alice@example.com');
      expect(new URL(uri).searchParams.get('issuer')).toBe('Acme: Admin Portal');
    });

    it('a code computed from the URI secret matches', () => {
      const secret = new URL(otpauthUri(SECRET, 'keygate', 'alice')).searchParams.get('secret')!;
      expect(matchTotpStep(secret, totpCode(SECRET, NOW), NOW)).toBe(STEP);
    });
  });

  describe('newTotpSecret', () => {
    const counting = (): Random & { calls: number[] } => {
      const calls: number[] = [];
      let next = 0;
      return {
        calls,
        bytes(n) {
          calls.push(n);
          return new Uint8Array(Array.from({ length: n }, () => next++ & 255));
        },
      };
    };

    it('is 32 base32 characters: the 20 bytes (160 bits) of the injected randomness', () => {
      const random = counting();
      const secret = newTotpSecret(random);
      expect(random.calls).toEqual([20]);
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(secret).toBe(base32(new Uint8Array(Array.from({ length: 20 }, (_, i) => i))));
      expect([...unbase32(secret)]).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('all-ones and all-zeros randomness map to the extreme base32 strings', () => {
      expect(newTotpSecret({ bytes: (n) => new Uint8Array(n).fill(0xff) })).toBe('7'.repeat(32));
      expect(newTotpSecret({ bytes: (n) => new Uint8Array(n) })).toBe('A'.repeat(32));
    });

    it('different randomness, different secrets', () => {
      const random = counting();
      expect(newTotpSecret(random)).not.toBe(newTotpSecret(random));
    });

    it('uses exactly the viewed bytes when the randomness returns a view into a larger buffer (Uint8Array)', () => {
      const backing = new Uint8Array(64).map((_, i) => 200 + (i % 50));
      const secret = newTotpSecret({ bytes: (n) => backing.subarray(10, 10 + n) });
      expect(secret).toBe(base32(backing.slice(10, 30)));
    });

    it('uses exactly the 20 bytes when the randomness returns a Node Buffer (a Uint8Array) from the shared pool', () => {
      // Buffer is a Uint8Array, so it satisfies `Random`; small Buffer.from() results are views into an 8 KiB pool.
      const bytes = Buffer.from('a5'.repeat(20), 'hex');
      const secret = newTotpSecret({ bytes: () => bytes });
      // Compare the length alone first: on failure the secret holds the whole pool (other data).
      expect(secret.length).toBe(32);
      expect(secret).toBe(base32(new Uint8Array(20).fill(0xa5)));
    });

    it('codes from a new secret verify', () => {
      const secret = newTotpSecret(counting());
      expect(matchTotpStep(secret, totpCode(secret, NOW), NOW)).toBe(STEP);
    });
  });
});
