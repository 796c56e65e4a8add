import { ForbiddenError } from '../errors/keygate-error.js';
import type { Session } from '../storage/ports.js';
import type { FactorSet } from './factor-rules.js';
import { ACR } from './sign-in-proof.js';

/**
 * Step-up for sensitive account changes: a fresh proof of two factors, at most
 * STEP_UP_MAX_AGE_SECONDS old, so a stolen session cookie or a phished password cannot
 * quietly add the attacker's factor. What counts (from the session's `amr`, never from
 * the request):
 * - a WebAuthn sign-in that proved two factors: a key with UV, or a key after a password;
 * - password + TOTP, only where the user has no usable key (a key holder steps up with it);
 * - password + an SMS or email code (acr `oob`), only where the user has neither a usable key
 *   nor TOTP: the weakest second factor steps up only where nothing stronger exists;
 * - password + recovery code, only to ADD a factor: that is how a user who lost their key
 *   gets back in; removing factors, the password or the codes needs more.
 * - never password + approval from another device (amr `mca`): the approver's key could step
 *   up itself, and an approval sent to a distracted user is exactly what step-up guards against.
 * Otherwise 403 `step_up_required`, whose reply names what would satisfy it (`stepUp.accepts`)
 * and the window; stepping up is signing in again that way, then repeating the call.
 */
export type SensitiveAction = 'add_factor' | 'remove_factor' | 'change_password' | 'regenerate_recovery_codes';
export type StepUpMethod = 'webauthn' | 'password+webauthn' | 'password+totp' | 'password+sms' | 'password+email' | 'password+recovery_code';

export function stepUpSatisfied(session: Pick<Session, 'amr' | 'authenticatedAt'> & { acr?: string }, factors: FactorSet, action: SensitiveAction, now: Date, maxAgeSeconds: number): boolean {
  if (now.getTime() - session.authenticatedAt.getTime() > maxAgeSeconds * 1000) return false;
  const amr = new Set(session.amr);
  if (!amr.has('mfa')) return false;
  if (amr.has('kba')) return action === 'add_factor';
  if (amr.has('swk') || amr.has('hwk')) return true;
  // An SMS code (amr sms), or an email code (amr otp, as TOTP's, told apart by acr oob).
  if (amr.has('pwd') && (amr.has('sms') || session.acr === ACR.oob)) return factors.usableKeys === 0 && !factors.totp;
  if (amr.has('pwd') && amr.has('otp')) return factors.usableKeys === 0;
  return false;
}

/** The ways this account could step up for `action`, strongest first. */
export function stepUpMethods(factors: FactorSet, action: SensitiveAction): StepUpMethod[] {
  const m: StepUpMethod[] = [];
  if (factors.passwordlessKeys > 0) m.push('webauthn');
  if (factors.password && factors.usableKeys > 0) m.push('password+webauthn');
  if (factors.password && factors.totp && factors.usableKeys === 0) m.push('password+totp');
  if (factors.password && factors.usableKeys === 0 && !factors.totp) {
    if (factors.sms) m.push('password+sms');
    if (factors.email) m.push('password+email');
  }
  if (action === 'add_factor' && factors.password && factors.recoveryCodes > 0) m.push('password+recovery_code');
  return m;
}

/** Throws 403 `step_up_required` (with `stepUp: { accepts, maxAgeSeconds }`) unless `session` may do `action` now. */
export function requireStepUp(session: Session, factors: FactorSet, action: SensitiveAction, now: Date, maxAgeSeconds: number): void {
  if (stepUpSatisfied(session, factors, action, now, maxAgeSeconds)) return;
  const age = Math.round((now.getTime() - session.authenticatedAt.getTime()) / 1000);
  throw new ForbiddenError(
    'step_up_required',
    `this change (${action}) needs a proof of two factors within ${maxAgeSeconds} s; this session proved [${session.amr.join(', ')}] ${age} s ago`,
    { fields: { stepUp: { accepts: stepUpMethods(factors, action), maxAgeSeconds } } },
  );
}
