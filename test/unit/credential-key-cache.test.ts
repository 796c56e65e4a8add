import { describe, expect, it } from '@jest/globals';
import { CredentialKeyCache } from '../../server/src/ceremonies/assertion-signature/credential-key-cache.js';
import { verifyAssertionSignature } from '../../server/src/ceremonies/assertion-signature/verify-assertion-signature.js';
import { b64url, cborEncode, SoftAuthenticator } from '../helpers/soft-authenticator.js';

const auth = new SoftAuthenticator({ rpId: 'localhost', origin: 'http://localhost:3000' });
const challenge = b64url.encode(new Uint8Array(32));
const newKey = async (alg: -7 | -8 | -257 = -7) => (await auth.createCredential({ challenge, alg })).credential;

describe('CredentialKeyCache', () => {
  it('builds a key once per credential and hands the same one back while the bytes are the same', async () => {
    const cache = new CredentialKeyCache(4);
    const cred = await newKey();
    const first = cache.get(cred.id, cred.publicKeyCose);
    expect(cache.get(cred.id, new Uint8Array(cred.publicKeyCose))).toBe(first); // equal bytes, another array
    expect(cache.size).toBe(1);
  });

  it('never hands back a stale key: other bytes under the same id rebuild and replace the entry', async () => {
    const cache = new CredentialKeyCache(4);
    const [a, b] = [await newKey(), await newKey(-8)];
    const keyA = cache.get(a.id, a.publicKeyCose);
    const keyB = cache.get(a.id, b.publicKeyCose);
    expect(keyB).not.toBe(keyA);
    expect(keyB.label).toBe('Ed25519');
    expect(cache.size).toBe(1);
    // Bytes changed in place after caching do not reach the entry either (it holds a copy).
    const bytes = new Uint8Array(a.publicKeyCose);
    const keyA2 = cache.get(a.id, bytes);
    bytes[bytes.length - 1] ^= 1;
    expect(cache.get(a.id, a.publicKeyCose)).toBe(keyA2);
  });

  it('holds at most `capacity` entries and drops the least recently used', async () => {
    const cache = new CredentialKeyCache(2);
    const [a, b, c] = [await newKey(), await newKey(), await newKey()];
    const keyA = cache.get(a.id, a.publicKeyCose);
    const keyB = cache.get(b.id, b.publicKeyCose);
    expect(cache.get(a.id, a.publicKeyCose)).toBe(keyA); // a is now the most recent
    cache.get(c.id, c.publicKeyCose); // drops b
    expect(cache.size).toBe(2);
    expect(cache.get(a.id, a.publicKeyCose)).toBe(keyA);
    expect(cache.get(b.id, b.publicKeyCose)).not.toBe(keyB); // rebuilt
    expect(cache.size).toBe(2);
  });

  it('caches nothing for a key that cannot be built, and says why', () => {
    const cache = new CredentialKeyCache(2);
    expect(() => cache.get('x', cborEncode(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1]])))).toThrow('lacks x');
    expect(() => cache.get('y', Uint8Array.of(0xa1))).toThrow('not CBOR');
    expect(() => cache.get('z', cborEncode(new Map<number, unknown>([[1, 4], [3, -7]])))).toThrow('unsupported COSE key type 4');
    expect(cache.size).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a capacity of %p at construction', (capacity) => {
    expect(() => new CredentialKeyCache(capacity)).toThrow(TypeError);
  });

  it('is what the lean signature step verifies with: a credential whose key changed is checked against the new key', async () => {
    const cache = new CredentialKeyCache(8);
    const [a, b] = [await newKey(), await newKey()];
    const response = await auth.getAssertion({ challenge, credentialId: a.id });
    const bytes = {
      authenticatorData: b64url.decode(response.response.authenticatorData),
      clientDataJSON: b64url.decode(response.response.clientDataJSON),
      signature: b64url.decode(response.response.signature),
    };
    const step = (publicKey: Uint8Array) => verifyAssertionSignature({
      response,
      expectations: { challenge, origins: ['http://localhost:3000'], rpId: 'localhost', requireUserVerification: false, credential: { id: a.id, publicKey, counter: 0 } },
      ...bytes,
    }, cache);
    expect(step(a.publicKeyCose)).toBeUndefined();
    expect(() => step(b.publicKeyCose)).toThrow(expect.objectContaining({ code: 'signature_invalid' }));
    expect(step(a.publicKeyCose)).toBeUndefined();
  });
});
