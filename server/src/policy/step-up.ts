import type { Deps } from '../deps.js';
import { ForbiddenError } from '../errors/keygate-error.js';
import type { Session } from '../storage/ports.js';

/**
 * Step-up for sensitive account changes (adding or removing a security key): the session's
 * sign-in must be at most STEP_UP_MAX_AGE_SECONDS old, so a stolen or forgotten session
 * cookie cannot quietly add an attacker's key. Stepping up is simply signing in again
 * (a fresh assertion starts a new session). Otherwise 403 `step_up_required`.
 */
export function requireRecentSignIn(deps: Pick<Deps, 'clock' | 'config'>, session: Session): void {
  const age = deps.clock.now().getTime() - session.authenticatedAt.getTime();
  if (age > deps.config.stepUpMaxAgeSeconds * 1000) {
    throw new ForbiddenError('step_up_required', 'For your security, confirm it is you: sign in again with your security key or passkey.', `signed in ${Math.round(age / 1000)} s ago; changes to security keys need a sign-in within ${deps.config.stepUpMaxAgeSeconds} s`);
  }
}
