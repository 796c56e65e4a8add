import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import { ConflictError, NotFoundError } from '../errors/keygate-error.js';
import { requireRecentSignIn } from '../policy/step-up.js';
import type { Session, StoredCredential, User } from '../storage/ports.js';

const LOCK_TTL_MS = 10_000;
const usable = (c: StoredCredential) => !c.disabled && !c.possiblyCloned;

/**
 * Removes one of the signed-in user's credentials.
 * - `step_up_required` (403) unless the session signed in recently (policy/step-up.ts);
 * - `unknown_credential` (404) for an id that is not theirs;
 * - `last_credential` (409) when it is the last one that can still sign in: an account is
 *   never left without a way in;
 * - the check and the delete run under a per-account lock in the store (`account_busy`
 *   409 while another removal holds it), so two concurrent removals of an account's last
 *   two keys cannot both pass the check;
 * - every other session signed in with the removed credential ends (a lost key's sessions
 *   must not outlive it); the caller's own session stays.
 */
export async function removeCredential(deps: Deps, ctx: { session: Session; user: User; ip?: string }, credentialId: string): Promise<void> {
  const { user } = ctx;
  requireRecentSignIn(deps, ctx.session);
  const lock = `account:${user.id}`;
  const token = await deps.store.locks.acquire(lock, LOCK_TTL_MS, deps.clock.now());
  if (token === undefined) {
    throw new ConflictError('account_busy', 'Another change to this account is in progress. Please try again.', `lock ${lock} is held`);
  }
  try {
    const mine = await deps.store.credentials.listByUser(user.id);
    const target = mine.find((c) => c.id === credentialId);
    if (!target) {
      throw new NotFoundError('unknown_credential', 'No such security key or passkey on your account.', `credential ${credentialId} is not owned by ${user.id}`);
    }
    if (usable(target) && mine.filter(usable).length <= 1) {
      throw new ConflictError('last_credential', 'This is your only way to sign in. Add another security key or passkey before removing it.');
    }
    // The caller's own session stays, no longer tied to the credential (currentSession ends
    // sessions whose credential is gone). Detached BEFORE the delete, so that no concurrent
    // request of this session can see it tied to a missing credential.
    if (ctx.session.credentialId === credentialId) await deps.store.sessions.put({ ...ctx.session, credentialId: undefined });
    if (!(await deps.store.credentials.delete(credentialId, user.id))) {
      throw new NotFoundError('unknown_credential', 'No such security key or passkey on your account.');
    }
  } finally {
    await deps.store.locks.release(lock, token);
  }
  await deps.store.sessions.deleteByCredential(credentialId, ctx.session.id);
  await recordEvent(deps, { type: 'credential.removed', outcome: 'success', userId: user.id, credentialId, ip: ctx.ip });
}
