import { ForbiddenError } from '../errors/keygate-error.js';
import type { PolicySecondFactor, RolePolicy } from './role-policy.js';
import { secondFactorRefusal } from './second-factor-policy.js';
import { VIOLATION_VARIANT, type AssertionVerdict, type PolicyVerdict } from './credential-policy.js';

/**
 * 403 `policy_violation` unless the verdict is ok. The reply names the failing rule
 * (`rule`, e.g. `trustRequired`, `syncedAllowed`) for integrators and the demo; the message
 * says what the person can do (registration: per rule; sign-in: use another key).
 */
export function requirePolicy(verdict: PolicyVerdict | AssertionVerdict, at: 'registration' | 'signIn'): void {
  if (verdict.ok) return;
  // A sign-in whose credential no longer satisfies the policy says so; one where only this
  // assertion fell short (no UV) says what the rule needs, as at registration.
  const credentialLevel = !('scope' in verdict) || verdict.scope === 'credential';
  throw new ForbiddenError('policy_violation', `${verdict.rule}: ${verdict.detail}`, {
    variant: at === 'signIn' && credentialLevel ? 'signIn' : VIOLATION_VARIANT[verdict.rule],
    fields: { rule: verdict.rule },
  });
}

/** 403 `policy_violation` (rule `secondFactors`) when the role does not count this factor: it is neither enrolled nor used (policy/second-factor-policy.ts). */
export function requireCountedSecondFactor(policy: Pick<RolePolicy, 'role' | 'secondFactors'>, factor: PolicySecondFactor): void {
  const refusal = secondFactorRefusal(policy, factor);
  if (refusal) throw new ForbiddenError('policy_violation', refusal.detail, { variant: 'secondFactor', fields: { rule: refusal.rule } });
}
