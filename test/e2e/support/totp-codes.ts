/**
 * TOTP codes (RFC 6238: SHA-1, 6 digits, 30 s) for a secret the demo showed, as an
 * authenticator app would compute them. keygate accepts a code once per 30 s step, with
 * ±1 step of drift, and checks it against ITS clock: pass the server clock's time when the
 * test runs keygate on a FixedClock. For a second sign-in in the same step, use the next
 * step's code (`timestamp + 30_000`), which the drift window accepts.
 */
import * as OTPAuth from 'otpauth';

export const TOTP_STEP_MS = 30_000;

export function totpCode(secretBase32: string, timestamp: number = Date.now()): string {
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secretBase32.replace(/\s+/g, '')), digits: 6, period: 30, algorithm: 'SHA1' });
  return totp.generate({ timestamp });
}
