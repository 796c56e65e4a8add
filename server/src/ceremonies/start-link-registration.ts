import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { readLink } from '../admin/one-time-links.js';
import { NotFoundError } from '../errors/keygate-error.js';
import type { Deps } from '../deps.js';
import { creationOptions, type StartRegistrationInput } from './start-registration.js';

/**
 * Starts a registration through a one-time link (admin/one-time-links.ts): creation options
 * for the link's user, without a signed-in session or step-up, because the link is what
 * proves the person may add a key. The link is only read here; it is taken when the
 * registration finishes (finish-registration.ts), so a ceremony that fails or is abandoned
 * leaves it usable until it expires, and of two ceremonies started from one link at most one
 * registers a key. User verification is required (the key signs in alone when it finishes).
 * The key must satisfy the user's role policy like any other.
 */
export async function startLinkRegistration(
  deps: Deps,
  ctx: { sessionId: string },
  input: Pick<StartRegistrationInput, 'authenticatorSelection' | 'attestation' | 'extensions'> & { link: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const link = await readLink(deps, input.link);
  const user = await deps.store.users.findById(link.userId);
  if (!user) throw new NotFoundError('link_not_found', `the link's user ${link.userId} no longer exists`);
  return creationOptions(deps, {
    sessionId: ctx.sessionId,
    user: { id: user.id, username: user.username, displayName: user.displayName, newUser: false, role: user.role },
    existingCredentials: await deps.store.credentials.listByUser(user.id),
    // The key signs in alone right after (the link replaces the other factors): UV required.
    purpose: 'passwordless_account_key',
    input,
    linkId: link.id,
  });
}
