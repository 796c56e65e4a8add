/**
 * Pure verification benchmarks (no HTTP, no store): keygate's `verifyAuthentication` for
 * ES256 / EdDSA / RS256 credentials and `verifyRegistration` for the attestation formats
 * none / packed-self / packed-full / fido-u2f.
 *
 * Assertions are measured three ways over the same signatures: `verifyAuthentication` (the
 * lean path the server runs: every check, node:crypto signature step, cached KeyObject),
 * the same checks with the library's signature step ("library path", what keygate ran
 * before), and one bare `crypto.verify` of the same signature with a ready KeyObject over
 * ready signed bytes (the floor). `formatAssertionFloor` prints them in µs and as ratios.
 *
 * Every response is generated BEFORE timing by the test suite's SoftAuthenticator, each over
 * its own random challenge (the verifier is given that challenge); assertions cycle through
 * at most ASSERTION_FIXTURES of them (RSA signing is slow, verification keeps no state).
 * Assertions come from one credential per algorithm with a growing counter, verified
 * against a stored counter of 0, so the counter check passes for all of them. Registrations
 * use ES256 credentials; packed-full and fido-u2f share one test CA and attestation cert per
 * format (as a real model of authenticator would), and are not chained to a root (keygate
 * configures no roots for these formats, so the library skips path validation).
 */
import { createHash, randomBytes, verify, type KeyObject } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { libraryAssertionSignature } from '../../server/src/ceremonies/assertion-signature/library-assertion-signature.js';
import { verifyAuthentication } from '../../server/src/ceremonies/verify-authentication-response.js';
import { verifyRegistration } from '../../server/src/ceremonies/verify-registration-response.js';
import { algorithmsFor } from '../../server/src/policy/algorithms.js';
import { SoftAuthenticator, type AttestationKind, type CoseAlg } from '../../test/helpers/soft-authenticator.js';
import { createTestCa, type TestCa } from '../../test/helpers/test-ca.js';
import { measure, type Plan, type Result } from './stats.js';

const RP_ID = 'localhost';
const ORIGIN = 'http://localhost:3000';
const ORIGINS = [ORIGIN] as const;

export const ALGS: { alg: CoseAlg; label: string }[] = [
  { alg: -7, label: 'ES256' },
  { alg: -8, label: 'EdDSA' },
  { alg: -257, label: 'RS256' },
];
export const ATTESTATIONS: AttestationKind[] = ['none', 'packed-self', 'packed-full', 'fido-u2f'];

const challenge = () => randomBytes(32).toString('base64url');
const ASSERTION_FIXTURES = 64;

/** Assertions by one credential; `bare`: what one crypto.verify of each needs, ready-made. */
async function assertionFixtures(alg: CoseAlg, count: number) {
  const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
  const { credential } = await auth.createCredential({ challenge: challenge(), alg, attestation: 'none' });
  const items: { challenge: string; response: AuthenticationResponseJSON; signed: Buffer; signature: Buffer }[] = [];
  for (let i = 0; i < Math.min(count, ASSERTION_FIXTURES); i++) {
    const c = challenge();
    const response = await auth.getAssertion({ challenge: c, credentialId: credential.id });
    const clientDataHash = createHash('sha256').update(Buffer.from(response.response.clientDataJSON, 'base64url')).digest();
    const signed = Buffer.concat([Buffer.from(response.response.authenticatorData, 'base64url'), clientDataHash]);
    items.push({ challenge: c, response, signed, signature: Buffer.from(response.response.signature, 'base64url') });
  }
  const bare: { hash: string | null; key: KeyObject } = { hash: alg === -8 ? null : 'sha256', key: credential.publicKey };
  return { stored: { id: credential.id, publicKey: credential.publicKeyCose, counter: 0 }, items, bare };
}

async function registrationFixtures(kind: AttestationKind, count: number, ca: TestCa) {
  const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, ca });
  const items: { challenge: string; response: RegistrationResponseJSON }[] = [];
  for (let i = 0; i < count; i++) {
    const c = challenge();
    const { response } = await auth.createCredential({ challenge: c, alg: -7, attestation: kind });
    items.push({ challenge: c, response });
  }
  return items;
}

/**
 * Runs all pure-verification cases; `log` gets one progress line per case. Assertions use
 * `assertionPlan` (one takes tens of µs, so they need more iterations than registrations).
 */
export async function runPureVerify(plan: Plan, assertionPlan: Plan, log: (s: string) => void): Promise<Result[]> {
  const results: Result[] = [];
  const count = plan.warmup + plan.iterations;

  for (const { alg, label } of ALGS) {
    const { stored, items, bare } = await assertionFixtures(alg, count);
    const exp = (c: string) => ({ challenge: c, origins: ORIGINS, rpId: RP_ID, requireUserVerification: false, credential: stored });
    const cases: [string, (i: number) => Promise<unknown> | void][] = [
      [`verifyAuthentication ${label}`, (i) => {
        const { challenge: c, response } = items[i % items.length]!;
        return verifyAuthentication(response, exp(c));
      }],
      [`verifyAuthentication ${label} (library path)`, (i) => {
        const { challenge: c, response } = items[i % items.length]!;
        return verifyAuthentication(response, exp(c), libraryAssertionSignature);
      }],
      [`crypto.verify ${label} (bare)`, (i) => {
        const { signed, signature } = items[i % items.length]!;
        if (!verify(bare.hash, signed, bare.key, signature)) throw new Error('bench fixture did not verify');
      }],
    ];
    for (const [name, fn] of cases) {
      const r = await measure('pure', name, assertionPlan, async (i) => void (await fn(i)));
      results.push(r);
      log(`  ${r.name}: ${r.n} ops`);
    }
  }

  const ca = await createTestCa();
  for (const kind of ATTESTATIONS) {
    const items = await registrationFixtures(kind, count, ca);
    const r = await measure('pure', `verifyRegistration ${kind}`, plan, async (i) => {
      const { challenge: c, response } = items[i];
      await verifyRegistration(response, {
        challenge: c,
        origins: ORIGINS,
        rpId: RP_ID,
        requireUserVerification: false,
        supportedAlgorithms: algorithmsFor({ allowRs1: true }),
      });
    });
    results.push(r);
    log(`  ${r.name}: ${r.n} ops`);
  }
  return results;
}

/**
 * The assertion figure: per algorithm, µs per verification (mean, p50) of the lean path, the
 * library path and one bare crypto.verify of the same signatures, and lean / bare (target:
 * at most 1.5x) and library / bare.
 */
export function formatAssertionFloor(results: Result[]): string {
  const us = (r: Result | undefined) => (r ? `${(r.meanMs * 1000).toFixed(1)} µs (p50 ${(r.p50Ms * 1000).toFixed(1)})` : 'n/a');
  const ratio = (a: Result | undefined, b: Result | undefined) => (a && b ? `${(a.meanMs / b.meanMs).toFixed(2)}x (p50 ${(a.p50Ms / b.p50Ms).toFixed(2)}x)` : 'n/a');
  const find = (name: string) => results.find((r) => r.group === 'pure' && r.name === name && r.n > 0);
  return ALGS.map(({ label }) => {
    const lean = find(`verifyAuthentication ${label}`);
    const library = find(`verifyAuthentication ${label} (library path)`);
    const bare = find(`crypto.verify ${label} (bare)`);
    return [
      `  ${label}: lean ${us(lean)}, library ${us(library)}, bare crypto.verify ${us(bare)}`,
      `         lean / bare = ${ratio(lean, bare)}${label === 'ES256' ? ' [target <= 1.5x]' : ''}; library / bare = ${ratio(library, bare)}; library / lean = ${ratio(library, lean)}`,
    ].join('\n');
  }).join('\n');
}
