import type { Deps } from '../deps.js';
import { UnauthorizedError } from '../errors/keygate-error.js';
import { randomId } from '../lib/random.js';
import { loadFactorSet } from '../factors/load-factor-set.js';
import type { ProvenFactor } from '../policy/sign-in-proof.js';
import { signIn } from '../sessions/session-service.js';
import type { Session, SignInAttempt, User } from '../storage/ports.js';

/**
 * Half sign-ins (records.ts SignInAttempt): opened by a correct password or a password
 * sign-up, completed by a second factor, at most once, into a session (rotated id).
 */
export async function openSignInAttempt(deps: Pick<Deps, 'store' | 'clock' | 'random' | 'config'>, sessionId: string, user: User, stage: SignInAttempt['stage']): Promise<SignInAttempt> {
  const now = deps.clock.now();
  const attempt: SignInAttempt = {
    id: sessionId,
    attemptId: randomId(deps.random, 16),
    userId: user.id,
    username: user.username,
    stage,
    passwordAt: now,
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.config.signInAttemptTtlSeconds * 1000),
  };
  await deps.store.signInAttempts.put(attempt);
  return attempt;
}

/**
 * Whether an `enrol` half sign-in may still enrol: only while its account has no second
 * factor at all. Once the first one is confirmed (by this or any other session that knew the
 * password), every enrol half sign-in of that account is dead: otherwise someone holding only
 * the password could add a factor of their own without step-up.
 */
export async function stillEnrolling(deps: Pick<Deps, 'store'>, attempt: SignInAttempt): Promise<boolean> {
  return attempt.stage === 'enrol' && !(await loadFactorSet(deps, attempt.userId)).factors.anySecondFactor;
}

/** The session's unexpired half sign-in at `stage`; 401 `no_pending_sign_in` otherwise. */
export async function requireSignInAttempt(deps: Pick<Deps, 'store' | 'clock'>, sessionId: string | undefined, stage: SignInAttempt['stage']): Promise<SignInAttempt> {
  const attempt = sessionId === undefined ? undefined : await deps.store.signInAttempts.get(sessionId, deps.clock.now());
  if (!attempt || attempt.stage !== stage) {
    throw new UnauthorizedError(
      'no_pending_sign_in',
      attempt ? `the half sign-in is at stage ${attempt.stage}, not ${stage}` : 'this session has no unexpired half sign-in (none started, completed, or expired)',
      { variant: stage === 'enrol' ? 'passwordAgain' : 'passwordFirst' },
    );
  }
  return attempt;
}

/**
 * Completes a half sign-in: takes it atomically (a second completion, by another factor or a
 * racing request, gets `no_pending_sign_in`), then signs the user in with the password and
 * `factor` as proven factors.
 */
export async function completeSignInAttempt(
  deps: Pick<Deps, 'store' | 'clock' | 'random' | 'config'>,
  attempt: SignInAttempt,
  factor: ProvenFactor,
  credentialId?: string,
): Promise<Session> {
  const taken = await takeSignInAttempt(deps, attempt.id, attempt.attemptId);
  return signIn(deps, attempt.id, { userId: taken.userId, credentialId, factors: [{ kind: 'password' }, factor] });
}

/** Takes the half sign-in `attemptId` of session `id` atomically; `no_pending_sign_in` when it is gone or was replaced. */
export async function takeSignInAttempt(deps: Pick<Deps, 'store' | 'clock'>, id: string | undefined, attemptId: string): Promise<SignInAttempt> {
  const taken = id === undefined ? undefined : await deps.store.signInAttempts.take(id, attemptId, deps.clock.now());
  if (!taken) {
    throw new UnauthorizedError('no_pending_sign_in', `half sign-in ${attemptId} is gone (completed, replaced or expired)`);
  }
  return taken;
}
