/** Storage port of out-of-band one-time codes (SMS, email). The contracts every adapter keeps are listed in ports.ts. */

import type { OobChannel, OobChannelState, OobDestinations, OobPendingCode, OobSignInCode, SendClaim } from './records.js';

/**
 * Out-of-band codes (records.ts OobDestinations, OobSignInCode) and the send limits they are
 * sent under. Every invariant is one atomic single-document operation; reads skip anything
 * whose `expiresAt` is not after `now`.
 */
export interface OobStore {
  /** The user's destinations; a pending enrolment that expired at `now` reads as absent. */
  destinations(userId: string, now: Date): Promise<OobDestinations | undefined>;
  /** Sets the channel's pending enrolment (replacing an earlier pending one); a verified destination stays as it is. */
  setPending(userId: string, channel: OobChannel, pending: NonNullable<OobChannelState['pending']>): Promise<void>;
  /**
   * Reserves one check of the channel's pending enrolment code: atomically increments its
   * `attempts` only if it is unexpired at `now` and `attempts < maxChecks`, and returns it
   * (its `attempts` is informational under concurrency); `undefined` otherwise. Of concurrent
   * callers at most `maxChecks` ever get it.
   */
  reservePendingCheck(userId: string, channel: OobChannel, now: Date, maxChecks: number): Promise<(OobPendingCode & { destination: string }) | undefined>;
  /**
   * Confirms the pending enrolment: only if it is still the one with `pending.hash` and
   * `pending.destination` and unexpired at `now`, that destination becomes the verified one
   * (replacing any earlier) and pending is cleared. Atomic; of concurrent callers exactly one
   * wins; returns whether it won.
   */
  confirm(userId: string, channel: OobChannel, pending: { hash: string; destination: string }, now: Date): Promise<boolean>;
  /** Removes the channel (verified destination and pending enrolment); `false` if no destination was verified. */
  remove(userId: string, channel: OobChannel): Promise<boolean>;
  /** Stores the session's sign-in code, replacing any earlier one of that session. */
  putCode(code: OobSignInCode): Promise<void>;
  /**
   * Reserves one check of the session's sign-in code: atomically increments `attempts` only
   * if the code is for `attemptId`, unexpired at `now` and `attempts < maxChecks`, and
   * returns it; `undefined` otherwise.
   */
  reserveCodeCheck(id: string, attemptId: string, now: Date, maxChecks: number): Promise<OobSignInCode | undefined>;
  /**
   * Takes (deletes and returns) the session's code only if it is for `attemptId`, has `hash`
   * and is unexpired at `now`. Of concurrent callers exactly one gets it: single use.
   */
  takeCode(id: string, attemptId: string, hash: string, now: Date): Promise<OobSignInCode | undefined>;
  /** Deletes the session's code if it still has `hash` (a send that failed); `false` otherwise. */
  deleteCode(id: string, hash: string): Promise<boolean>;
  /**
   * Claims one send for `key` (`user:…`, `dest:…`, `ip:…`) under a sliding window: allowed
   * only if the last claimed send of the key is at least `intervalMs` before `now` and fewer
   * than `max` sends of the key fall within `(now - windowMs, now]`; then records `now` as
   * sent. Atomic (one conditional upsert): of concurrent claims exactly as many win as the
   * limits allow. Refused: `{ ok: false, retryAt, limit }` (the earliest time it would pass).
   */
  claimSend(key: string, now: Date, limits: { intervalMs: number; windowMs: number; max: number }): Promise<SendClaim>;
}
