import type { Deps } from '../deps.js';
import { randomId } from '../lib/random.js';
import { normalizeDisplayName, normalizeUsername } from '../policy/username.js';
import { recordEvent } from '../audit/record-event.js';
import { issueLink, type IssuedLink } from './one-time-links.js';

/**
 * Makes `username` an administrator and issues them a one-time registration link for a key
 * (`npm run create-admin -- <username>`, or BOOTSTRAP_ADMIN at start). A new username becomes
 * a new user with role `admin` and no factor yet: only the link lets them register one, and
 * that key must satisfy the admin policy. An existing user keeps their factors and gets the
 * role (their keys must satisfy the admin policy from their next sign-in). Audited.
 */
export async function createAdmin(
  deps: Pick<Deps, 'store' | 'clock' | 'random' | 'config' | 'logger'>,
  rawUsername: string,
): Promise<{ userId: string; created: boolean; link: IssuedLink }> {
  const username = normalizeUsername(rawUsername);
  let user = await deps.store.users.findByUsername(username);
  let created = false;
  if (!user) {
    user = { id: randomId(deps.random, 32), username, displayName: normalizeDisplayName(undefined, username), role: 'admin', createdAt: deps.clock.now() };
    try {
      await deps.store.users.insert(user);
      created = true;
    } catch {
      // Someone created it meanwhile: make that user the admin instead.
      user = (await deps.store.users.findByUsername(username))!;
    }
  }
  if (!created) await deps.store.users.setRole(user.id, 'admin');
  await recordEvent(deps, { type: 'admin.created', outcome: 'success', userId: user.id, data: { created } });
  const link = await issueLink(deps, { userId: user.id, purpose: 'first_key' });
  return { userId: user.id, created, link };
}
