import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import { NotFoundError } from '../errors/keygate-error.js';
import { loadFactorSet } from '../factors/load-factor-set.js';
import { requireStepUp } from '../policy/step-up.js';
import type { Session, User } from '../storage/ports.js';
import { withAccountLock } from './account-lock.js';
import { refuseLastFactor } from './refuse-last-factor.js';

/**
 * Removes one of the signed-in user's credentials.
 * - `step_up_required` (403) unless the session freshly proved two factors (policy/step-up.ts);
 * - `credential_not_found` (404) for an id that is not theirs;
 * - `last_factor` (409) when the account would be left with no way to complete a sign-in
 *   (every factor counts: a password with TOTP or recovery codes is a way in);
 * - the check and the delete run under the per-account lock (`account_busy` 409 while
 *   another removal holds it), so two concurrent removals cannot both pass the check;
 * - every other session signed in with the removed credential ends (a lost key's sessions
 *   must not outlive it); the caller's own session stays.
 */
export async function removeCredential(deps: Deps, ctx: { session: Session; user: User; ip?: string }, credentialId: string): Promise<void> {
  const { user } = ctx;
  await withAccountLock(deps, user.id, async () => {
    const { factors, credentials } = await loadFactorSet(deps, user.id);
    requireStepUp(ctx.session, factors, 'remove_factor', deps.clock.now(), deps.config.stepUpMaxAgeSeconds);
    if (!credentials.some((c) => c.id === credentialId)) {
      throw new NotFoundError('credential_not_found', `credential ${credentialId} is not owned by ${user.id}`);
    }
    await refuseLastFactor(deps, user.id, { credentialId });
    // The caller's own session stays, no longer tied to the credential (currentSession ends
    // sessions whose credential is gone). Detached BEFORE the delete, so that no concurrent
    // request of this session can see it tied to a missing credential.
    if (ctx.session.credentialId === credentialId) await deps.store.sessions.detachCredential(ctx.session.id, credentialId);
    if (!(await deps.store.credentials.delete(credentialId, user.id))) {
      throw new NotFoundError('credential_not_found', `credential ${credentialId} was removed meanwhile`);
    }
  });
  await deps.store.sessions.deleteByCredential(credentialId, ctx.session.id);
  await recordEvent(deps, { type: 'credential.removed', outcome: 'success', userId: user.id, credentialId, ip: ctx.ip });
}
