import type { NextStep } from './factor-rules.js';
import type { PolicySecondFactor, RolePolicy } from './role-policy.js';

/**
 * Which non-WebAuthn second factors count for a role (issue 8: TOTP for `user`, not for
 * `admin`): after a correct password, only the factors in the role policy's `secondFactors`
 * may complete the sign-in; a WebAuthn key always may (its own rules are
 * policy/credential-policy.ts). The same list decides whether the factor may be enrolled at
 * all: a factor that can never complete a sign-in must not be offered, nor count as a way in.
 */
export function mayUseSecondFactor(policy: Pick<RolePolicy, 'secondFactors'>, factor: PolicySecondFactor): boolean {
  return policy.secondFactors.includes(factor);
}

/** The one-time-code channels among the second factors. */
export const OOB_FACTORS = ['sms', 'email'] as const;
export type OobFactor = (typeof OOB_FACTORS)[number];

/**
 * Whether a factor completes a sign-in for this role in this deployment: the role counts it
 * and, for SMS and email codes, OOB_CHANNELS enables the channel (off by default: a
 * deployment opts in, knowing SMS's weaknesses: SIM swap, phishing); for `approval`, APPROVAL
 * is on (a deployment opts in, knowing push approval's weakness: approval fatigue, which
 * number matching and the per-user request limit answer).
 */
export function countsSecondFactor(policy: Pick<RolePolicy, 'secondFactors'>, factor: PolicySecondFactor, oobChannels: readonly string[], approval = false): boolean {
  if (!mayUseSecondFactor(policy, factor)) return false;
  // Approval from a signed-in device: only where APPROVAL enables it.
  if (factor === 'approval') return approval;
  return !(OOB_FACTORS as readonly string[]).includes(factor) || oobChannels.includes(factor);
}

/**
 * factor-rules.ts `nextSteps` narrowed to the role: `totp`, `sms`, `email` and `recovery_code`
 * only where they count; `webauthn` and `enrol` pass (what `enrol` may enrol is asked per factor).
 */
export function allowedNextSteps(policy: Pick<RolePolicy, 'secondFactors'>, steps: readonly NextStep[]): NextStep[] {
  return steps.filter((s) => (s === 'webauthn' || s === 'enrol' ? true : mayUseSecondFactor(policy, s)));
}

/**
 * The refusal for a factor the role does not count: `undefined` when it may be used, else
 * the rule (`secondFactors`, for 403 `policy_violation` with variant `secondFactor`) and the
 * developer detail.
 */
export function secondFactorRefusal(policy: Pick<RolePolicy, 'role' | 'secondFactors'>, factor: PolicySecondFactor): { rule: 'secondFactors'; detail: string } | undefined {
  if (mayUseSecondFactor(policy, factor)) return undefined;
  const counted = policy.secondFactors.length ? policy.secondFactors.join(', ') : 'none (a security key only)';
  return { rule: 'secondFactors', detail: `${factor} does not count as a second factor for role ${policy.role}; counted: ${counted}` };
}
