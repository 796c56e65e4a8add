import { verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server';
import { convertAAGUIDToString, decodeCredentialPublicKey, getCertificateInfo } from '@simplewebauthn/server/helpers';
import { VerificationError } from '../errors/keygate-error.js';
import { encodeBase64url } from '../lib/base64url.js';
import { checkAuthenticatorData } from './checks/authenticator-data-checks.js';
import { checkClientData } from './checks/client-data-checks.js';
import { decodeAttestation, decodeClientData, decodeField } from './checks/decode-response.js';
import { useKeygateTokenBindingRule } from './checks/library-client-data.js';

// keygate's checkTokenBinding is the one Token Binding rule (see checks/library-client-data.ts).
useKeygateTokenBindingRule();


/** WebAuthn L3 §7.1: a credential id longer than this must be refused. */
export const MAX_CREDENTIAL_ID_BYTES = 1023;
/** What the relying party expects of a registration response. */
export interface RegistrationExpectations {
  challenge: string;
  origins: readonly string[];
  rpId: string;
  requireUserVerification: boolean;
  /** false only for conditional-create style flows; default true. */
  requireUserPresence?: boolean;
  supportedAlgorithms: readonly number[];
  /** SafetyNet attestation: require ctsProfileMatch (default true). */
  safetyNetEnforceCts?: boolean;
}

/** A verified new credential, ready to store. */
export interface VerifiedRegistration {
  credentialId: string;
  publicKey: Uint8Array;
  alg: number;
  counter: number;
  aaguid: string;
  fmt: string;
  attestationObject: Uint8Array;
  backupEligible: boolean;
  backedUp: boolean;
  userVerified: boolean;
  userPresent: boolean;
  /** The decoded attestation statement (x5c, sig, alg, ...), for keygate's own trust verdict (attestation/attestation-trust.ts). */
  attStmt: Map<string, unknown>;
  /** Leaf attestation certificate, when the statement carried one. */
  attestationCertificate?: { subject: string; issuer: string; notAfter: string };
}

/**
 * Verifies a registration response (WebAuthn §7.1) as an ordered list of checks, each
 * failing with its own `code`; the attestation statement itself (§7.1 steps 19-21, per
 * format: packed, tpm, android-key, android-safetynet, fido-u2f, apple, none) is verified
 * by @simplewebauthn/server, which also re-checks everything above.
 *
 * Certificate validity is judged against the global clock (the library reads `Date`),
 * and CRL lookups follow the library's behaviour (a failed fetch counts as not revoked).
 */
export async function verifyRegistration(response: RegistrationResponseJSON, exp: RegistrationExpectations): Promise<VerifiedRegistration> {
  // §7.1 steps 5-6: decode clientDataJSON.
  const clientData = decodeClientData(response.response.clientDataJSON);
  // §7.1 steps 7-10: type, challenge, origin, cross-origin.
  checkClientData(clientData, { type: 'webauthn.create', challenge: exp.challenge, origins: exp.origins });
  // §7.1 step 12: CBOR-decode the attestationObject.
  const { fmt, attStmt, parsedAuthData: ad } = decodeAttestation(response.response.attestationObject);
  // §7.1 steps 13-15: RP ID hash, UP, UV.
  checkAuthenticatorData(ad, {
    rpId: exp.rpId,
    requireUserPresence: exp.requireUserPresence ?? true,
    requireUserVerification: exp.requireUserVerification,
  });
  // §7.1 step 17 (attested credential data present) and the credential id the client reported.
  if (!ad.flags.at || !ad.credentialID || !ad.credentialPublicKey || !ad.aaguid) {
    throw new VerificationError('malformed_authenticator_data', 'attested credential data is missing');
  }
  const rawId = decodeField(response.rawId, 'rawId');
  if (response.id !== response.rawId || encodeBase64url(ad.credentialID) !== encodeBase64url(rawId)) {
    throw new VerificationError('credential_id_mismatch', 'id, rawId and the credential id in authenticatorData differ');
  }
  // WebAuthn L3 §7.1 ("credentialId ... at most 1023 bytes, else fail"): an id keygate would
  // have to store, index and offer in allowCredentials for ever.
  if (ad.credentialID.length > MAX_CREDENTIAL_ID_BYTES) {
    throw new VerificationError('credential_id_too_long', `credential id is ${ad.credentialID.length} bytes; at most ${MAX_CREDENTIAL_ID_BYTES}`);
  }
  // §7.1 step 16: the public key algorithm is one this RP offered.
  const alg = publicKeyAlg(ad.credentialPublicKey);
  if (!exp.supportedAlgorithms.includes(alg)) {
    throw new VerificationError('unsupported_algorithm', `COSE alg ${alg} is not one of ${exp.supportedAlgorithms.join(', ')}`);
  }
  // §7.1 steps 19-21: verify the attestation statement in its format.
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: exp.challenge,
      expectedOrigin: [...exp.origins],
      expectedRPID: exp.rpId,
      requireUserPresence: exp.requireUserPresence ?? true,
      requireUserVerification: exp.requireUserVerification,
      supportedAlgorithmIDs: [...exp.supportedAlgorithms],
      attestationSafetyNetEnforceCTSCheck: exp.safetyNetEnforceCts ?? true,
    });
  } catch (err) {
    throw new VerificationError('attestation_invalid', `${fmt} attestation: ${(err as Error).message}`);
  }
  if (!verified.verified || !verified.registrationInfo) {
    throw new VerificationError('attestation_invalid', `${fmt} attestation signature did not verify`);
  }
  const info = verified.registrationInfo;
  return {
    credentialId: info.credential.id,
    publicKey: new Uint8Array(info.credential.publicKey),
    alg,
    counter: info.credential.counter,
    aaguid: convertAAGUIDToString(ad.aaguid),
    fmt: info.fmt,
    attestationObject: new Uint8Array(info.attestationObject),
    backupEligible: ad.flags.be,
    backedUp: ad.flags.bs,
    userVerified: ad.flags.uv,
    userPresent: ad.flags.up,
    attStmt,
    attestationCertificate: leafCertificate(attStmt),
  };
}

function publicKeyAlg(cose: Uint8Array): number {
  try {
    const alg = decodeCredentialPublicKey(new Uint8Array(cose)).get(3);
    if (typeof alg === 'number') return alg;
  } catch {
    // fall through
  }
  throw new VerificationError('malformed_authenticator_data', 'credential public key is not a COSE_Key with a numeric alg');
}

function leafCertificate(attStmt: Map<string, unknown>): VerifiedRegistration['attestationCertificate'] {
  const x5c = attStmt.get('x5c');
  if (!Array.isArray(x5c) || !(x5c[0] instanceof Uint8Array)) return undefined;
  try {
    const info = getCertificateInfo(new Uint8Array(x5c[0]));
    return { subject: info.subject.combined, issuer: info.issuer.combined, notAfter: info.notAfter.toISOString() };
  } catch {
    return undefined;
  }
}
