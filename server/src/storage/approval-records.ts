/** Records of sign-in approval from a signed-in device; exported by records.ts. */

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

/**
 * A half sign-in asking the user's other signed-in sessions to approve it (issue 10 point 3),
 * keyed by the REQUESTING session's cookie id (one per session: a new request replaces the
 * earlier one) and bound to its `attemptId` (an approval given for one attempt cannot complete
 * another). `requestId` is the random handle approvers name; the approver is shown `choices`
 * and must pick `number`, which only the requesting device shows (number matching).
 * `decideBy` (created + 2 min) ends the pending phase; `expiresAt` (a little later) ends the
 * record, so the requester can still read the verdict and complete an approval given in time.
 */
export interface ApprovalRequest {
  /** The requesting session's cookie id. */
  id: string;
  requestId: string;
  attemptId: string;
  userId: string;
  /** 10..99, shown on the requesting device. */
  number: number;
  /** Three distinct numbers, shuffled, `number` among them: shown to approvers. */
  choices: number[];
  ip?: string;
  userAgent?: string;
  status: ApprovalStatus;
  createdAt: Date;
  decideBy: Date;
  /** When it was approved or denied, and by which session. */
  decidedAt?: Date;
  decidedBy?: string;
  /** Denied: why (`denied`, `wrong_number`, `not_me`). */
  reason?: 'denied' | 'wrong_number' | 'not_me';
  expiresAt: Date;
}
