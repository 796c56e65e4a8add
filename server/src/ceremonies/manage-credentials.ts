import { NotFoundError, UnauthorizedError } from '../errors/keygate-error.js';
import type { Session, StoredCredential, User } from '../storage/ports.js';
import type { Deps } from '../deps.js';
import { recordEvent } from '../audit/record-event.js';

/**
 * Account self-service on a signed-in session: who am I, list and rename my credentials
 * (removing is remove-credential.ts). Only ever touches the caller's own credentials:
 * anyone else's id is `credential_not_found`, indistinguishable from a missing one.
 */

/** The signed-in user of `session`; `not_signed_in` (401) without one. */
export async function requireUser(deps: Deps, session: Session | undefined): Promise<User> {
  const user = session && (await deps.store.users.findById(session.userId));
  if (!session || !user) throw new UnauthorizedError('not_signed_in', session ? `user ${session.userId} no longer exists` : 'no signed-in session');
  return user;
}

/** The user's credentials, oldest first. */
export async function listCredentials(deps: Deps, user: User): Promise<StoredCredential[]> {
  return deps.store.credentials.listByUser(user.id);
}

/** Renames one of the user's credentials (`credential_not_found` otherwise). */
export async function renameCredential(deps: Deps, user: User, credentialId: string, name: string): Promise<void> {
  const renamed = await deps.store.credentials.rename(credentialId, user.id, name);
  if (renamed) await recordEvent(deps, { type: 'credential.renamed', outcome: 'success', userId: user.id, credentialId });
  if (!renamed) {
    throw new NotFoundError('credential_not_found', `credential ${credentialId} is not owned by ${user.id}`);
  }
}
