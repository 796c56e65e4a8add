import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import { NotFoundError, UnauthorizedError } from '../errors/keygate-error.js';
import { requireCountedSecondFactor } from '../policy/require-policy.js';
import { secondFactorRefusal } from '../policy/second-factor-policy.js';
import { guardAttempt, settleOnce } from '../factors/lockout/attempt-guard.js';
import { normalizeRecoveryCode, recoveryCodeHash } from '../factors/recovery-codes/recovery-codes.js';
import { matchTotpStep } from '../factors/totp/totp-code.js';
import { open } from '../lib/data-cipher.js';
import type { Session, User } from '../storage/ports.js';
import { completeSignInAttempt, requireSignInAttempt } from './sign-in-attempt.js';

export interface SecondFactorResult {
  user: User;
  session: Session;
  /** Recovery-code sign-ins: codes left; the user should add a new key. */
  recovery?: { remaining: number; addNewKey: true };
}

const invalidCode = (detail: string) => new UnauthorizedError('invalid_code', detail);

/**
 * POST /login/totp: completes a half sign-in with an authenticator-app code (RFC 6238).
 * Order: 1. a half sign-in at `second_factor` (`no_pending_sign_in`); 2. reserve an attempt
 * against the lockout (`locked_out`); 3. the user has an active authenticator
 * (`totp_not_enrolled`); 4. the code matches a step within ±1 of now (`invalid_code`);
 * 5. §5.2 "accepted once only": that step is later than the last one used, advanced by
 * compare-and-set (`code_already_used`: a replay, or the loser of a race); 6. complete the
 * sign-in (amr pwd + otp + mfa). Wrong codes and replays count towards the lockout.
 */
export async function loginWithTotp(deps: Deps, ctx: { sessionId: string | undefined; ip?: string }, code: string): Promise<SecondFactorResult> {
  const attempt = await requireSignInAttempt(deps, ctx.sessionId, 'second_factor');
  await requireCountedFactor(deps, attempt.userId, 'totp', ctx.ip);
  const guard = await guardAttempt(deps, { username: attempt.username, userId: attempt.userId, ip: ctx.ip });
  try {
    return await settleOnce(guard, async (settle) => {
      const active = (await deps.store.totp.get(attempt.userId))?.active;
      if (!active) {
        await settle('cancelled');
        throw new NotFoundError('totp_not_enrolled', `user ${attempt.userId} has no active TOTP`, { variant: 'signIn' });
      }
      const secret = open(deps.config.dataKeys, active.sealedSecret, `totp:${attempt.userId}`);
      const step = matchTotpStep(secret, code.trim(), deps.clock.now());
      if (step === undefined) {
        await settle('failed');
        throw invalidCode('the code matches no time step within ±1 of now');
      }
      if (!(await deps.store.totp.useStep(attempt.userId, active.sealedSecret, step))) {
        await settle('failed');
        throw new UnauthorizedError('code_already_used', `time step ${step} is not after the last used step ${active.lastUsedStep}`);
      }
      const session = await completeSignInAttempt(deps, attempt, { kind: 'totp' });
      await settle('signedIn');
      await recordEvent(deps, { type: 'authentication.succeeded', outcome: 'success', userId: attempt.userId, ip: ctx.ip, data: { amr: session.amr } });
      return { user: await userOf(deps, attempt.userId), session };
    });
  } catch (err) {
    if (err instanceof UnauthorizedError || err instanceof NotFoundError) {
      await recordEvent(deps, { type: 'totp.failed', outcome: 'failure', userId: attempt.userId, ip: ctx.ip, code: err.code });
    }
    throw err;
  }
}

/**
 * POST /login/recovery-code: completes a half sign-in with a one-time recovery code.
 * Order: 1. half sign-in (`no_pending_sign_in`); 2. lockout reservation (`locked_out`);
 * 3. the code, normalised, is consumed atomically from the user's set (`invalid_code`:
 * wrong, or already used: of concurrent uses of one code exactly one wins); 4. complete the
 * sign-in: amr pwd + kba + mfa at the lower `recovery` acr, recorded, and the reply asks
 * the user to add a new key.
 */
export async function loginWithRecoveryCode(deps: Deps, ctx: { sessionId: string | undefined; ip?: string }, code: string): Promise<SecondFactorResult> {
  const attempt = await requireSignInAttempt(deps, ctx.sessionId, 'second_factor');
  await requireCountedFactor(deps, attempt.userId, 'recovery_code', ctx.ip);
  const guard = await guardAttempt(deps, { username: attempt.username, userId: attempt.userId, ip: ctx.ip });
  const session = await settleOnce(guard, async (settle) => {
    const normalized = normalizeRecoveryCode(code);
    const used = normalized !== undefined && (await deps.store.recoveryCodes.consume(attempt.userId, recoveryCodeHash(deps.config.hmacSecret, attempt.userId, normalized)));
    if (!used) {
      await settle('failed');
      await recordEvent(deps, { type: 'recovery_code.failed', outcome: 'failure', userId: attempt.userId, ip: ctx.ip, code: 'invalid_code' });
      throw invalidCode(normalized === undefined ? 'not a recovery code (12 characters of Crockford base32)' : 'no such unused recovery code for this user');
    }
    const signedIn = await completeSignInAttempt(deps, attempt, { kind: 'recovery_code' });
    await settle('signedIn');
    return signedIn;
  });
  const remaining = (await deps.store.recoveryCodes.get(attempt.userId))?.hashes.length ?? 0;
  await recordEvent(deps, { type: 'recovery_code.used', outcome: 'success', userId: attempt.userId, ip: ctx.ip, data: { remaining, amr: session.amr } });
  return { user: await userOf(deps, attempt.userId), session, recovery: { remaining, addNewKey: true } };
}

/**
 * 403 `policy_violation` (rule `secondFactors`) when the user's role does not count this
 * factor (policy/second-factor-policy.ts: admins sign in with a key only). Checked before the
 * lockout reservation and the code: nothing is tried, nothing counted; audited.
 */
async function requireCountedFactor(deps: Deps, userId: string, factor: 'totp' | 'recovery_code', ip: string | undefined): Promise<void> {
  const policy = deps.policies.forRole((await userOf(deps, userId)).role);
  if (!secondFactorRefusal(policy, factor)) return;
  await recordEvent(deps, { type: `${factor}.failed`, outcome: 'failure', userId, ip, code: 'policy_violation', data: { rule: 'secondFactors' } });
  requireCountedSecondFactor(policy, factor);
}

async function userOf(deps: Deps, userId: string): Promise<User> {
  const user = await deps.store.users.findById(userId);
  if (!user) throw new NotFoundError('unknown_user', `user ${userId} was deleted during the sign-in`, { variant: 'deleted' });
  return user;
}
