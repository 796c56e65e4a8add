import { createHmac } from 'node:crypto';

/**
 * HMAC-SHA-256 of `value` under HMAC_SECRET, separated by `purpose` (so a recovery-code hash
 * can never equal a decoy-credential id), as base64url. Used where a value must be
 * recognisable but not recoverable: recovery codes at rest, decoy credential ids.
 */
export function keyedHash(secret: string, purpose: string, value: string): Buffer {
  return createHmac('sha256', secret).update(purpose).update('\0').update(value).digest();
}
