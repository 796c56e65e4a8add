/**
 * Enumeration protection: the allowCredentials shown for a username without an account is
 * deterministic per username and HMAC_SECRET (asking twice gives the same answer, as for a
 * real account), differs across usernames, and looks like real entries.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { decoyCredentials } from '../../server/src/ceremonies/decoy-credentials.js';
import { decodeBase64url } from '../../server/src/lib/base64url.js';

const SECRET = randomBytes(32).toString('base64url');
const USERNAMES = Array.from({ length: 200 }, (_, i) => `user${i}`);
const KNOWN_TRANSPORTS = new Set(['usb', 'nfc', 'ble', 'internal', 'hybrid', 'smart-card']);

describe('decoyCredentials', () => {
  it('is deterministic per username and secret', () => {
    for (const u of ['alice', 'bob', 'nobody@example.com', '']) {
      expect(decoyCredentials(SECRET, u)).toEqual(decoyCredentials(SECRET, u));
    }
  });

  it('differs across usernames (ids never shared)', () => {
    const ids = USERNAMES.flatMap((u) => decoyCredentials(SECRET, u).map((c) => c.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(decoyCredentials(SECRET, 'alice')).not.toEqual(decoyCredentials(SECRET, 'alicf'));
  });

  it('differs across secrets (another deployment cannot predict them)', () => {
    const other = randomBytes(32).toString('base64url');
    const mine = decoyCredentials(SECRET, 'alice').map((c) => c.id);
    const theirs = decoyCredentials(other, 'alice').map((c) => c.id);
    expect(mine.filter((id) => theirs.includes(id))).toEqual([]);
  });

  it('has the shape of real entries: 1 or 2 credentials, base64url ids of 16/32/48/64 bytes, real transports', () => {
    for (const u of USERNAMES) {
      const decoys = decoyCredentials(SECRET, u);
      expect(decoys.length === 1 || decoys.length === 2).toBe(true);
      for (const d of decoys) {
        expect(Object.keys(d).sort()).toEqual(['id', 'transports']);
        expect(d.id).toMatch(/^[A-Za-z0-9_-]+$/);
        const bytes = decodeBase64url(d.id);
        expect(bytes).toBeDefined();
        expect([16, 32, 48, 64]).toContain(bytes!.length);
        expect(d.transports.length).toBeGreaterThan(0);
        for (const t of d.transports) expect(KNOWN_TRANSPORTS.has(t)).toBe(true);
        expect(new Set(d.transports).size).toBe(d.transports.length);
      }
      // Two decoys of one username are two different credentials.
      if (decoys.length === 2) expect(decoys[0]!.id).not.toBe(decoys[1]!.id);
    }
  });

  it('varies like real accounts do: both counts and every id length occur across usernames', () => {
    const all = USERNAMES.map((u) => decoyCredentials(SECRET, u));
    expect(new Set(all.map((d) => d.length))).toEqual(new Set([1, 2]));
    expect(new Set(all.flat().map((d) => decodeBase64url(d.id)!.length))).toEqual(new Set([16, 32, 48, 64]));
  });

  it('returns fresh arrays: mutating one answer does not change the next', () => {
    const first = decoyCredentials(SECRET, 'alice');
    const copy = structuredClone(first);
    first[0]!.transports.push('ble');
    first[0]!.id = 'mutated';
    expect(decoyCredentials(SECRET, 'alice')).toEqual(copy);
  });
});
