import { SettingsService } from '@simplewebauthn/server';

/**
 * COSE algorithms keygate accepts for credential public keys (IANA COSE Algorithms registry),
 * in the order offered in `pubKeyCredParams` (most preferred first). RS1 stays for the
 * legacy Windows Hello TPMs that still produce it. ML-DSA-44 (-48, draft-ietf-cose-dilithium)
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
  -65535, // RS1 (SHA-1; legacy Windows Hello TPM only)
  ...(SettingsService.runtimeSupportsPQC() ? [-48] : []), // ML-DSA-44
]);
