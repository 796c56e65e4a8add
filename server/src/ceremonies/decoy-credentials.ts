import { encodeBase64url } from '../lib/base64url.js';
import { keyedHash } from '../lib/keyed-hash.js';

const LENGTHS = [16, 32, 48, 64];
const TRANSPORTS = [['usb'], ['usb', 'nfc'], ['internal', 'hybrid'], ['hybrid', 'internal'], ['usb', 'nfc']];

/**
 * Enumeration protection: the allowCredentials shown for a username with no account (or no
 * key that can sign in). Deterministic per username (an HMAC with HMAC_SECRET), so asking
 * twice gives the same answer, as for a real account; one or two entries with credential-id
 * lengths and transports like real ones. They match no credential, so whatever the browser
 * answers ends in `unknown_credential`, as a wrong key on a real account does.
 */
export function decoyCredentials(hmacSecret: string, username: string): { id: string; transports: string[] }[] {
  const seed = keyedHash(hmacSecret, 'decoy-credentials', username);
  const n = 1 + (seed[0]! % 2);
  return Array.from({ length: n }, (_, i) => {
    const id = Buffer.concat([keyedHash(hmacSecret, `decoy-credential:${i}`, username), keyedHash(hmacSecret, `decoy-credential:${i}:2`, username)]);
    return { id: encodeBase64url(id.subarray(0, LENGTHS[seed[1 + i]! % LENGTHS.length]!)), transports: [...TRANSPORTS[seed[3 + i]! % TRANSPORTS.length]!] };
  });
}
