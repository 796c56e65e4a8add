/**
 * Differential test: the lean assertion path (verifyAuthentication with its node:crypto
 * signature step, what the server runs) and the library path (the same ordered checks with
 * @simplewebauthn/server's verifyAuthenticationResponse as the signature step, what keygate ran
 * before) must reach the same verdict: both accept with the same result, or both refuse with
 * the same code. Every refusal of the library's signature step is `signature_invalid`, as it
 * was, so codes compare directly.
 *
 * Inputs: the real-device corpus's assertion vectors, when the corpus is there
 * (../shared/conformance/webauthn-vectors.json or $WEBAUTHN_VECTORS, read at run time, never
 * copied here), as they are and tampered with; and generated mutations of real assertions
 * (test/helpers/assertion-mutations.ts) for ES256, EdDSA, RS256 (SoftAuthenticator) and
 * ES384, ES512, PS256, RS1 (node:crypto keys).
 *
 * The one allowed difference: an ECDSA signature that is not DER. WebAuthn §6.5.5 says it MUST
 * be an ASN.1 DER Ecdsa-Sig-Value; OpenSSL checks that, so the lean path refuses anything else
 * (`signature_invalid`). The library's ASN.1 parser (asn1js, BER) did not: it verified r and s
 * out of values with bytes after them, a context-specific tag in place of SEQUENCE, or a wrong
 * SEQUENCE length. No authenticator sends those (the corpus has none, and go-webauthn's and
 * java-webauthn-server's verifiers are strict too). Only that class may differ: the lean path
 * must refuse at the signature, the library must have got past it, the stored key must be EC2,
 * and the signature must fail this test's own DER check (`isDerEcdsaSignature`); each such
 * case is counted, and one is checked outright below.
 *
 * $DIFF_RUNS sets the generated runs per property (default 500).
 */
import { describe, expect, it, beforeAll } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { Decoder } from 'cbor-x';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { libraryAssertionSignature } from '../../server/src/ceremonies/assertion-signature/library-assertion-signature.js';
import { verifyAssertionSignature } from '../../server/src/ceremonies/assertion-signature/verify-assertion-signature.js';
import type { AssertionSignatureStep } from '../../server/src/ceremonies/assertion-signature/assertion-signature-step.js';
import { SignedResponseError, verifyAuthentication, type AuthenticationExpectations, type VerifiedAuthentication } from '../../server/src/ceremonies/verify-authentication-response.js';
import { KeygateError } from '../../server/src/errors/keygate-error.js';
import { ALGS, buildCase, caseArbitrary, createTestKeys, isDerEcdsaSignature, ORIGIN, RP_ID, tamperArbitrary, tamperWith, type Alg, type Built, type Case, type TestKey } from '../helpers/assertion-mutations.js';
import { b64url, SoftAuthenticator } from '../helpers/soft-authenticator.js';

const RUNS = Number(process.env.DIFF_RUNS ?? 500);
const VECTORS = process.env.WEBAUTHN_VECTORS ?? fileURLToPath(new URL('../../../shared/conformance/webauthn-vectors.json', import.meta.url));

type Outcome =
  | { verdict: 'valid'; result: VerifiedAuthentication }
  | { verdict: 'invalid'; code: string; afterSignature: boolean }
  | { verdict: 'crash'; error: string };

async function outcome(step: AssertionSignatureStep, response: AuthenticationResponseJSON, exp: AuthenticationExpectations): Promise<Outcome> {
  try {
    return { verdict: 'valid', result: await verifyAuthentication(structuredClone(response), exp, step) };
  } catch (err) {
    if (err instanceof KeygateError) return { verdict: 'invalid', code: err.code, afterSignature: err instanceof SignedResponseError };
    return { verdict: 'crash', error: String((err as Error)?.stack ?? err) };
  }
}

const cose = new Decoder({ useRecords: false, mapsAsObjects: false } as ConstructorParameters<typeof Decoder>[0]);
const isEc2 = (key: Uint8Array) => {
  try {
    return (cose.decode(key) as Map<number, unknown>).get(1) === 2;
  } catch {
    return false;
  }
};

const seen = { cases: 0, divergences: 0, verdicts: new Map<string, number>() };

/** Runs both paths; fails unless they agree (or differ exactly as the header allows). */
async function expectSameVerdict(b: Built): Promise<Outcome> {
  const exp: AuthenticationExpectations = { challenge: b.challenge, origins: [ORIGIN], rpId: RP_ID, requireUserVerification: b.requireUserVerification, credential: b.credential };
  return expectSameVerdictFor(b.response, exp);
}

async function expectSameVerdictFor(response: AuthenticationResponseJSON, exp: AuthenticationExpectations): Promise<Outcome> {
  const lean = await outcome(verifyAssertionSignature, response, exp);
  const library = await outcome(libraryAssertionSignature, response, exp);
  seen.cases += 1;
  const label = lean.verdict === 'invalid' ? lean.code : lean.verdict;
  seen.verdicts.set(label, (seen.verdicts.get(label) ?? 0) + 1);
  const libraryPassedSignature = library.verdict === 'valid' || (library.verdict === 'invalid' && library.afterSignature);
  if (
    lean.verdict === 'invalid' && lean.code === 'signature_invalid' && libraryPassedSignature &&
    isEc2(exp.credential.publicKey) && !isDerEcdsaSignature(b64url.decode(response.response.signature))
  ) {
    seen.divergences += 1;
    return lean;
  }
  expect({ lean }).toEqual({ lean: library });
  expect(lean.verdict).not.toBe('crash');
  return lean;
}

describe('lean and library assertion paths', () => {
  const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
  let keys: Record<Alg, [TestKey, TestKey]>;
  const base: Case = {
    alg: 'ES256', flags: { up: true, uv: true, be: false, bs: false }, counter: 1, stored: { counter: 0, backupEligible: false },
    requireUserVerification: false, pssSalt: 32, clientData: null, clientDataJSON: null, authData: null, tamper: null,
  };
  const run = async (c: Partial<Case>) => expectSameVerdict(await buildCase(auth, keys, { ...base, ...c }));

  beforeAll(async () => {
    keys = await createTestKeys(auth);
  });

  it.each(ALGS.map((alg) => [alg]))('accept a genuine %s assertion, refuse it under another key or with a flipped signature byte', async (alg) => {
    expect((await run({ alg })).verdict).toBe('valid');
    expect(await run({ alg, tamper: { k: 'other-key' } })).toMatchObject({ code: 'signature_invalid' });
    expect(await run({ alg, tamper: { k: 'sig-flip', at: 9, mask: 0x10 } })).toMatchObject({ code: 'signature_invalid' });
    expect(await run({ alg, tamper: { k: 'sig-bogus' } })).toMatchObject({ code: 'signature_invalid' });
  });

  it.each<[string, Partial<Case>]>([
    ['ceremony_type_mismatch', { clientData: { k: 'type', value: 'webauthn.create' } }],
    ['challenge_mismatch', { clientData: { k: 'challenge', value: 'AAAA' } }],
    ['origin_mismatch', { clientData: { k: 'origin', value: 'http://evil.example' } }],
    ['cross_origin_not_allowed', { clientData: { k: 'crossOrigin', value: true } }],
    ['cross_origin_not_allowed', { clientData: { k: 'topOrigin', value: 'https://top.example' } }],
    ['malformed_client_data', { clientDataJSON: 'not-json' }],
    ['malformed_client_data', { clientData: { k: 'tokenBinding', value: { status: 'bogus' } } }],
    ['rp_id_mismatch', { authData: { k: 'rpId', rpId: 'example.com' } }],
    ['user_presence_missing', { flags: { up: false, uv: true, be: false, bs: false } }],
    ['user_verification_missing', { flags: { up: true, uv: false, be: false, bs: false }, requireUserVerification: true }],
    ['malformed_authenticator_data', { authData: { k: 'cut', length: 20 } }],
    ['malformed_authenticator_data', { authData: { k: 'flags', byte: 0x11 } }],
    ['credential_id_mismatch', { tamper: { k: 'rawId' } }],
    ['signature_invalid', { tamper: { k: 'clientData-reencode' } }],
    ['signature_invalid', { tamper: { k: 'clientData-challenge' }, alg: 'EdDSA' }],
    ['signature_invalid', { tamper: { k: 'authData-flip', at: 33, mask: 0x01 } }],
    ['signature_invalid', { alg: 'PS256', pssSalt: 20 }],
    ['signature_invalid', { alg: 'RS256', tamper: { k: 'cose-set', label: 3, value: -37 } }],
    ['signature_invalid', { tamper: { k: 'cose-set', label: 3, value: -8 } }],
    ['signature_invalid', { tamper: { k: 'cose-set', label: 3, value: -48 } }],
    ['signature_invalid', { tamper: { k: 'cose-delete', label: -3 } }],
    ['signature_invalid', { tamper: { k: 'cose-cut', length: 40 } }],
    ['signature_invalid', { alg: 'EdDSA', tamper: { k: 'sig-cut', length: 63 } }],
    ['backup_eligibility_changed', { stored: { counter: 0, backupEligible: true } }],
    ['counter_regression', { counter: 3, stored: { counter: 5, backupEligible: false } }],
    ['counter_regression', { counter: 0, stored: { counter: 1, backupEligible: undefined }, alg: 'RS1' }],
  ])('both refuse with %s: %j', async (code, c) => {
    expect(await run(c)).toMatchObject({ verdict: 'invalid', code });
  });

  it.each<[string, Partial<Case>]>([
    ['EC2 key labelled RS256 (the library hashes by alg: SHA-256)', { tamper: { k: 'cose-set', label: 3, value: -257 } }],
    ['OKP key labelled ES256 (Ed25519 whatever the alg)', { alg: 'EdDSA', tamper: { k: 'cose-set', label: 3, value: -7 } }],
    ['bytes after the COSE_Key (only the first CBOR item counts)', { alg: 'RS256', tamper: { k: 'cose-append', bytes: [0xff, 0x00] } }],
    ['tokenBinding "not-supported" and the legacy string', { clientData: { k: 'tokenBinding', value: 'unused' } }],
    ['a counter of 0 against a stored 0', { counter: 0 }],
    ['extra clientData members and whitespace', { clientDataJSON: 'whitespace', clientData: { k: 'extra', value: 'other_keys_can_be_added_here' } }],
  ])('both accept %s', async (_what, c) => {
    expect((await run(c)).verdict).toBe('valid');
  });

  it.each<[string, Case['tamper']]>([
    ['a byte after the DER value', { k: 'sig-append', bytes: [0x00] }],
    ['a context-specific tag (0xb0) for SEQUENCE', { k: 'sig-flip', at: 0, mask: 0x80 }],
  ])('differ only on ECDSA signatures that are not DER (§6.5.5): the library accepted %s, lean refuses', async (_what, tamper) => {
    const before = seen.divergences;
    const built = await buildCase(auth, keys, { ...base, tamper });
    const exp: AuthenticationExpectations = { challenge: built.challenge, origins: [ORIGIN], rpId: RP_ID, requireUserVerification: false, credential: built.credential };
    expect((await outcome(libraryAssertionSignature, built.response, exp)).verdict).toBe('valid');
    expect(await outcome(verifyAssertionSignature, built.response, exp)).toMatchObject({ code: 'signature_invalid' });
    await expectSameVerdict(built);
    expect(seen.divergences).toBe(before + 1);
  });

  it('differ on nothing else about signature bytes: EdDSA and RSA signatures with a byte appended are refused by both', async () => {
    expect(await run({ alg: 'EdDSA', tamper: { k: 'sig-append', bytes: [0x00] } })).toMatchObject({ code: 'signature_invalid' });
    expect(await run({ alg: 'RS256', tamper: { k: 'sig-append', bytes: [0x00] } })).toMatchObject({ code: 'signature_invalid' });
  });

  it('the checks keygate took over from the library are ones the library made (it refused each on its own)', async () => {
    const cases: Partial<Case>[] = [
      { clientData: { k: 'topOrigin', value: 'https://top.example' } }, // topOrigin without crossOrigin
      { tamper: { k: 'rawId' } }, // id != rawId
      { flags: { up: false, uv: true, be: false, bs: false } }, // UP is not optional in assertions
    ];
    for (const c of cases) {
      const b = await buildCase(auth, keys, { ...base, ...c });
      const exp: AuthenticationExpectations = { challenge: b.challenge, origins: [ORIGIN], rpId: RP_ID, requireUserVerification: false, credential: b.credential };
      const bytes = { authenticatorData: b64url.decode(b.response.response.authenticatorData), clientDataJSON: b64url.decode(b.response.response.clientDataJSON), signature: b64url.decode(b.response.response.signature) };
      // The library step alone, skipping keygate's checks: it refuses.
      await expect(libraryAssertionSignature({ response: b.response, expectations: exp, ...bytes })).rejects.toMatchObject({ code: 'signature_invalid' });
    }
  });

  it(`agree on ${RUNS} generated mutations of real assertions`, async () => {
    await fc.assert(
      fc.asyncProperty(caseArbitrary, async (c) => {
        await expectSameVerdict(await buildCase(auth, keys, c));
      }),
      { numRuns: RUNS },
    );
  });

  describe('over the real-device corpus', () => {
    const corpus = loadCorpus();
    const maybe = corpus ? it : it.skip;
    if (!corpus) process.stderr.write(`!!! assertion-paths-differential: corpus not found at ${VECTORS} (set WEBAUTHN_VECTORS): its vectors are SKIPPED\n`);
    const expectations = (v: CorpusVector, over: Partial<AuthenticationExpectations> = {}): AuthenticationExpectations => ({
      challenge: v.expectedChallenge,
      origins: [v.origin],
      rpId: v.rpID,
      requireUserVerification: v.requireUserVerification ?? false,
      credential: { id: v.response.id, publicKey: new Uint8Array(b64url.decode(v.credentialPublicKey)), counter: v.prevCounter ?? 0 },
      ...over,
    });

    maybe('agree on every assertion vector as recorded', async () => {
      for (const v of corpus!) {
        const lean = await expectSameVerdictFor(v.response, expectations(v));
        if (!v.id.includes('mldsa')) expect({ id: v.id, verdict: lean.verdict }).toEqual({ id: v.id, verdict: v.expect });
      }
    });

    maybe(`agree on ${RUNS} tamperings of corpus assertions`, async () => {
      const vectors = corpus!;
      await fc.assert(
        fc.asyncProperty(fc.nat(vectors.length - 1), fc.nat(vectors.length - 1), tamperArbitrary, fc.boolean(), fc.constantFrom(0, 1, 200, 0xffffffff), async (i, j, t, uv, counter) => {
          const v = vectors[i]!;
          const other = vectors[j]!;
          const built: Built = {
            response: structuredClone(v.response),
            challenge: v.expectedChallenge,
            credential: { ...expectations(v).credential, counter: counter === 200 ? (v.prevCounter ?? 0) : counter },
            requireUserVerification: uv,
          };
          tamperWith(built, t, { otherId: other.response.id, otherKey: new Uint8Array(b64url.decode(other.credentialPublicKey)) });
          await expectSameVerdictFor(built.response, expectations(v, { requireUserVerification: uv, challenge: built.challenge, credential: built.credential }));
        }),
        { numRuns: RUNS },
      );
    });
  });

  it('saw both verdicts and every check (a summary, so a weakened generator shows)', () => {
    if (seen.cases < RUNS) return; // a filtered run (-t) did not run the properties
    const codes = [...seen.verdicts.keys()];
    for (const code of ['valid', 'signature_invalid', 'challenge_mismatch', 'origin_mismatch', 'rp_id_mismatch', 'user_presence_missing', 'user_verification_missing', 'counter_regression', 'backup_eligibility_changed', 'credential_id_mismatch', 'cross_origin_not_allowed', 'malformed_client_data', 'malformed_authenticator_data', 'ceremony_type_mismatch']) {
      expect(codes).toContain(code);
    }
    expect(seen.cases).toBeGreaterThan(RUNS);
  });
});

interface CorpusVector {
  id: string;
  kind: string;
  rpID: string;
  origin: string;
  expectedChallenge: string;
  response: AuthenticationResponseJSON;
  credentialPublicKey: string;
  prevCounter?: number;
  requireUserVerification?: boolean;
  expect: 'valid' | 'invalid';
}

function loadCorpus(): CorpusVector[] | undefined {
  if (!existsSync(VECTORS)) return undefined;
  const all = JSON.parse(readFileSync(VECTORS, 'utf8')) as CorpusVector[];
  return all.filter((v) => v.kind === 'authentication');
}
