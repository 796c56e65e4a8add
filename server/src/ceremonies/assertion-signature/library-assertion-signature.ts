import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import { VerificationError } from '../../errors/keygate-error.js';
import { useKeygateTokenBindingRule } from '../checks/library-client-data.js';
import type { SignedAssertion } from './assertion-signature-step.js';

// keygate's checkTokenBinding is the one Token Binding rule (see checks/library-client-data.ts).
useKeygateTokenBindingRule();

/**
 * §7.2 steps 19-20 through @simplewebauthn/server's verifyAuthenticationResponse (an
 * AssertionSignatureStep): the path keygate took before verifyAssertionSignature, kept so
 * the differential test and the benchmark can compare the two. Not used by the server.
 *
 * The library re-runs its own copies of the earlier checks first (type, challenge, origin,
 * topOrigin, id = rawId, rpIdHash, UP, UV); the ordered checks have already made each of
 * them, so only the signature can fail here. Any library error is `signature_invalid`. Its
 * counter check is switched off (stored counter passed as 0): keygate reports a regression
 * itself, after the signature, with its own code.
 */
export async function libraryAssertionSignature({ response, expectations: exp }: SignedAssertion): Promise<void> {
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
}
