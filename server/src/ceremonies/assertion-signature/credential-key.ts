import { constants, createPublicKey, type JsonWebKey, type KeyObject, type VerifyKeyObjectInput } from 'node:crypto';
import { SettingsService } from '@simplewebauthn/server';
import { Decoder } from 'cbor-x';
import { encodeBase64url } from '../../lib/base64url.js';

/**
 * A stored credential public key, ready for `crypto.verify(hash, data, key, signature)`:
 * built once from the COSE_Key bytes (RFC 9052 §7, RFC 9053) and then reused (see
 * credential-key-cache.ts). `kind: 'library'` marks the one key type node:crypto cannot
 * verify on every runtime keygate supports (AKP, i.e. ML-DSA): those go to
 * @simplewebauthn/server's WebCrypto verifier, which is what verified them before.
 */
export type CredentialKey =
  | { readonly kind: 'node'; readonly label: string; readonly hash: string | null; readonly key: KeyObject | VerifyKeyObjectInput }
  | { readonly kind: 'library'; readonly label: string };

/**
 * Builds the verification key of a stored COSE_Key. Throws an `Error` (whose message says
 * why) for a key that cannot verify anything; the caller turns it into `signature_invalid`.
 *
 * The acceptance rules are exactly those @simplewebauthn/server 14 applied to assertions
 * (verifyAuthenticationResponse, then isoCrypto.verify -> verifyEC2 / verifyOKP / verifyRSA),
 * so a credential that signed in through the library signs in here, and one it refused is
 * refused (test/unit/assertion-paths-differential.test.ts holds both paths to that):
 * - the COSE_Key is the first CBOR item of the bytes, a map with a numeric `alg` (3);
 *   ML-DSA algs are refused where this runtime cannot verify them;
 * - EC2 (kty 2): crv P-256 / P-384 / P-521; ECDSA with the hash the `alg` names (ES256 ->
 *   SHA-256, ...; the library maps any alg it knows to a hash, e.g. RS256 -> SHA-256, so a key
 *   registered with a mislabelled alg keeps its behaviour). Signatures are ASN.1 DER
 *   Ecdsa-Sig-Value (WebAuthn §6.5.5), which is what `crypto.verify` takes by default;
 * - OKP (kty 1): crv Ed25519 (6) with any known alg; EdDSA, no pre-hash;
 * - RSA (kty 3): RS1 / RS256 / RS384 / RS512 (RSASSA-PKCS1-v1_5) or PS256 / PS384 / PS512
 *   (RSASSA-PSS, MGF1 with the same hash, salt length = hash length, as WebCrypto verifies it).
 *   RS1 verifies whatever ALLOW_RS1 says: that setting decides what may be *registered*
 *   (policy/algorithms.ts); a key registered with it keeps working;
 * - AKP (kty 7, ML-DSA): `kind: 'library'`.
 * The key itself is imported with `crypto.createPublicKey({ format: 'jwk' })`, which checks
 * that an EC point is on its curve, as WebCrypto's importKey did.
 */
export function credentialKey(cose: Uint8Array): CredentialKey {
  const map = firstCborItem(cose);
  if (!(map instanceof Map)) throw new Error('the stored public key is not a COSE_Key map');
  const alg: unknown = map.get(COSE.alg);
  if (typeof alg !== 'number') throw new Error('the stored public key has no numeric alg');
  if (ML_DSA.has(alg) && !SettingsService.runtimeSupportsPQC()) {
    throw new Error(`COSE alg ${alg} (ML-DSA) cannot be verified by this runtime`);
  }
  const kty: unknown = map.get(COSE.kty);
  const bytes = (label: number, what: string): string => {
    const v: unknown = map.get(label);
    if (!(v instanceof Uint8Array) || v.length === 0) throw new Error(`the stored public key lacks ${what}`);
    return encodeBase64url(v);
  };
  switch (kty) {
    case KTY.EC2: {
      const crv = EC_CURVES.get(map.get(COSE.crv) as number);
      if (!crv) throw new Error(`unsupported EC2 curve ${String(map.get(COSE.crv))}`);
      const hash = hashOf(alg);
      const key = jwkKey({ kty: 'EC', crv, x: bytes(COSE.x, 'x'), y: bytes(COSE.y, 'y') });
      return { kind: 'node', label: `ECDSA ${crv} ${hash}`, hash, key: { key, dsaEncoding: 'der' } };
    }
    case KTY.OKP: {
      if (!KNOWN_ALGS.has(alg)) throw new Error(`unknown COSE alg ${alg} (OKP)`);
      if (map.get(COSE.crv) !== 6) throw new Error(`unsupported OKP curve ${String(map.get(COSE.crv))}`);
      return { kind: 'node', label: 'Ed25519', hash: null, key: jwkKey({ kty: 'OKP', crv: 'Ed25519', x: bytes(COSE.x, 'x') }) };
    }
    case KTY.RSA: {
      const scheme = RSA_SCHEMES.get(alg);
      if (!scheme) throw new Error(`COSE alg ${alg} is not an RSA signature algorithm`);
      const key = jwkKey({ kty: 'RSA', n: bytes(COSE.n, 'n'), e: bytes(COSE.e, 'e') });
      const hash = hashOf(alg);
      return scheme === 'pss'
        ? { kind: 'node', label: `RSASSA-PSS ${hash}`, hash, key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[hash] } }
        : { kind: 'node', label: `RSASSA-PKCS1-v1_5 ${hash}`, hash, key };
    }
    case KTY.AKP:
      return { kind: 'library', label: `ML-DSA (COSE alg ${alg})` };
    default:
      throw new Error(`unsupported COSE key type ${String(kty)}`);
  }
}

// COSE labels (RFC 9052 §7.1, RFC 9053 §7, RFC 8230 §4) and key types.
const COSE = { kty: 1, alg: 3, crv: -1, x: -2, y: -3, n: -1, e: -2 } as const;
const KTY = { OKP: 1, EC2: 2, RSA: 3, AKP: 7 } as const;
const EC_CURVES = new Map<number, string>([[1, 'P-256'], [2, 'P-384'], [3, 'P-521']]);
const ML_DSA = new Set([-48, -49, -50]);
/** Every alg of @simplewebauthn/server 14's COSEALG table (what its `isCOSEAlg` accepts). */
const KNOWN_ALGS = new Set([-7, -8, -35, -36, -37, -38, -39, -47, -48, -49, -50, -257, -258, -259, -65535]);
const RSA_SCHEMES = new Map<number, 'pkcs1' | 'pss'>([
  [-65535, 'pkcs1'], [-257, 'pkcs1'], [-258, 'pkcs1'], [-259, 'pkcs1'],
  [-37, 'pss'], [-38, 'pss'], [-39, 'pss'],
]);
/** COSE alg -> digest, as the library's mapCoseAlgToWebCryptoHashAlgName maps it. */
const HASHES = new Map<number, string>([
  [-65535, 'sha1'],
  [-7, 'sha256'], [-37, 'sha256'], [-257, 'sha256'],
  [-35, 'sha384'], [-38, 'sha384'], [-258, 'sha384'],
  [-36, 'sha512'], [-39, 'sha512'], [-259, 'sha512'], [-8, 'sha512'],
]);
const HASH_BYTES: Record<string, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

function hashOf(alg: number): string {
  const hash = HASHES.get(alg);
  if (!hash) throw new Error(`COSE alg ${alg} names no hash algorithm`);
  return hash;
}

function jwkKey(jwk: JsonWebKey): KeyObject {
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch (err) {
    throw new Error(`the stored ${String(jwk.kty)} public key cannot be imported: ${(err as Error).message}`);
  }
}

const cbor = new Decoder({ mapsAsObjects: false, useRecords: false });

/** The first CBOR item of `bytes` (bytes after it are ignored, as the library ignored them). */
function firstCborItem(bytes: Uint8Array): unknown {
  let first: unknown;
  try {
    cbor.decodeMultiple(bytes, (item: unknown) => {
      first = item;
      return false;
    });
  } catch (err) {
    throw new Error(`the stored public key is not CBOR: ${(err as Error).message}`);
  }
  return first;
}
