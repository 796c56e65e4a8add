import { ForbiddenError } from '../errors/keygate-error.js';
import { VIOLATION_VARIANT, type PolicyVerdict } from './credential-policy.js';

/**
 * 403 `policy_violation` unless the verdict is ok. The reply names the failing rule
 * (`rule`, e.g. `trustRequired`, `syncedAllowed`) for integrators and the demo; the message
 * says what the person can do (registration: per rule; sign-in: use another key).
 */
export function requirePolicy(verdict: PolicyVerdict, at: 'registration' | 'signIn'): void {
  if (verdict.ok) return;
  throw new ForbiddenError('policy_violation', `${verdict.rule}: ${verdict.detail}`, {
    variant: at === 'signIn' ? 'signIn' : VIOLATION_VARIANT[verdict.rule],
    fields: { rule: verdict.rule },
  });
}
