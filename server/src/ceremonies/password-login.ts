import { allowedNextSteps } from '../policy/second-factor-policy.js';
import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import { ForbiddenError, UnauthorizedError } from '../errors/keygate-error.js';
import { guardAttempt } from '../factors/lockout/attempt-guard.js';
import { loadFactorSet } from '../factors/load-factor-set.js';
import { dummyHash, verifyPassword } from '../factors/password/password-hasher.js';
import { nextSteps, type NextStep } from '../policy/factor-rules.js';
import { normalizePassword } from '../policy/password-rules.js';
import { normalizeUsername } from '../policy/username.js';
import { newSessionId } from '../sessions/session-service.js';
import { openSignInAttempt } from './sign-in-attempt.js';

export interface PasswordLoginResult {
  /** The session id the half sign-in lives under (new unless the caller was signed in: step-up). */
  sessionId: string;
  next: NextStep[];
}

/** 403 `password_login_disabled` unless PASSWORD_LOGIN=true. */
export function requirePasswordLogin(deps: Pick<Deps, 'config'>): void {
  if (!deps.config.passwordLogin) {
    throw new ForbiddenError('password_login_disabled', 'PASSWORD_LOGIN is false');
  }
}

/**
 * POST /login/password: a password as FIRST factor. Order:
 * 1. PASSWORD_LOGIN must be on (`password_login_disabled`);
 * 2. reserve an attempt against the lockout (`locked_out`, 429), keyed by the normalised
 *    username whether or not it exists;
 * 3. verify against the user's argon2id hash, or a dummy hash when there is no such user
 *    or no password: the same work, and the same reply `invalid_credentials`;
 * 4. open a half sign-in (never a session: a password alone signs nobody in) listing what
 *    can complete it (`next`), or `enrol` for an account that has no second factor yet.
 * A caller that is not signed in gets a fresh session id (rotation); a signed-in caller
 * (stepping up) keeps theirs, so abandoning the step-up does not sign them out.
 */
export async function loginWithPassword(
  deps: Deps,
  ctx: { sessionId: string | undefined; signedIn: boolean; ip?: string },
  input: { username: string; password: string },
): Promise<PasswordLoginResult> {
  requirePasswordLogin(deps);
  const username = normalizeUsername(input.username);
  const attemptGuard = await guardAttempt(deps, { username, ip: ctx.ip });
  const user = await deps.store.users.findByUsername(username);
  const record = await deps.store.passwords.get(user?.id ?? `no-such-user:${username}`);
  const ok = await verifyPassword(record?.hash ?? (await dummyHash()), normalizePassword(input.password));
  if (!user || !record || !ok) {
    await attemptGuard.failed();
    await recordEvent(deps, { type: 'password.failed', outcome: 'failure', userId: user?.id, ip: ctx.ip, code: 'invalid_credentials', data: { username } });
    throw new UnauthorizedError('invalid_credentials', user && record ? 'password does not match' : `no password for username ${username}`);
  }
  await attemptGuard.passed();
  const { factors } = await loadFactorSet(deps, user.id);
  // Only what the user's role counts (policy/second-factor-policy.ts: no TOTP for admins).
  const next = allowedNextSteps(deps.policies.forRole(user.role), nextSteps(factors));
  const sessionId = ctx.signedIn && ctx.sessionId ? ctx.sessionId : newSessionId(deps);
  await openSignInAttempt(deps, sessionId, user, next[0] === 'enrol' ? 'enrol' : 'second_factor');
  await recordEvent(deps, { type: 'password.succeeded', outcome: 'success', userId: user.id, ip: ctx.ip, data: { next } });
  return { sessionId, next };
}
