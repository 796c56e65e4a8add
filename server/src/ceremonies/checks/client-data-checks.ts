import { VerificationError } from '../../errors/keygate-error.js';
import type { ClientData } from './decode-response.js';

/**
 * The clientDataJSON checks shared by both ceremonies
 * (WebAuthn §7.1 steps 7-10 for registration, §7.2 steps 11-14 for authentication).
 */
export function checkClientData(
  cd: ClientData,
  expected: { type: 'webauthn.create' | 'webauthn.get'; challenge: string; origins: readonly string[] },
): void {
  // §7.1 step 7 / §7.2 step 11: C.type is the expected ceremony type.
  if (cd.type !== expected.type) {
    throw new VerificationError('ceremony_type_mismatch', `expected clientData.type ${expected.type}, got ${cd.type}`);
  }
  // §7.1 step 8 / §7.2 step 12: C.challenge equals the challenge this server issued.
  if (cd.challenge !== expected.challenge) {
    throw new VerificationError('challenge_mismatch', `expected challenge ${expected.challenge}, got ${cd.challenge}`);
  }
  // §7.1 step 9 / §7.2 step 13: C.origin is one of this relying party's origins.
  if (!expected.origins.includes(cd.origin)) {
    throw new VerificationError('origin_mismatch', `expected origin ${expected.origins.join(' or ')}, got ${cd.origin}`);
  }
  // §7.1 step 10 / §7.2 step 14: keygate is never embedded cross-origin (no topOrigin configured).
  if (cd.crossOrigin === true) {
    throw new VerificationError('cross_origin_not_allowed', `crossOrigin true, topOrigin ${String(cd.topOrigin)}`);
  }
  // WebAuthn L3 §7.1 step 10 / §7.2 step 14: a (non-empty) C.topOrigin names a top-level page
  // this RP would be embedded in; keygate expects none. A browser sends it only together with
  // crossOrigin true (refused above); sent without, it contradicts itself
  // (@simplewebauthn/server refused it in assertions for that reason).
  if (cd.topOrigin) {
    throw new VerificationError('cross_origin_not_allowed', `topOrigin ${JSON.stringify(cd.topOrigin)} with crossOrigin ${String(cd.crossOrigin)}`);
  }
  checkTokenBinding(cd.tokenBinding);
}

/**
 * Token Binding (WebAuthn L2 §5.8.1 and §7.1 step 10 / §7.2 step 14; the member is [RESERVED]
 * in Level 3). keygate never negotiates Token Binding, so the member carries no security
 * meaning here; it is only checked for being well-formed:
 * - absent or null: fine;
 * - not an object (e.g. the legacy string "unused" some pre-standard U2F-era clients sent):
 *   ignored, as py_webauthn does ("Some U2F devices set a string to `token_binding`");
 * - an object: `status` must be a TokenBindingStatus: "present" or "supported" (L2 enum), or
 *   "not-supported" (the enum of the 2018 Candidate Recommendation, still sent by browsers of
 *   that era; @simplewebauthn/server's registration check and fido2-lib accept it too).
 */
export function checkTokenBinding(tb: unknown): void {
  if (tb === undefined || tb === null || typeof tb !== 'object' || Array.isArray(tb)) return;
  const status = (tb as { status?: unknown }).status;
  if (typeof status !== 'string' || !TOKEN_BINDING_STATUSES.includes(status)) {
    throw new VerificationError('malformed_client_data', `unexpected tokenBinding ${JSON.stringify(tb)}`);
  }
}

const TOKEN_BINDING_STATUSES: readonly string[] = ['present', 'supported', 'not-supported'];
