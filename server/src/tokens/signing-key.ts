import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { DataKey } from '../config/config-schema.js';
import { open, seal } from '../lib/data-cipher.js';
import type { SigningAlg, SigningKey } from '../storage/ports.js';

const aad = (kid: string) => `signing-key:${kid}`;

/**
 * A new signing key made with jose: ES256 (P-256), EdDSA (Ed25519) or RS256 (2048-bit RSA).
 * Its `kid` is the RFC 7638 JWK thumbprint of the public key (stable, collision-free); the
 * private JWK is sealed with DATA_KEYS (AES-256-GCM, bound to the kid).
 */
export async function newSigningKey(alg: SigningAlg, dataKeys: readonly DataKey[], createdAt: Date, activatesAt: Date): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}), ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  const priv = await exportJWK(privateKey);
  return {
    kid,
    alg,
    publicJwk: { ...pub, kid, alg, use: 'sig' },
    sealedPrivateJwk: seal(dataKeys, JSON.stringify(priv), aad(kid)),
    createdAt,
    activatesAt,
  };
}

/** The key's private half, ready for jose's SignJWT. */
export async function privateKeyOf(key: SigningKey, dataKeys: readonly DataKey[]): Promise<CryptoKey> {
  const jwk = JSON.parse(open(dataKeys, key.sealedPrivateJwk, aad(key.kid))) as JWK;
  return (await importJWK(jwk, key.alg)) as CryptoKey;
}
