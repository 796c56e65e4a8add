import { SettingsService } from '@simplewebauthn/server';

/**
 * COSE algorithms keygate accepts for credential public keys (IANA COSE Algorithms registry),
 * in the order offered in `pubKeyCredParams` (most preferred first). RS1 (SHA-1) is not among
 * them: `algorithmsFor` adds it only where ALLOW_RS1 says a legacy Windows Hello TPM needs it.
 * ML-DSA-44 (-48, draft-ietf-cose-dilithium)
 * is appended only when this runtime's WebCrypto can verify it
 * (`SettingsService.runtimeSupportsPQC()`, i.e. `SubtleCrypto.supports('verify', 'ML-DSA-44')`;
 * false on Node 20), the same condition under which @simplewebauthn/server offers it by default.
 */
export const SUPPORTED_ALGORITHMS: readonly number[] = Object.freeze([
  -8, // EdDSA (Ed25519)
  -7, // ES256
  -35, // ES384
  -36, // ES512
  -37, // PS256
  -38, // PS384
  -39, // PS512
  -257, // RS256
  -258, // RS384
  -259, // RS512
  ...(SettingsService.runtimeSupportsPQC() ? [-48] : []), // ML-DSA-44
]);

/** RS1: RSASSA-PKCS1-v1_5 with SHA-1 (COSE -65535), produced only by legacy Windows Hello TPMs. */
export const RS1 = -65535;

/** What registration offers and accepts under this config: SUPPORTED_ALGORITHMS, plus RS1 last when ALLOW_RS1. */
export function algorithmsFor(config: { allowRs1: boolean }): readonly number[] {
  return config.allowRs1 ? WITH_RS1 : SUPPORTED_ALGORITHMS;
}

const WITH_RS1: readonly number[] = Object.freeze([...SUPPORTED_ALGORITHMS, RS1]);
