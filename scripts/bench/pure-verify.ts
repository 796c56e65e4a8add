/**
 * Pure verification benchmarks (no HTTP, no store): keygate's `verifyAuthentication` for
 * ES256 / EdDSA / RS256 credentials and `verifyRegistration` for the attestation formats
 * none / packed-self / packed-full / fido-u2f.
 *
 * Every response is generated BEFORE timing by the test suite's SoftAuthenticator, one per
 * iteration, each over its own random challenge (the verifier is given that challenge).
 * Assertions come from one credential per algorithm with a growing counter, verified
 * against a stored counter of 0, so the counter check passes for all of them. Registrations
 * use ES256 credentials; packed-full and fido-u2f share one test CA and attestation cert per
 * format (as a real model of authenticator would), and are not chained to a root (keygate
 * configures no roots for these formats, so the library skips path validation).
 */
import { randomBytes } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
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

async function assertionFixtures(alg: CoseAlg, count: number) {
  const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
  const { credential } = await auth.createCredential({ challenge: challenge(), alg, attestation: 'none' });
  const items: { challenge: string; response: AuthenticationResponseJSON }[] = [];
  for (let i = 0; i < count; i++) {
    const c = challenge();
    items.push({ challenge: c, response: await auth.getAssertion({ challenge: c, credentialId: credential.id }) });
  }
  return { stored: { id: credential.id, publicKey: credential.publicKeyCose, counter: 0 }, items };
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

/** Runs all pure-verification cases; `log` gets one progress line per case. */
export async function runPureVerify(plan: Plan, log: (s: string) => void): Promise<Result[]> {
  const results: Result[] = [];
  const count = plan.warmup + plan.iterations;

  for (const { alg, label } of ALGS) {
    const { stored, items } = await assertionFixtures(alg, count);
    const r = await measure('pure', `verifyAuthentication ${label}`, plan, async (i) => {
      const { challenge: c, response } = items[i];
      await verifyAuthentication(response, { challenge: c, origins: ORIGINS, rpId: RP_ID, requireUserVerification: false, credential: stored });
    });
    results.push(r);
    log(`  ${r.name}: ${r.n} ops`);
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
