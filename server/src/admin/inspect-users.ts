import type { Deps } from '../deps.js';
import { NotFoundError } from '../errors/keygate-error.js';
import type { MetadataStatusVerdict } from '../attestation/trust-types.js';
import { evaluateAssertion, type PolicyVerdict } from '../policy/credential-policy.js';
import type { StoredCredential, User, UserQuery } from '../storage/ports.js';
import { recordEvent } from '../audit/record-event.js';

/** A credential with what policy says about it now. */
export interface InspectedCredential {
  credential: StoredCredential;
  /** Its owner's role policy now (the rules every assertion re-checks). */
  policy: PolicyVerdict;
  mds: MetadataStatusVerdict;
}

/** The admin API's view of a credential: the role policy's verdict and the MDS3 status as of now. */
export function inspectCredential(deps: Deps, owner: User | undefined, credential: StoredCredential): InspectedCredential {
  const now = deps.clock.now();
  const mds = deps.trust.metadataStatus(credential.aaguid, now);
  const verdict = evaluateAssertion(deps.policies.forRole(owner?.role), credential, { userVerified: true }, mds);
  return { credential, mds, policy: verdict.ok ? { ok: true } : { ok: false, rule: verdict.rule, detail: verdict.detail } };
}

/** A page of users (by username), and where the next starts. */
export async function listUsers(deps: Deps, q: Omit<UserQuery, 'limit'> & { limit: number }): Promise<{ users: User[]; next?: string }> {
  const users = await deps.store.users.list({ ...q, limit: q.limit + 1 });
  const page = users.slice(0, q.limit);
  return { users: page, ...(users.length > q.limit ? { next: page[page.length - 1]!.username } : {}) };
}

/** One user and their credentials with verdicts; 404 `unknown_user`. */
export async function inspectUser(deps: Deps, userId: string): Promise<{ user: User; credentials: InspectedCredential[] }> {
  const user = await deps.store.users.findById(userId);
  if (!user) throw new NotFoundError('unknown_user', `no user ${userId}`, { variant: 'deleted' });
  const credentials = await deps.store.credentials.listByUser(userId);
  return { user, credentials: credentials.map((c) => inspectCredential(deps, user, c)) };
}

/**
 * Every credential policy disabled (re-evaluation's work, for review), oldest id first, at
 * most `limit`. A scan of every credential: an administrator's occasional call, not a hot path.
 */
export async function policyDisabledCredentials(deps: Deps, limit: number): Promise<InspectedCredential[]> {
  const found: InspectedCredential[] = [];
  const owners = new Map<string, User | undefined>();
  let after: string | undefined;
  while (found.length < limit) {
    const page = await deps.store.credentials.scan(after, 500);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    for (const c of page) {
      if (!(c.disabled && c.disabledBy === 'policy')) continue;
      if (!owners.has(c.userId)) owners.set(c.userId, await deps.store.users.findById(c.userId));
      found.push(inspectCredential(deps, owners.get(c.userId), c));
      if (found.length >= limit) break;
    }
  }
  return found;
}

/**
 * Sets a user's role (must be one the policies define); the user's sessions end, since what
 * they proved was judged under the old role. Audited. 404 `unknown_user`.
 */
export async function setUserRole(deps: Deps, admin: User, userId: string, role: string): Promise<User> {
  const before = await deps.store.users.findById(userId);
  if (!before || !(await deps.store.users.setRole(userId, role))) throw new NotFoundError('unknown_user', `no user ${userId}`, { variant: 'deleted' });
  const ended = (before.role ?? 'user') === role ? 0 : await deps.store.sessions.deleteByUser(userId);
  await recordEvent(deps, { type: 'admin.role_changed', outcome: 'success', userId, data: { by: admin.id, from: before.role ?? 'user', to: role, sessionsEnded: ended } });
  return { ...before, role };
}
