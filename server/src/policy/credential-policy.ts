import type { MetadataStatusVerdict } from '../attestation/trust-types.js';
import type { AttestationVerdict, UserVerificationRequirement } from '../storage/ports.js';
import type { Attachment, RolePolicy } from './role-policy.js';

/**
 * Whether a credential satisfies its user's role policy (policy/role-policy.ts), at
 * registration and on every assertion (issue 8). Pure: the caller brings the facts keygate
 * verified (or recorded at registration) and the model's MDS3 status now.
 *
 * The rules, always checked in this order (RULES), the first failure deciding:
 * 1. `attestationFormats`: the statement format is listed (`none` only if listed);
 * 2. `trustRequired`: the attestation chained to a trusted root (attestationTrusted below);
 * 3. `aaguidDeny`: the AAGUID is not denied;
 * 4. `aaguidAllow`: the AAGUID is allowed. An AAGUID is only a claim unless the attestation
 *    that carries it is trusted, so an allow-list means something only together with
 *    `trustRequired`; the rules stay independent (each checks one thing) and the file may
 *    combine them as it likes;
 * 5. `mdsStatus`: with `refuseMdsStatus`, the model's MDS3 status is not a refused one
 *    (MetadataStatusVerdict.refused); a model the BLOB does not list, or no MDS at all
 *    (`mdsStatus` undefined), passes: refusing the unlisted is what `trustRequired` and
 *    `aaguidAllow` are for;
 * 6. `userVerification`: `required` → the UV flag was set (at registration);
 * 7. `syncedAllowed`: false → the credential is not backup-eligible (BE, fixed at creation);
 * 8. `attachments`: the client-reported attachment is listed;
 * 9. `transports`: every client-reported transport is listed.
 *
 * Absent facts fail closed whenever the rule restricts anything: no attestation verdict
 * (credentials registered before trust evaluation) is untrusted; no reported attachment fails
 * a set `attachments`; no reported transports fail a set `transports`. A rule set to "any"
 * (or false/`preferred`) never looks at its fact. Attachment and transports are what the
 * client says, not verified facts: they steer honest clients, they do not prove anything
 * (DESIGN.md "What a login proves" never uses them).
 */
export const RULES = ['attestationFormats', 'trustRequired', 'aaguidDeny', 'aaguidAllow', 'mdsStatus', 'userVerification', 'syncedAllowed', 'attachments', 'transports'] as const;
export type PolicyRule = (typeof RULES)[number];

export interface CredentialFacts {
  fmt: string;
  /** Lower-case UUID with dashes (all zeros when the authenticator hides it). */
  aaguid: string;
  /** keygate's verdict on the attestation; absent = not trusted. */
  attestation?: AttestationVerdict;
  backupEligible: boolean;
  /** The UV flag of the registration. */
  userVerified: boolean;
  transports: readonly string[];
  /** authenticatorAttachment as the client reported it at registration, if it did. */
  attachment?: Attachment;
}

export type PolicyVerdict = { ok: true } | { ok: false; rule: PolicyRule; detail: string };

/**
 * Whether the attestation counts as trusted for this policy: keygate's verdict is trusted, and
 * if it is trusted only because it is Chrome's virtual authenticator (`source: 'dev'`), the
 * policy accepts that (`devAuthenticators`).
 */
export function attestationTrusted(policy: Pick<RolePolicy, 'devAuthenticators'>, attestation: AttestationVerdict | undefined): boolean {
  return attestation?.trusted === true && (attestation.source !== 'dev' || policy.devAuthenticators);
}

type Check = (policy: RolePolicy, facts: CredentialFacts, mds: MetadataStatusVerdict | undefined) => string | undefined;

/** Each rule: undefined when it passes, else the developer detail of the refusal. */
const CHECKS: Record<PolicyRule, Check> = {
  attestationFormats: (p, f) =>
    p.attestationFormats === 'any' || (p.attestationFormats as readonly string[]).includes(f.fmt) ? undefined : `attestation format ${f.fmt} is not one of ${p.attestationFormats.join(', ')}`,
  trustRequired: (p, f) => {
    if (!p.trustRequired || attestationTrusted(p, f.attestation)) return undefined;
    if (!f.attestation) return 'the attestation was never evaluated (registered before attestation trust), so it is not trusted';
    if (f.attestation.trusted) return "the attestation is trusted only as Chrome's virtual authenticator, which this role does not accept (devAuthenticators)";
    return `the attestation is not trusted: ${f.attestation.reason}`;
  },
  aaguidDeny: (p, f) => (p.aaguidDeny.includes(f.aaguid.toLowerCase()) ? `AAGUID ${f.aaguid} is denied` : undefined),
  aaguidAllow: (p, f) => (p.aaguidAllow === 'any' || p.aaguidAllow.includes(f.aaguid.toLowerCase()) ? undefined : `AAGUID ${f.aaguid} is not in the allow-list`),
  mdsStatus: (p, f, mds) =>
    p.refuseMdsStatus && mds?.refused ? `the FIDO metadata status of AAGUID ${f.aaguid} is ${mds.status ?? 'refused'}${mds.effectiveDate ? ` (since ${mds.effectiveDate})` : ''}` : undefined,
  userVerification: (p, f) => (p.userVerification === 'required' && !f.userVerified ? 'user verification is required and the authenticator did not verify the user' : undefined),
  syncedAllowed: (p, f) => (!p.syncedAllowed && f.backupEligible ? 'the credential is backup-eligible (a synced passkey) and this role needs a device-bound key' : undefined),
  attachments: (p, f) =>
    p.attachments === 'any' || (f.attachment !== undefined && p.attachments.includes(f.attachment))
      ? undefined
      : `authenticator attachment ${f.attachment ?? '(not reported)'} is not one of ${p.attachments.join(', ')}`,
  transports: (p, f) => {
    if (p.transports === 'any') return undefined;
    const allowed = p.transports as readonly string[];
    if (f.transports.length === 0) return `no transports were reported; allowed: ${allowed.join(', ')}`;
    const other = f.transports.filter((t) => !allowed.includes(t));
    return other.length ? `transport${other.length > 1 ? 's' : ''} ${other.join(', ')} not among ${allowed.join(', ')}` : undefined;
  },
};

function firstFailure(rules: readonly PolicyRule[], policy: RolePolicy, facts: CredentialFacts, mds: MetadataStatusVerdict | undefined): PolicyVerdict {
  for (const rule of rules) {
    const detail = CHECKS[rule](policy, facts, mds);
    if (detail !== undefined) return { ok: false, rule, detail };
  }
  return { ok: true };
}

/**
 * Registration: every rule, in RULES order, on the facts of the verified registration and the
 * model's MDS3 status now. A refusal is 403 `policy_violation` naming `rule` (nothing stored).
 */
export function evaluateCredential(policy: RolePolicy, facts: CredentialFacts, mdsStatus?: MetadataStatusVerdict): PolicyVerdict {
  return firstFailure(RULES, policy, facts, mdsStatus);
}

/** The credential rules an assertion re-checks: all but `userVerification`, which an assertion checks on its own flag. */
const STORED_RULES = RULES.filter((r) => r !== 'userVerification');

export type AssertionVerdict =
  | { ok: true }
  /**
   * `scope: 'credential'`: the stored credential no longer satisfies the policy (the policy,
   * the model's MDS status or the user's role changed since registration): refuse, report
   * (audit), and the caller may disable it (`disabledBy: 'policy'`, reason = rule).
   * `scope: 'assertion'`: only this assertion falls short (no UV where UV is required): refuse
   * it; the credential itself stays usable.
   */
  | { ok: false; rule: PolicyRule; detail: string; scope: 'credential' | 'assertion' };

/**
 * Every assertion, once its signature verified: first the credential rules again on the
 * stored facts (RULES order without `userVerification`: the registration's UV flag does not
 * matter once the assertion itself proves UV), then `userVerification` on this assertion's
 * UV flag. A credential stored before its attachment was recorded has none, so a role that
 * sets `attachments` refuses it here (fail closed), as it would refuse it at registration.
 */
export function evaluateAssertion(policy: RolePolicy, credential: CredentialFacts, assertion: { userVerified: boolean }, mdsStatus?: MetadataStatusVerdict): AssertionVerdict {
  const stored = firstFailure(STORED_RULES, policy, credential, mdsStatus);
  if (!stored.ok) return { ...stored, scope: 'credential' };
  if (policy.userVerification === 'required' && !assertion.userVerified) {
    return { ok: false, rule: 'userVerification', detail: 'user verification is required and this assertion did not verify the user', scope: 'assertion' };
  }
  return { ok: true };
}

/**
 * What the role's policy needs from a ceremony's options (combined with
 * policy/ceremony-requirements.ts, the request and the purpose: the strictest wins):
 * `userVerification` `required` when the policy requires UV (else `discouraged`: the policy
 * adds nothing, the purpose decides); `attestation` `direct` when
 * any rule needs to see the statement (trust, an allow-list, a format list without `none`),
 * else `none`; `authenticatorAttachment` when the policy allows exactly one.
 */
export function policyCeremonyFloor(policy: RolePolicy): {
  userVerification: UserVerificationRequirement;
  attestation: 'none' | 'direct';
  authenticatorAttachment: Attachment | undefined;
} {
  const needsStatement =
    policy.trustRequired || policy.aaguidAllow !== 'any' || (policy.attestationFormats !== 'any' && !policy.attestationFormats.includes('none'));
  return {
    userVerification: policy.userVerification === 'required' ? 'required' : 'discouraged',
    attestation: needsStatement ? 'direct' : 'none',
    authenticatorAttachment: policy.attachments !== 'any' && policy.attachments.length === 1 ? policy.attachments[0] : undefined,
  };
}

/**
 * The `policy_violation` message variant for a rule (the catalogue's variants; see the
 * report): what the person can do about it, never which list they fell off.
 */
export const VIOLATION_VARIANT: Record<PolicyRule, 'attestation' | 'model' | 'userVerification' | 'synced' | 'kind'> = {
  attestationFormats: 'attestation',
  trustRequired: 'attestation',
  aaguidDeny: 'model',
  aaguidAllow: 'model',
  mdsStatus: 'model',
  userVerification: 'userVerification',
  syncedAllowed: 'synced',
  attachments: 'kind',
  transports: 'kind',
};
