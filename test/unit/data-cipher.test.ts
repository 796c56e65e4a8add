/**
 * Secrets at rest: AES-256-GCM sealed values `v1.<kid>.<iv>.<ciphertext+tag>` under the
 * DATA_KEYS ring. Round trip, aad binding (a sealed secret copied onto another record does
 * not open), tamper detection, rotation (the first key seals, every listed key opens).
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { DataKey } from '../../server/src/config/config-schema.js';
import { open, seal } from '../../server/src/lib/data-cipher.js';

const k1: DataKey = { kid: 'k1', key: randomBytes(32) };
const k2: DataKey = { kid: 'k2', key: randomBytes(32) };
const AAD = 'totp:user-1';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** Replaces part `i` (0 = version, 1 = kid, 2 = iv, 3 = body) of a sealed value. */
function withPart(sealed: string, i: number, f: (part: string) => string): string {
  const parts = sealed.split('.');
  parts[i] = f(parts[i]!);
  return parts.join('.');
}

function flipByte(b64: string, index: number): string {
  const bytes = Buffer.from(b64, 'base64url');
  bytes[(index + bytes.length) % bytes.length]! ^= 0x01;
  return bytes.toString('base64url');
}

describe('seal / open', () => {
  it.each([
    ['a base32 TOTP secret', SECRET],
    ['the empty string', ''],
    ['non-ASCII text', 'пароль 密码 🔑'],
    ['a long value', 'x'.repeat(10_000)],
  ])('round-trips %s', (_what, plaintext) => {
    expect(open([k1], seal([k1], plaintext, AAD), AAD)).toBe(plaintext);
  });

  it('has the form v1.<kid>.<iv>.<ciphertext+tag> with a 12-byte iv and a 16-byte tag', () => {
    const sealed = seal([k1], SECRET, AAD);
    const [v, kid, iv, body, ...rest] = sealed.split('.');
    expect(rest).toEqual([]);
    expect(v).toBe('v1');
    expect(kid).toBe('k1');
    expect(iv).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(body!, 'base64url')).toHaveLength(SECRET.length + 16);
  });

  it('does not contain the plaintext', () => {
    const sealed = seal([k1], SECRET, AAD);
    expect(sealed).not.toContain(SECRET);
    expect(Buffer.from(sealed.split('.')[3]!, 'base64url').toString('latin1')).not.toContain(SECRET);
  });

  it('uses a fresh iv each time: sealing twice gives different values that both open', () => {
    const a = seal([k1], SECRET, AAD);
    const b = seal([k1], SECRET, AAD);
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(open([k1], a, AAD)).toBe(SECRET);
    expect(open([k1], b, AAD)).toBe(SECRET);
  });

  describe('aad binding', () => {
    it.each([
      ['another user', 'totp:user-2'],
      ['a prefix of it', 'totp:user-'],
      ['it plus a character', 'totp:user-11'],
      ['another purpose', 'recovery:user-1'],
      ['the empty string', ''],
    ])('does not open under %s', (_what, otherAad) => {
      const sealed = seal([k1], SECRET, AAD);
      expect(() => open([k1], sealed, otherAad)).toThrow();
    });
  });

  describe('tampering fails', () => {
    const sealed = seal([k1], SECRET, AAD);
    it.each<[string, string]>([
      ['a flipped ciphertext byte', withPart(sealed, 3, (b) => flipByte(b, 0))],
      ['a flipped tag byte', withPart(sealed, 3, (b) => flipByte(b, -1))],
      ['a flipped iv byte', withPart(sealed, 2, (b) => flipByte(b, 0))],
      ['the tag removed', withPart(sealed, 3, (b) => Buffer.from(b, 'base64url').subarray(0, -16).toString('base64url'))],
      ['the body truncated by one byte', withPart(sealed, 3, (b) => Buffer.from(b, 'base64url').subarray(1).toString('base64url'))],
      ['an empty body', withPart(sealed, 3, () => '')],
      ['an empty iv', withPart(sealed, 2, () => '')],
      ['another version', withPart(sealed, 0, () => 'v2')],
      ['a missing part', sealed.split('.').slice(0, 3).join('.')],
      ['not a sealed value at all', SECRET],
      ['the empty string', ''],
    ])('%s', (_what, tampered) => {
      expect(() => open([k1], tampered, AAD)).toThrow();
    });

    it('a body sealed under another key, relabelled with this kid', () => {
      const other = seal([{ kid: 'k1', key: randomBytes(32) }], SECRET, AAD);
      expect(() => open([k1], other, AAD)).toThrow();
    });

    it('refuses an authentication tag shorter than 16 bytes (GCM truncation: a 4-byte tag is 2^32 forgery work)', () => {
      // Built with the real key so only the tag length is wrong: a well-formed value whose tag is cut to 4 bytes.
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', k1.key, iv);
      cipher.setAAD(Buffer.from(AAD, 'utf8'));
      const ct = Buffer.concat([cipher.update('', 'utf8'), cipher.final()]);
      const shortTag = cipher.getAuthTag().subarray(0, 4);
      const forged = `v1.k1.${iv.toString('base64url')}.${Buffer.concat([ct, shortTag]).toString('base64url')}`;
      expect(() => open([k1], forged, AAD)).toThrow();
    });
  });

  describe('key rotation', () => {
    it('a value sealed with k1 opens with [k2, k1]', () => {
      const old = seal([k1], SECRET, AAD);
      expect(open([k2, k1], old, AAD)).toBe(SECRET);
    });

    it('new seals use the first key (k2) and open with [k2, k1] and [k2], not [k1]', () => {
      const sealed = seal([k2, k1], SECRET, AAD);
      expect(sealed.split('.')[1]).toBe('k2');
      expect(open([k2, k1], sealed, AAD)).toBe(SECRET);
      expect(open([k2], sealed, AAD)).toBe(SECRET);
      expect(() => open([k1], sealed, AAD)).toThrow(expect.objectContaining({ code: 'data_key_unavailable', detail: expect.stringContaining('k2') }));
    });

    it('once k1 is dropped from the ring, its values no longer open, with an error naming the key id', () => {
      const old = seal([k1], SECRET, AAD);
      expect(() => open([k2], old, AAD)).toThrow(expect.objectContaining({ code: 'data_key_unavailable', detail: expect.stringContaining('key id k1') }));
    });
  });

  it('an unknown kid fails (error, not a wrong plaintext)', () => {
    const sealed = withPart(seal([k1], SECRET, AAD), 1, () => 'k9');
    expect(() => open([k1, k2], sealed, AAD)).toThrow(expect.objectContaining({ code: 'data_key_unavailable', detail: expect.stringContaining('key id k9') }));
  });

  it('relabelling a k1 value as k2 fails (the key id is not trusted to pick any key that works)', () => {
    const relabelled = withPart(seal([k1], SECRET, AAD), 1, () => 'k2');
    expect(() => open([k2, k1], relabelled, AAD)).toThrow();
  });
});
