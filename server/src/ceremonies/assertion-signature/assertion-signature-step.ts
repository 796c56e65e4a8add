import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { AuthenticationExpectations } from '../verify-authentication-response.js';

/**
 * What §7.2 steps 19-20 get, once every earlier check of `verifyAuthentication` passed:
 * the response, what the relying party expects of it, and its binary parts already decoded
 * (each exactly once, by the ordered checks).
 */
export interface SignedAssertion {
  response: AuthenticationResponseJSON;
  expectations: AuthenticationExpectations;
  authenticatorData: Uint8Array;
  clientDataJSON: Uint8Array;
  signature: Uint8Array;
}

/**
 * §7.2 steps 19-20: verifies the signature over authenticatorData || SHA-256(clientDataJSON)
 * with the stored credential public key, or throws a `VerificationError` with code
 * `signature_invalid` (an unusable stored key included). It makes no other check: the ordered
 * checks in verify-authentication-response.ts are the one list.
 *
 * Two implementations, same verdicts (test/unit/assertion-paths-differential.test.ts):
 * `verifyAssertionSignature` (node:crypto, the one keygate uses) and
 * `libraryAssertionSignature` (@simplewebauthn/server, kept to compare against).
 */
export type AssertionSignatureStep = (assertion: SignedAssertion) => void | Promise<void>;
