import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { VerificationError } from '../errors/keygate-error.js';
import type { AssertionSignatureStep } from './assertion-signature/assertion-signature-step.js';
import { verifyAssertionSignature } from './assertion-signature/verify-assertion-signature.js';
import { checkAuthenticatorData } from './checks/authenticator-data-checks.js';
import { checkClientData } from './checks/client-data-checks.js';
import { decodeField, parseAuthData, readClientData } from './checks/decode-response.js';

/** What the relying party expects of an assertion, and the stored credential it claims. */
export interface AuthenticationExpectations {
  challenge: string;
  origins: readonly string[];
  rpId: string;
  /** UV, as policy decided. UP has no option: §7.2 step 16 requires it of every assertion. */
  requireUserVerification: boolean;
  /** `backupEligible`, when known, must match the BE flag (it is fixed for a credential's life). */
  credential: { id: string; publicKey: Uint8Array; counter: number; backupEligible?: boolean };
}

export interface VerifiedAuthentication {
  newCounter: number;
  userPresent: boolean;
  userVerified: boolean;
  backupEligible: boolean;
  backedUp: boolean;
}

/**
 * A refusal found only AFTER the signature verified: the response was made with the
 * credential's private key (so the caller may now tell its owner why, e.g. "disabled").
 */
export class SignedResponseError extends VerificationError {}

/**
 * Thrown (code `counter_regression`) when the signature is valid but the signature counter
 * did not increase: the credential may have been cloned (WebAuthn §7.2 step 21). Callers
 * flag the credential and record the event.
 */
export class CounterRegressionError extends SignedResponseError {
  constructor(readonly received: number, readonly stored: number) {
    super('counter_regression', `signature counter ${received} is not greater than stored ${stored}`);
  }
}

/**
 * Verifies an assertion (WebAuthn §7.2) as ordered checks with their own codes, the one list
 * of them. Each binary part is decoded once, here. The signature (§7.2 steps 19-20) is the
 * `signature` step: node:crypto (assertion-signature/verify-assertion-signature.ts) unless a
 * caller passes another (the differential test passes the library's). The counter check
 * (step 21) runs here, only after the signature verified, so an unsigned response can never
 * flag a credential as cloned.
 */
export async function verifyAuthentication(
  response: AuthenticationResponseJSON,
  exp: AuthenticationExpectations,
  signature: AssertionSignatureStep = verifyAssertionSignature,
): Promise<VerifiedAuthentication> {
  // §7.2 steps 9-10: decode clientDataJSON.
  const { bytes: clientDataJSON, clientData } = readClientData(response.response.clientDataJSON);
  // §7.2 steps 11-14: type, challenge, origin, cross-origin (and topOrigin).
  checkClientData(clientData, { type: 'webauthn.get', challenge: exp.challenge, origins: exp.origins });
  // §7.2 steps 15-17: RP ID hash, UP, UV.
  const authenticatorData = decodeField(response.response.authenticatorData, 'response.authenticatorData');
  const ad = parseAuthData(authenticatorData);
  checkAuthenticatorData(ad, { rpId: exp.rpId, requireUserPresence: true, requireUserVerification: exp.requireUserVerification });
  const sig = decodeField(response.response.signature, 'response.signature');
  // §5.1: `id` is base64url(rawId). The stored key was found by `id`; a `rawId` naming another
  // credential makes the response inconsistent (the library refused this too).
  if (response.id !== response.rawId) {
    throw new VerificationError('credential_id_mismatch', 'response id and rawId differ');
  }
  // §7.2 steps 19-20: the signature over authenticatorData || SHA-256(clientDataJSON).
  await signature({ response, expectations: exp, authenticatorData, clientDataJSON, signature: sig });
  // WebAuthn L3 §7.2 (backup flags): BE is fixed when the credential is created; a change means
  // this is not the credential keygate registered (or a misbehaving authenticator).
  if (exp.credential.backupEligible !== undefined && ad.flags.be !== exp.credential.backupEligible) {
    throw new SignedResponseError('backup_eligibility_changed', `BE flag is ${ad.flags.be ? 1 : 0}, registered as ${exp.credential.backupEligible ? 1 : 0}`);
  }
  // §7.2 step 21: the counter must grow unless both are zero (authenticator without counter).
  const received = ad.counter;
  if ((received > 0 || exp.credential.counter > 0) && received <= exp.credential.counter) {
    throw new CounterRegressionError(received, exp.credential.counter);
  }
  return { newCounter: received, userPresent: ad.flags.up, userVerified: ad.flags.uv, backupEligible: ad.flags.be, backedUp: ad.flags.bs };
}
