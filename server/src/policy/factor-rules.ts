/**
 * Which factors an account has, as far as completing a sign-in goes, and what follows from
 * them: what a password sign-in may continue with, and whether the account can still sign
 * in at all (the `last_factor` rule counts every factor, not only keys).
 */
export interface FactorSet {
  password: boolean;
  /** Keys that may sign in now (policy/credential-usability.ts: not disabled, not flagged as possibly cloned). */
  usableKeys: number;
  /** Of those, keys registered with user verification: they sign in without a password. */
  passwordlessKeys: number;
  totp: boolean;
  recoveryCodes: number;
  /** A verified phone number that may receive sign-in codes (the channel enabled in OOB_CHANNELS and counted by the role). */
  sms: boolean;
  /** A verified email address, likewise. */
  email: boolean;
  /**
   * Another signed-in device may approve the sign-in (APPROVAL on, counted by the role, and a
   * usable key to confirm the approval with). Never a way in by itself: it needs a session
   * signed in some other way, so canCompleteSignIn ignores it.
   */
  approval?: boolean;
  /** Any second factor on record, usable or not (a flagged key counts). */
  anySecondFactor: boolean;
}

export type NextStep = 'webauthn' | 'totp' | 'sms' | 'email' | 'approval' | 'recovery_code' | 'enrol';

/**
 * After a correct password: the second factors that can complete the sign-in; `enrol` only
 * for an account that never had a second factor (a password sign-up not finished yet), so
 * that someone holding only the password of an account with keys can never enrol their own.
 */
export function nextSteps(f: FactorSet): NextStep[] {
  if (!f.anySecondFactor) return ['enrol'];
  const next: NextStep[] = [];
  if (f.usableKeys > 0) next.push('webauthn');
  if (f.totp) next.push('totp');
  // One-time codes by SMS or email: below TOTP (phishable, and SMS can be SIM-swapped).
  if (f.sms) next.push('sms');
  if (f.email) next.push('email');
  // Approval from another signed-in device (it only works while one is signed in: the
  // requester cannot know, so it is offered whenever it could be).
  if (f.approval) next.push('approval');
  if (f.recoveryCodes > 0) next.push('recovery_code');
  return next;
}

/** Whether some sign-in can still complete: a passwordless key, or a password and any second factor (SMS and email codes included). */
export function canCompleteSignIn(f: FactorSet): boolean {
  return f.passwordlessKeys > 0 || (f.password && (f.usableKeys > 0 || f.totp || f.sms || f.email || f.recoveryCodes > 0));
}

/** Removing (before → after) is refused when it takes away the account's last way to sign in. */
export function removalLeavesAWayIn(before: FactorSet, after: FactorSet): boolean {
  return canCompleteSignIn(after) || !canCompleteSignIn(before);
}
