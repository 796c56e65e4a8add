/**
 * base64url (RFC 4648 §5, unpadded): strict decoding refuses everything an encoder would
 * never produce (Node's own decoder silently skips it), and round-trips any bytes.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { decodeBase64url, encodeBase64url, isBase64url } from '../../server/src/lib/base64url.js';

const bytesOf = (u: Uint8Array | undefined): number[] | undefined => (u === undefined ? undefined : [...u]);

describe('decodeBase64url', () => {
  it.each([
    ['"+" (standard alphabet)', 'ab+d'],
    ['"/" (standard alphabet)', 'ab/d'],
    ['padding', 'YQ=='],
    ['a single "="', 'YWI='],
    ['a space inside', 'YW Jj'],
    ['a leading space', ' YWJj'],
    ['a trailing space', 'YWJj '],
    ['a newline', 'YWJj\n'],
    ['a tab', 'YW\tJj'],
    ['a dot', 'YW.j'],
    ['non-ASCII', 'YWJé'],
    ['length % 4 == 1 (1 char)', 'Y'],
    ['length % 4 == 1 (5 chars)', 'YWJjZ'],
    ['length % 4 == 1 (9 chars)', 'YWJjZGVmZ'],
  ])('rejects %s', (_what, text) => {
    expect(decodeBase64url(text)).toBeUndefined();
    expect(isBase64url(text)).toBe(false);
  });

  it.each([null, undefined, 42, {}, [], new Uint8Array([1])])('rejects a non-string (%p)', (value) => {
    expect(decodeBase64url(value as unknown as string)).toBeUndefined();
    expect(isBase64url(value)).toBe(false);
  });

  it('accepts the empty string as zero bytes', () => {
    const out = decodeBase64url('');
    expect(out).toBeInstanceOf(Uint8Array);
    expect(out).toHaveLength(0);
    expect(isBase64url('')).toBe(true);
  });

  it.each([
    ['YQ', [0x61]],
    ['YWI', [0x61, 0x62]],
    ['YWJj', [0x61, 0x62, 0x63]],
    ['-_-_', [0xfb, 0xff, 0xbf]],
    ['AAAA', [0, 0, 0]],
  ])('decodes %s', (text, expected) => {
    expect(bytesOf(decodeBase64url(text))).toEqual(expected);
    expect(isBase64url(text)).toBe(true);
  });

  it('uses the URL-safe alphabet where standard base64 has + and /', () => {
    const bytes = new Uint8Array([0xfb, 0xef, 0xff]);
    expect(encodeBase64url(bytes)).toBe('--__');
    expect(bytesOf(decodeBase64url('--__'))).toEqual([...bytes]);
  });

  it('returns a plain Uint8Array that owns its bytes', () => {
    const out = decodeBase64url('YWJj')!;
    expect(out).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(out)).toBe(false);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(3);
  });
});

describe('encodeBase64url', () => {
  it('never pads and only uses the URL-safe alphabet', () => {
    for (let n = 0; n < 70; n++) {
      const text = encodeBase64url(randomBytes(n));
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(text.length % 4).not.toBe(1);
      expect(text).toHaveLength(Math.ceil((n * 4) / 3));
    }
  });

  it('encodes only the viewed bytes of a subarray', () => {
    const backing = new Uint8Array([0xff, 0x61, 0x62, 0x63, 0xff]);
    expect(encodeBase64url(backing.subarray(1, 4))).toBe('YWJj');
  });

  it('round-trips random bytes of every length 0-256', () => {
    for (let n = 0; n <= 256; n++) {
      const bytes = new Uint8Array(randomBytes(n));
      const text = encodeBase64url(bytes);
      expect(bytesOf(decodeBase64url(text))).toEqual([...bytes]);
    }
  });
});
