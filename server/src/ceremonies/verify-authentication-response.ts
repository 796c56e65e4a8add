import { verifyAuthenticationResponse, type AuthenticationResponseJSON } from '@simplewebauthn/server';
import { VerificationError } from '../errors/keygate-error.js';
import { checkAuthenticatorData } from './checks/authenticator-data-checks.js';
import { checkClientData } from './checks/client-data-checks.js';
import { decodeClientData, decodeField, parseAuthData } from './checks/decode-response.js';
import { useKeygateTokenBindingRule } from './checks/library-client-data.js';

// keygate's checkTokenBinding is the one Token Binding rule (see checks/library-client-data.ts).
useKeygateTokenBindingRule();

/** What the relying party expects of an assertion, and the stored credential it claims. */
export interface AuthenticationExpectations {
  challenge: string;
  origins: readonly string[];
  rpId: string;
  requireUserVerification: boolean;
  requireUserPresence?: boolean;
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
 * Verifies an assertion (WebAuthn §7.2) as ordered checks with their own codes. The
 * signature (§7.2 steps 19-20) is verified by @simplewebauthn/server; the counter check
 * (step 21) runs here, only after the signature verified, so an unsigned response can
 * never flag a credential as cloned.
 */
export async function verifyAuthentication(response: AuthenticationResponseJSON, exp: AuthenticationExpectations): Promise<VerifiedAuthentication> {
  // §7.2 steps 9-10: decode clientDataJSON.
  const clientData = decodeClientData(response.response.clientDataJSON);
  // §7.2 steps 11-14: type, challenge, origin, cross-origin.
  checkClientData(clientData, { type: 'webauthn.get', challenge: exp.challenge, origins: exp.origins });
  // §7.2 steps 15-17: RP ID hash, UP, UV.
  const ad = parseAuthData(decodeField(response.response.authenticatorData, 'response.authenticatorData'));
  checkAuthenticatorData(ad, {
    rpId: exp.rpId,
    requireUserPresence: exp.requireUserPresence ?? true,
    requireUserVerification: exp.requireUserVerification,
  });
  decodeField(response.response.signature, 'response.signature');
  // §7.2 steps 19-20: the signature over authenticatorData || SHA-256(clientDataJSON).
  // The library's own counter check is switched off (stored counter passed as 0) so that
  // a regression is reported below with its own code.
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: exp.challenge,
      expectedOrigin: [...exp.origins],
      expectedRPID: exp.rpId,
      requireUserVerification: exp.requireUserVerification,
      credential: { id: exp.credential.id, publicKey: new Uint8Array(exp.credential.publicKey), counter: 0 },
    });
  } catch (err) {
    throw new VerificationError('signature_invalid', (err as Error).message);
  }
  if (!verified.verified) {
    throw new VerificationError('signature_invalid', 'signature did not verify with the stored public key');
  }
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
