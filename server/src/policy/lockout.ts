/**
 * Lockout of guessable secrets (password, TOTP, recovery code): after LOCKOUT_THRESHOLD
 * failures per account (LOCKOUT_IP_THRESHOLD per client IP) the key is locked for
 * LOCKOUT_BASE_SECONDS, doubling with each further lockout up to LOCKOUT_MAX_SECONDS.
 * Failures are forgotten after a quiet day (DECAY_MS). The counting itself is
 * factors/lockout/attempt-guard.ts.
 */
export const LOCKOUT_DECAY_MS = 24 * 3600 * 1000;

export function lockoutMs(strikes: number, baseSeconds: number, maxSeconds: number): number {
  return Math.min(baseSeconds * 2 ** Math.min(strikes, 30), maxSeconds) * 1000;
}
