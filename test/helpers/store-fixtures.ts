/**
 * Records for storage contract tests: random ids, times from a fixed instant (T0 + ms), and a
 * user and a credential with every field set (override any).
 */
import { randomBytes } from 'node:crypto';
import type { StoredCredential, User } from '../../server/src/storage/ports.js';

export const id = (n = 16): string => randomBytes(n).toString('base64url');
export const T0 = Date.parse('2030-01-01T00:00:00.000Z');
export const at = (ms: number): Date => new Date(T0 + ms);

export function newUser(o: Partial<User> = {}): User {
  const suffix = randomBytes(4).toString('hex');
  return { id: id(32), username: `user-${suffix}`, displayName: `User ${suffix}`, createdAt: at(0), ...o };
}

export function newCredential(userId: string, o: Partial<StoredCredential> = {}): StoredCredential {
  return {
    id: id(),
    userId,
    publicKey: new Uint8Array(randomBytes(77)),
    alg: -7,
    counter: 5,
    transports: ['usb', 'nfc'],
    aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
    fmt: 'packed',
    attestationObject: new Uint8Array(randomBytes(300)),
    backupEligible: false,
    backedUp: false,
    userVerified: true,
    discoverable: true,
    name: 'Security key added 2030-01-01',
    createdAt: at(0),
    lastUsedAt: at(500),
    possiblyCloned: false,
    disabled: false,
    ...o,
  };
}

