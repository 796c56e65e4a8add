import { createHash, timingSafeEqual } from 'node:crypto';
import type { ParsedAuthenticatorData } from '@simplewebauthn/server/helpers';
import { VerificationError } from '../../errors/keygate-error.js';

/**
 * The authenticatorData checks shared by both ceremonies
 * (WebAuthn §7.1 steps 13-16, §7.2 steps 15-17).
 */
export function checkAuthenticatorData(
  ad: ParsedAuthenticatorData,
  expected: { rpId: string; requireUserPresence: boolean; requireUserVerification: boolean },
): void {
  // §7.1 step 13 / §7.2 step 15: rpIdHash is SHA-256 of this RP ID.
  const want = rpIdHash(expected.rpId);
  if (ad.rpIdHash.length !== 32 || !timingSafeEqual(want, ad.rpIdHash)) {
    throw new VerificationError('rp_id_mismatch', `authenticatorData.rpIdHash is not SHA-256("${expected.rpId}")`);
  }
  // §7.1 step 14 / §7.2 step 16: the UP flag is set.
  if (expected.requireUserPresence && !ad.flags.up) {
    throw new VerificationError('user_presence_missing', 'authenticatorData flag UP is 0');
  }
  // §7.1 step 15 / §7.2 step 17: the UV flag is set when user verification is required.
  if (expected.requireUserVerification && !ad.flags.uv) {
    throw new VerificationError('user_verification_missing', 'authenticatorData flag UV is 0 but user verification is required');
  }
  // §6.1 BS may only be set when BE is.
  if (ad.flags.bs && !ad.flags.be) {
    throw new VerificationError('malformed_authenticator_data', 'flag BS set without BE');
  }
}

/** SHA-256 of the RP ID, remembered for the last one asked (a deployment has one RP ID). */
function rpIdHash(rpId: string): Buffer {
  if (lastRpId?.rpId !== rpId) lastRpId = { rpId, hash: createHash('sha256').update(rpId).digest() };
  return lastRpId.hash;
}

let lastRpId: { rpId: string; hash: Buffer } | undefined;
