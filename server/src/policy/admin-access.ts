import { ForbiddenError } from '../errors/keygate-error.js';
import type { Session, User } from '../storage/ports.js';
import { meetsRequiredAcr } from './hardware-assurance.js';
import type { RolePolicies } from './role-policy.js';

/** The role whose members may use the /admin/ API. */
export const ADMIN_ROLE = 'admin';

/** A user's role: absent means `user`. */
export const roleOf = (user: Pick<User, 'role'>): string => user.role ?? 'user';

/**
 * Who may use the /admin/ API (issue 8 point 5), in this order:
 * 1. the user's role is `admin`, else 403 `admin_required` (notAdmin);
 * 2. the session's sign-in satisfied the admin policy: the admin role's `requiredAcr`
 *    (default `urn:keygate:acr:phrh`, which
 *    policy/sign-in-proof.ts grants only for a key with trusted attestation, not backup
 *    eligible (not a synced passkey), with UV, that satisfied its role policy). Otherwise 403
 *    `admin_required` (weakSignIn): a password + TOTP, a synced passkey or an unattested key
 *    never administers;
 * 3. that sign-in is at most STEP_UP_MAX_AGE_SECONDS old, else 403 `step_up_required`
 *    (accepts: webauthn): every admin call is a sensitive action, so a stale admin session
 *    signs in again with the key first.
 */
export function requireAdminSession(
  session: Pick<Session, 'acr' | 'authenticatedAt' | 'amr'>,
  user: Pick<User, 'id' | 'role'>,
  now: Date,
  maxAgeSeconds: number,
  policies: Pick<RolePolicies, 'forRole'>,
): void {
  if (roleOf(user) !== ADMIN_ROLE) throw new ForbiddenError('admin_required', `user ${user.id} has role ${roleOf(user)}`, { variant: 'notAdmin' });
  const required = policies.forRole(ADMIN_ROLE).requiredAcr;
  if (!meetsRequiredAcr({ requiredAcr: required }, session.acr)) {
    throw new ForbiddenError('admin_required', `the sign-in reached ${session.acr} [${session.amr.join(', ')}]; the admin API needs ${required}`, { variant: 'weakSignIn' });
  }
  const age = Math.round((now.getTime() - session.authenticatedAt.getTime()) / 1000);
  if (age > maxAgeSeconds) {
    throw new ForbiddenError('step_up_required', `admin sign-in is ${age} s old; at most ${maxAgeSeconds} s`, { fields: { stepUp: { accepts: ['webauthn'], maxAgeSeconds } } });
  }
}
