import type { AttestationVerdict } from '../storage/ports.js';
import { attestationTrusted } from './credential-policy.js';
import type { RolePolicy } from './role-policy.js';
import { acrRank, type ProvenFactor } from './sign-in-proof.js';

/**
 * Hardware assurance (issue 8; DESIGN.md "What a login proves"): when a WebAuthn sign-in may
 * claim amr `hwk` and, through it, the hardware acr (ACR.phishingResistantHardware) that the
 * admin policy requires.
 *
 * A credential is hardware-bound when keygate's attestation verdict is trusted (Chrome's
 * virtual authenticator only where the role's policy has devAuthenticators) and it is not
 * backup-eligible (BE, fixed at creation: a synced passkey's private key leaves the device).
 * A sign-in proves `hwk` only with a hardware-bound credential AND user verification in that
 * assertion: the issue asks for trusted attestation, no backup eligibility and UV. A
 * hardware key used without UV (a touch after a password) is therefore `swk`, and
 * deriveSignInProof gives it ACR.phishingResistant, never the hardware level.
 */
export function hardwareBound(credential: { attestation?: AttestationVerdict; backupEligible: boolean }, policy: Pick<RolePolicy, 'devAuthenticators'>): boolean {
  return attestationTrusted(policy, credential.attestation) && !credential.backupEligible;
}

/**
 * The ProvenFactor (policy/sign-in-proof.ts) a verified WebAuthn ceremony contributes:
 * `userVerified` from the signed UV flag of this assertion (or registration), `hardwareBound`
 * as above and only with that UV.
 */
export function webauthnFactor(
  credential: { attestation?: AttestationVerdict; backupEligible: boolean },
  ceremony: { userVerified: boolean },
  policy: Pick<RolePolicy, 'devAuthenticators'>,
): Extract<ProvenFactor, { kind: 'webauthn' }> {
  return { kind: 'webauthn', userVerified: ceremony.userVerified, hardwareBound: ceremony.userVerified && hardwareBound(credential, policy) };
}

/**
 * Whether a session's `acr` reaches what the role's policy requires (`requiredAcr`; admin:
 * ACR.phishingResistantHardware). An acr keygate did not issue reaches nothing.
 */
export function meetsRequiredAcr(policy: Pick<RolePolicy, 'requiredAcr'>, acr: string): boolean {
  const rank = acrRank(acr);
  return rank >= 0 && rank >= acrRank(policy.requiredAcr);
}
