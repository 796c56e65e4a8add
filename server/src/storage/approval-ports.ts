/** Storage port of sign-in approval from a signed-in device. The contracts every adapter keeps are listed in ports.ts. */

import type { ApprovalRequest } from './records.js';

/**
 * Sign-in approval requests (records.ts ApprovalRequest), one per requesting session. Every
 * invariant is one atomic single-document operation; reads skip anything whose `expiresAt`
 * is not after `now`, and "pending" means status pending with `decideBy` after `now`.
 */
export interface ApprovalStore {
  /** Stores the session's request (`request.id`), replacing any earlier one of that session in one operation. */
  put(request: ApprovalRequest): Promise<void>;
  /** The session's request, whatever its status, if unexpired at `now`. */
  forSession(id: string, now: Date): Promise<ApprovalRequest | undefined>;
  /** The request with `requestId` if it belongs to `userId` and is unexpired at `now` (another user's id reads as absent). */
  byRequestId(requestId: string, userId: string, now: Date): Promise<ApprovalRequest | undefined>;
  /** The user's pending requests at `now` (status pending, `decideBy` after now), oldest first. */
  pendingFor(userId: string, now: Date): Promise<ApprovalRequest[]>;
  /**
   * Decides a request by compare-and-set from pending: only if `requestId` belongs to
   * `userId`, is still `pending` and `decideBy` is after `now`, it becomes `decision.status`
   * with `decidedAt = now`, `decidedBy` and `reason`; returns the request as decided, or
   * `undefined` (not found, already decided, expired). Of concurrent callers exactly one wins.
   */
  decide(requestId: string, userId: string, now: Date, decision: { status: 'approved' | 'denied'; decidedBy: string; reason?: ApprovalRequest['reason'] }): Promise<ApprovalRequest | undefined>;
  /**
   * Marks the session's request `expired` only if it is still pending with `decideBy` at or
   * before `now` (and the record itself unexpired): returns whether this call did it, so that
   * exactly one observer audits the expiry.
   */
  markExpired(id: string, requestId: string, now: Date): Promise<boolean>;
  /**
   * Takes (deletes and returns) the session's request only if it is for `attemptId`, `approved`
   * and unexpired at `now`. Of concurrent callers exactly one gets it: an approval completes
   * one half sign-in, once.
   */
  takeApproved(id: string, attemptId: string, now: Date): Promise<ApprovalRequest | undefined>;
  /** Deletes the session's request; `false` if there was none. */
  delete(id: string): Promise<boolean>;
}
