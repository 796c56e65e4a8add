import { createHash, verify } from 'node:crypto';
import { verifySignature } from '@simplewebauthn/server/helpers';
import { VerificationError } from '../../errors/keygate-error.js';
import type { SignedAssertion } from './assertion-signature-step.js';
import { CredentialKeyCache } from './credential-key-cache.js';

/** The process's credential keys (bounded; see CredentialKeyCache for the contract). */
export const credentialKeys = new CredentialKeyCache();

/**
 * The lean §7.2 steps 19-20 (an AssertionSignatureStep): one `crypto.verify` against a
 * `KeyObject` taken from {@link credentialKeys} (built from the stored COSE_Key on first use),
 * over authenticatorData || SHA-256(clientDataJSON). Synchronous for every key node:crypto
 * verifies; only ML-DSA keys (credential-key.ts, `kind: 'library'`) are handed to
 * @simplewebauthn/server's WebCrypto verifier.
 *
 * ECDSA signatures must be ASN.1 DER Ecdsa-Sig-Value (WebAuthn §6.5.5), as OpenSSL checks:
 * bytes after the value, another tag for SEQUENCE or a wrong length are refused. The library's
 * BER parser (asn1js) let such encodings through; that is the one class of inputs on which
 * the two paths differ (test/unit/assertion-paths-differential.test.ts).
 */
export function verifyAssertionSignature(a: SignedAssertion, keys: CredentialKeyCache = credentialKeys): void | Promise<void> {
  const { credential } = a.expectations;
  let key;
  try {
    key = keys.get(credential.id, credential.publicKey);
  } catch (err) {
    throw new VerificationError('signature_invalid', `stored public key of ${credential.id} is unusable: ${(err as Error).message}`);
  }
  const signed = Buffer.concat([a.authenticatorData, createHash('sha256').update(a.clientDataJSON).digest()]);
  if (key.kind === 'library') return verifyWithLibrary(a, signed, key.label);
  let ok: boolean;
  try {
    ok = verify(key.hash, signed, key.key, a.signature);
  } catch (err) {
    throw new VerificationError('signature_invalid', `${key.label} signature could not be checked: ${(err as Error).message}`);
  }
  if (!ok) throw new VerificationError('signature_invalid', `${key.label} signature did not verify with the stored public key`);
}

async function verifyWithLibrary(a: SignedAssertion, signed: Buffer, label: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await verifySignature({ signature: new Uint8Array(a.signature), data: new Uint8Array(signed), credentialPublicKey: new Uint8Array(a.expectations.credential.publicKey) });
  } catch (err) {
    throw new VerificationError('signature_invalid', `${label} signature could not be checked: ${(err as Error).message}`);
  }
  if (!ok) throw new VerificationError('signature_invalid', `${label} signature did not verify with the stored public key`);
}
