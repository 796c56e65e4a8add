import { recordEvent } from '../audit/record-event.js';
import { ConflictError, NotFoundError, UnauthorizedError } from '../errors/keygate-error.js';
import type { Session, StoredCredential, User } from '../storage/ports.js';
import type { Deps } from '../deps.js';

/**
 * Account self-service on a signed-in session: who am I, list, rename and remove my
 * credentials. Removing never leaves an account without a way to sign in
 * (`last_credential`: the last credential that can still sign in), and only ever touches the caller's own credentials
 * (`unknown_credential` for anyone else's, indistinguishable from a missing one).
 */
export async function requireUser(deps: Deps, session: Session | undefined): Promise<User> {
  const user = session && (await deps.store.users.findById(session.userId));
  if (!session || !user) throw new UnauthorizedError('not_signed_in', 'Please sign in first.');
  return user;
}

export async function listCredentials(deps: Deps, user: User): Promise<StoredCredential[]> {
  return deps.store.credentials.listByUser(user.id);
}

export async function renameCredential(deps: Deps, user: User, credentialId: string, name: string): Promise<void> {
  if (!(await deps.store.credentials.rename(credentialId, user.id, name))) {
    throw new NotFoundError('unknown_credential', 'No such security key or passkey on your account.', `credential ${credentialId} is not owned by ${user.id}`);
  }
}

export async function removeCredential(deps: Deps, user: User, credentialId: string, ip?: string): Promise<void> {
  const mine = await deps.store.credentials.listByUser(user.id);
  if (!mine.some((c) => c.id === credentialId)) {
    throw new NotFoundError('unknown_credential', 'No such security key or passkey on your account.', `credential ${credentialId} is not owned by ${user.id}`);
  }
  const usable = (c: StoredCredential) => !c.disabled && !c.possiblyCloned;
  if (mine.filter(usable).length <= 1 && mine.some((c) => c.id === credentialId && usable(c))) {
    throw new ConflictError('last_credential', 'This is your only way to sign in. Add another security key or passkey before removing it.');
  }
  if (!(await deps.store.credentials.delete(credentialId, user.id))) {
    throw new NotFoundError('unknown_credential', 'No such security key or passkey on your account.');
  }
  await recordEvent(deps, { type: 'credential.removed', outcome: 'success', userId: user.id, credentialId, ip });
}
