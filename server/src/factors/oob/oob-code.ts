import { timingSafeEqual } from 'node:crypto';
import { encodeBase64url } from '../../lib/base64url.js';
import { keyedHash } from '../../lib/keyed-hash.js';
import type { Random } from '../../lib/random.js';
import type { OobChannel } from '../../storage/ports.js';

/** A code lives 5 minutes (issue 10), sign-in and enrolment alike. */
export const OOB_CODE_TTL_MS = 5 * 60_000;
/** Checks one code allows (wrong codes also count into the second-factor lockout); then it is dead and a new one must be sent. */
export const OOB_CODE_MAX_CHECKS = 5;
const DIGITS = 6;
const RANGE = 10 ** DIGITS;
/** The largest multiple of RANGE below 2^32: values from it on are drawn again (no modulo bias). */
const LIMIT = Math.floor(2 ** 32 / RANGE) * RANGE;

/**
 * A 6-digit code, uniform over 000000-999999, from the injected CSPRNG (the equivalent of
 * crypto.randomInt(0, 1e6) on injected randomness: rejection sampling, no modulo bias),
 * zero-padded.
 */
export function newOobCode(random: Random): string {
  for (;;) {
    const n = Buffer.from(random.bytes(4)).readUInt32BE(0);
    if (n < LIMIT) return String(n % RANGE).padStart(DIGITS, '0');
  }
}

/** Exactly 6 ASCII digits (after trimming): anything else never matches and is not looked up. */
export function normalizeOobCode(code: string): string | undefined {
  const c = code.trim();
  return /^\d{6}$/.test(c) ? c : undefined;
}

/**
 * What a code is stored as: HMAC-SHA-256 under HMAC_SECRET over what it is bound to and the
 * code, base64url. Sign-in codes are bound to the half sign-in's attemptId and the channel
 * (a code of one attempt cannot finish another); enrolment codes to the user, the channel
 * and the destination being verified.
 */
export function oobCodeHash(secret: string, binding: { attemptId: string } | { userId: string; destination: string }, channel: OobChannel, code: string): string {
  const bound = 'attemptId' in binding ? `sign-in\0${binding.attemptId}` : `enrol\0${binding.userId}\0${binding.destination}`;
  return encodeBase64url(keyedHash(secret, 'oob-code', `${bound}\0${channel}\0${code}`));
}

/** Constant-time comparison of two stored hashes. */
export function sameOobHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The message text: the code first (lock screens show the start), who sent it, its life; SMS adds the WebOTP line (origin-bound codes). */
export function oobMessageText(o: { code: string; channel: OobChannel; rpName: string; rpId: string; purpose: 'sign_in' | 'enrol' }): { text: string; subject?: string } {
  const what = o.purpose === 'sign_in' ? 'sign-in code' : 'verification code';
  const text = `${o.code} is your ${o.rpName} ${what}. It expires in 5 minutes. Never share it: ${o.rpName} will never ask you for it.`;
  if (o.channel === 'sms') return { text: `${text}\n\n@${o.rpId} #${o.code}` };
  return { text, subject: `Your ${o.rpName} ${what}` };
}
