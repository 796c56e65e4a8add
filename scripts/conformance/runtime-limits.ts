/**
 * The one accepted reason not to judge a vector: it needs an algorithm this Node runtime
 * cannot verify. Used by scripts/conformance.ts (`npm run conformance -- <file>`); not run
 * directly.
 *
 * Today that is ML-DSA (COSE -48/-49/-50): WebCrypto gained it after Node 20, and
 * @simplewebauthn/server detects it with `SettingsService.runtimeSupportsPQC()`
 * (`SubtleCrypto.supports('verify', 'ML-DSA-44')`). The credential's algorithm is read from
 * the vector itself (the COSE key in authData for a registration, `credentialPublicKey` for
 * an authentication), not from its descriptive `facts`.
 */
import { SettingsService } from '@simplewebauthn/server';
import { cose, decodeAttestationObject, decodeCredentialPublicKey, isoBase64URL, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import type { Vector } from './vectors.js';

/** Why this runtime cannot judge `vector`, or undefined when it can. */
export function runtimeLimitation(vector: Vector): string | undefined {
  const alg = credentialAlg(vector);
  if (alg === undefined || !cose.isPQCCOSEAlg(alg) || SettingsService.runtimeSupportsPQC()) return undefined;
  return `credential uses COSE alg ${alg} (${cose.COSEALG[alg] ?? 'ML-DSA'}), which Node ${process.version} WebCrypto cannot verify (SettingsService.runtimeSupportsPQC() is false)`;
}

function credentialAlg(vector: Vector): number | undefined {
  try {
    let coseKey: Uint8Array | undefined;
    if (vector.kind === 'authentication') {
      coseKey = isoBase64URL.toBuffer(vector.credentialPublicKey);
    } else {
      const attObj = decodeAttestationObject(isoBase64URL.toBuffer(vector.response.response.attestationObject));
      coseKey = parseAuthenticatorData(attObj.get('authData')).credentialPublicKey;
    }
    if (!coseKey) return undefined;
    const alg = decodeCredentialPublicKey(new Uint8Array(coseKey)).get(cose.COSEKEYS.alg);
    return typeof alg === 'number' ? alg : undefined;
  } catch {
    return undefined; // unreadable: let keygate judge it
  }
}
