/**
 * What a sign-in proves (DESIGN.md "What a login proves"): the RFC 8176 `amr` values and the
 * assurance level (`acr`) derived ONLY from facts keygate verified itself: a password
 * checked against its hash, a WebAuthn signature and its signed UV flag, a TOTP step
 * accepted once, a recovery code consumed. Nothing the browser merely claims (transports,
 * authenticatorAttachment, a requested userVerification) is an input.
 */
export type ProvenFactor =
  | { kind: 'password' }
  /** hardwareBound: attestation chained to a trusted root for that AAGUID and not backup-eligible (attestation trust; until it exists, always false). */
  | { kind: 'webauthn'; userVerified: boolean; hardwareBound: boolean }
  | { kind: 'totp' }
  /** A one-time code sent by SMS (`sms`) or email (`email`) and taken once. */
  | { kind: 'sms' }
  | { kind: 'email' }
  | { kind: 'recovery_code' }
  /**
   * Another of the user's signed-in sessions approved this half sign-in: the approver picked
   * the number this device showed and confirmed with a WebAuthn assertion with UV.
   */
  | { kind: 'approval' };

/** keygate's assurance levels, lowest first; policies compare them with `acrRank`. */
export const ACR = {
  /** One factor (a key without UV, only where USER_VERIFICATION=client allows it). */
  singleFactor: 'urn:keygate:acr:sf',
  /** Password + recovery code: two factors, but the code is a last resort; the user is asked to add a key. */
  recovery: 'urn:keygate:acr:recovery',
  /** Password + a one-time code by SMS or email: two factors, phishable, and the code travels through others' networks (SIM swap, mailbox takeover). */
  oob: 'urn:keygate:acr:oob',
  /** Password + TOTP: two factors, phishable. */
  mfa: 'urn:keygate:acr:mfa',
  /** WebAuthn with UV, or a password + a key: phishing-resistant. */
  phishingResistant: 'urn:keygate:acr:phr',
  /** As above with a hardware-bound, attested key (`hwk`). */
  phishingResistantHardware: 'urn:keygate:acr:phrh',
} as const;
export type Acr = (typeof ACR)[keyof typeof ACR];

const ORDER: readonly string[] = [ACR.singleFactor, ACR.recovery, ACR.oob, ACR.mfa, ACR.phishingResistant, ACR.phishingResistantHardware];

/** Position of `acr` in ACR's order (-1 for anything keygate did not issue). */
export function acrRank(acr: string): number {
  return ORDER.indexOf(acr);
}

export interface SignInProof {
  amr: string[];
  acr: Acr;
}

/**
 * amr: `pwd` for a password; `hwk` (hardware-bound) or `swk` for a WebAuthn key, plus `user`
 * when the authenticator verified the user (WebAuthn does not say whether by PIN or
 * biometric, so keygate never claims `pin`); `otp` for TOTP and for an email code; `sms` for
 * an SMS code; `kba` for a recovery code;
 * `mfa` when two independent factors were proven (UV alone is two: possession of the key
 * and the PIN or biometric it checked). acr: the highest level the factors reach.
 */
export function deriveSignInProof(factors: readonly ProvenFactor[]): SignInProof {
  const amr = new Set<string>();
  let strength = 0;
  // The same factor twice is still one factor: only distinct kinds count towards mfa.
  const distinct = [...new Map(factors.map((f) => [f.kind, f] as const)).values()];
  for (const f of distinct) {
    if (f.kind === 'password') amr.add('pwd');
    if (f.kind === 'totp' || f.kind === 'email') amr.add('otp');
    if (f.kind === 'sms') amr.add('sms');
    if (f.kind === 'recovery_code') amr.add('kba');
    // RFC 8176 `mca`: multiple-channel authentication (the approval travelled over another signed-in device).
    if (f.kind === 'approval') amr.add('mca');
    if (f.kind === 'webauthn') {
      amr.add(f.hardwareBound ? 'hwk' : 'swk');
      if (f.userVerified) amr.add('user');
    }
    strength += f.kind === 'webauthn' && f.userVerified ? 2 : 1;
  }
  const mfa = strength >= 2;
  if (mfa) amr.add('mfa');
  const webauthn = factors.find((f) => f.kind === 'webauthn');
  let acr: Acr = ACR.singleFactor;
  if (mfa && amr.has('kba')) acr = ACR.recovery;
  else if (mfa && webauthn) acr = webauthn.hardwareBound ? ACR.phishingResistantHardware : ACR.phishingResistant;
  else if (mfa && factors.some((f) => f.kind === 'sms' || f.kind === 'email')) acr = ACR.oob;
  // Password + approval is placed with TOTP at `mfa`: the approving device proved possession
  // of a key with UV, but THIS device only typed a password, and a real-time phishing relay
  // can show the victim the right number, so it is not phishing-resistant; it is above `oob`
  // because the second channel is keygate's own authenticated session, not a carrier network.
  else if (mfa) acr = ACR.mfa;
  return { amr: [...amr], acr };
}
