/** Records of out-of-band one-time codes (SMS, email); exported by records.ts. */

/** The channels a one-time code is sent on (delivery/message-delivery.ts DeliveryChannel). */
export type OobChannel = 'sms' | 'email';

/**
 * A code sent to a destination, kept only as its keyed hash (HMAC-SHA-256 with HMAC_SECRET,
 * factors/oob/oob-code.ts). `attempts` counts the checks made against it: each check is
 * reserved in the store before the code is compared, and past OOB_CODE_MAX_CHECKS the code
 * is dead.
 */
export interface OobPendingCode {
  /** base64url HMAC-SHA-256 of what the code is bound to and the code. */
  hash: string;
  attempts: number;
  sentAt: Date;
  expiresAt: Date;
}

/** One channel of a user: the verified destination, and a destination waiting for its first code. */
export interface OobChannelState {
  /** The verified destination (E.164 phone number or normalised email address). */
  active?: { destination: string; verifiedAt: Date };
  /** An enrolment waiting for its first code; confirming replaces `active`. */
  pending?: OobPendingCode & { destination: string };
}

/** A user's out-of-band destinations: ONE record per user, one entry per channel. */
export interface OobDestinations {
  userId: string;
  sms?: OobChannelState;
  email?: OobChannelState;
}

/**
 * A sign-in code: sent for ONE half sign-in (SignInAttempt), keyed by its session cookie id
 * and bound to its `attemptId` (a code sent for one attempt cannot finish another: another
 * attempt of the same session replaces the half sign-in and the code no longer matches it).
 * One per session: a new send replaces the earlier code.
 */
export interface OobSignInCode extends OobPendingCode {
  /** The session cookie id. */
  id: string;
  attemptId: string;
  userId: string;
  channel: OobChannel;
}

/** What OobStore.claimSend answers. */
export type SendClaim = { ok: true } | { ok: false; retryAt: Date; limit: 'interval' | 'window' };
