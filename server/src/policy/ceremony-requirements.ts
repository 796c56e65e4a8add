import type { UserVerificationRequirement } from '../storage/ports.js';
import { decideUserVerification, type UvDecision, type UvPurpose } from './user-verification.js';

export type { UvPurpose } from './user-verification.js';
export type ResidentKeyRequirement = 'discouraged' | 'preferred' | 'required';
export type AttestationConveyance = 'none' | 'indirect' | 'direct' | 'enterprise';
export type AuthenticatorAttachment = 'platform' | 'cross-platform';

/** What a ceremony's request body asks for (FIDO2 server profile §7.3.1 / §7.4.1 fields). */
export interface RequestedRequirements {
  userVerification?: UserVerificationRequirement;
  /** WebAuthn L2 `residentKey`; takes precedence over the L1 `requireResidentKey`. */
  residentKey?: ResidentKeyRequirement;
  requireResidentKey?: boolean;
  attestation?: AttestationConveyance;
  authenticatorAttachment?: AuthenticatorAttachment;
}

export interface CeremonyRequirements {
  /** What the options say and whether the result is refused without UV (policy/user-verification.ts). */
  userVerification: UvDecision;
  /** Registration only: `authenticatorSelection.residentKey`, and the L1 flag that mirrors it. */
  residentKey: ResidentKeyRequirement;
  requireResidentKey: boolean;
  /** Registration only: attestation conveyance (WebAuthn §5.4.7). */
  attestation: AttestationConveyance;
  /**
   * Registration only: `authenticatorSelection.authenticatorAttachment`. Not ordered (neither
   * is "more"), and no purpose requires one, so the request's hint passes unchanged;
   * `undefined` leaves the choice to the user.
   */
  authenticatorAttachment: AuthenticatorAttachment | undefined;
}

const RK_RANK: Record<ResidentKeyRequirement, number> = { discouraged: 0, preferred: 1, required: 2 };
const ATT_RANK: Record<AttestationConveyance, number> = { none: 0, indirect: 1, direct: 2, enterprise: 3 };

/**
 * Policy's floor per purpose. No purpose needs a discoverable credential or an attestation
 * today (usernameless sign-in works with any discoverable key the user chose to create; trust
 * in attestation is not yet a rule), so both floors are the lowest value: the request then
 * decides, as before, but can only ever raise them once a floor does.
 */
const FLOOR: Record<UvPurpose, { residentKey: ResidentKeyRequirement; attestation: AttestationConveyance }> = {
  passwordless_sign_in: { residentKey: 'discouraged', attestation: 'none' },
  second_factor: { residentKey: 'discouraged', attestation: 'none' },
  passwordless_account_key: { residentKey: 'discouraged', attestation: 'none' },
  password_account_key: { residentKey: 'discouraged', attestation: 'none' },
};

const atLeast = <T extends string>(rank: Record<T, number>, floor: T, requested: T | undefined): T =>
  requested !== undefined && rank[requested] > rank[floor] ? requested : floor;

/**
 * What a ceremony requires (DESIGN.md "Who decides"): user verification, resident key,
 * attestation conveyance (and the attachment hint), decided by keygate from what the ceremony is for (`purpose`: a
 * sign-in, a second factor, a key for an account with or without a password). The request
 * may ask for MORE than policy on each, never less. `mode` is USER_VERIFICATION: `client`
 * (the FIDO2 conformance profile only) lets the request choose user verification.
 * Sign-in ceremonies use `userVerification` only.
 */
export function ceremonyRequirements(purpose: UvPurpose, requested: RequestedRequirements, mode: 'policy' | 'client'): CeremonyRequirements {
  const floor = FLOOR[purpose];
  // WebAuthn L2 §5.4.4: residentKey wins when present; requireResidentKey true means "required".
  const askedResidentKey = requested.residentKey ?? (requested.requireResidentKey ? 'required' : undefined);
  const residentKey = atLeast(RK_RANK, floor.residentKey, askedResidentKey);
  return {
    userVerification: decideUserVerification(purpose, requested.userVerification, mode),
    residentKey,
    requireResidentKey: residentKey === 'required',
    attestation: atLeast(ATT_RANK, floor.attestation, requested.attestation),
    authenticatorAttachment: requested.authenticatorAttachment,
  };
}
