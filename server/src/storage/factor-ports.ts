/** Storage ports of the fallback factors (passwords, TOTP, recovery codes) and their lockout counters. The contracts every adapter keeps are listed in ports.ts. */

import type { PasswordRecord, RecoveryCodeSet, TotpRecord } from './records.js';

export interface PasswordStore {
  get(userId: string): Promise<PasswordRecord | undefined>;
  /** Sets (inserts or replaces) the user's password hash. */
  set(record: PasswordRecord): Promise<void>;
  /** Deletes it; `false` if there was none. */
  delete(userId: string): Promise<boolean>;
}

export interface TotpStore {
  get(userId: string): Promise<TotpRecord | undefined>;
  /** Sets the user's pending enrolment, replacing an earlier pending one; an active authenticator is left as it is. */
  setPending(userId: string, pending: NonNullable<TotpRecord['pending']>): Promise<void>;
  /**
   * Confirms the pending enrolment: only if it is still the one sealed as `sealedSecret` and
   * unexpired at `now`, it becomes the active authenticator (replacing any earlier one) with
   * `lastUsedStep = step` (the confirming code counts as used), and pending is cleared.
   * Atomic; returns whether it won.
   */
  confirm(userId: string, sealedSecret: string, step: number, now: Date): Promise<boolean>;
  /**
   * RFC 6238 §5.2 "accepted once only": compare-and-set that advances the active
   * authenticator's `lastUsedStep` to `step` only if it is still `sealedSecret` and its
   * lastUsedStep is lower than `step`. Of concurrent callers with the same step exactly one
   * wins; a step at or below the last used one never wins.
   */
  useStep(userId: string, sealedSecret: string, step: number): Promise<boolean>;
  /** Removes the active authenticator and any pending enrolment; `false` if none was active. */
  remove(userId: string): Promise<boolean>;
}

export interface RecoveryCodeStore {
  get(userId: string): Promise<RecoveryCodeSet | undefined>;
  /** Replaces the user's whole set (regenerating invalidates every earlier code). */
  replace(set: RecoveryCodeSet): Promise<void>;
  /** Atomically removes `hash` from the user's set; of concurrent callers exactly one gets `true`. */
  consume(userId: string, hash: string): Promise<boolean>;
}

/** What `LockoutStore.reserve` answers. */
export type Reservation = { ok: true } | { ok: false; retryAt: Date };

/**
 * Failure counters for password, TOTP and recovery-code attempts, per key (`user:…`, `ip:…`).
 * A counter record is { count, strikes, lockedUntil?, expiresAt }; an expired record counts
 * as absent (failures are forgotten after a quiet day).
 */
export interface LockoutStore {
  /**
   * Reserves one attempt BEFORE the secret is checked: atomically increments `count` unless
   * the key is locked at `now` or `count` already reached `threshold`, in which case it
   * answers `{ ok: false, retryAt }` and nothing is checked. So of any number of concurrent
   * attempts at most `threshold` are ever checked. The record lives `decayMs` past `now`.
   */
  reserve(key: string, now: Date, opts: { threshold: number; decayMs: number }): Promise<Reservation>;
  /**
   * Records that a reserved attempt failed: once `count` reached `threshold`, locks the key
   * until `now + lockMs(strikes)` (strikes = earlier lockouts, so the delay grows), adds a
   * strike and starts counting again from 0. Atomic; returns whether this call locked the key.
   */
  fail(key: string, now: Date, opts: { threshold: number; decayMs: number; lockMs: (strikes: number) => number }): Promise<boolean>;
  /** A reserved attempt succeeded and should not count (per-IP counters): `count` goes down by one, never below 0. */
  release(key: string): Promise<void>;
  /** Forgets the key entirely (its user signed in): count and strikes. */
  reset(key: string): Promise<void>;
  /** Until when the key is locked, if it is locked at `now` (a read: nothing is reserved or counted). */
  lockedUntil(key: string, now: Date): Promise<Date | undefined>;
}
