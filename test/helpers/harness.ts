/**
 * An in-process keygate for integration tests: `buildApp()` on a given store with a
 * settable clock, plus the two ceremonies driven end to end through supertest with a
 * software authenticator. Every test talks to the real HTTP app, and every reply it gets is
 * checked against the OpenAPI document (openapi-recorder.ts; the test fails after it ends
 * if one is undocumented).
 */
import type { MessageDelivery } from '../../server/src/delivery/message-delivery.js';
import request from 'supertest';
import type { Express } from 'express';
import { buildApp } from '../../server/src/app.js';
import type { Config } from '../../server/src/config/config-schema.js';
import { loadConfig } from '../../server/src/config/load-config.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import { silentLogger } from '../../server/src/lib/logger.js';
import { secureRandom } from '../../server/src/lib/random.js';
import type { Store } from '../../server/src/storage/ports.js';
import { withOpenApiCheck } from './openapi-recorder.js';
import { SoftAuthenticator, type CreateCredentialOptions, type GetAssertionOptions } from './soft-authenticator.js';
import type { TestCa } from './test-ca.js';

export const ORIGIN = 'http://localhost:3000';
export type Agent = ReturnType<typeof request.agent>;

export interface Harness {
  app: Express;
  store: Store;
  clock: FixedClock;
  config: Config;
  agent(): Agent;
  authenticator(opts?: { aaguid?: string; origin?: string; rpId?: string }): SoftAuthenticator;
}

export function createHarness(store: Store, opts: { env?: Record<string, string>; ca?: TestCa; delivery?: MessageDelivery } = {}): Harness {
  const config = loadConfig({
    NODE_ENV: 'test',
    RP_ID: 'localhost',
    RP_ORIGINS: ORIGIN,
    SESSION_SECRET: 'test-secret-test-secret-test-secret!',
    // On, but out of the way: every request still goes through the limiter and its store.
    RATE_LIMIT_PER_MINUTE: '100000',
    ...opts.env,
  });
  const clock = new FixedClock(Date.now());
  const app = withOpenApiCheck(buildApp({ config, store, clock, random: secureRandom, logger: silentLogger, ...(opts.delivery ? { delivery: opts.delivery } : {}) }, { demoDir: null }), config);
  return {
    app,
    store,
    clock,
    config,
    agent: () => request.agent(app),
    authenticator: (o = {}) => new SoftAuthenticator({ rpId: o.rpId ?? 'localhost', origin: o.origin ?? ORIGIN, aaguid: o.aaguid, ca: opts.ca }),
  };
}

export interface RegisterOptions {
  username?: string;
  displayName?: string;
  attestation?: 'none' | 'direct';
  userVerification?: 'required' | 'preferred' | 'discouraged';
  residentKey?: 'discouraged' | 'preferred' | 'required';
  credential?: Omit<CreateCredentialOptions, 'challenge'>;
}

/** attestation/options then attestation/result; returns both replies and the new credential. */
export async function register(agent: Agent, auth: SoftAuthenticator, o: RegisterOptions = {}) {
  const options = await agent
    .post('/attestation/options')
    .send({
      username: o.username ?? 'alice',
      displayName: o.displayName ?? 'Alice',
      attestation: o.attestation ?? 'direct',
      authenticatorSelection: { userVerification: o.userVerification ?? 'preferred', residentKey: o.residentKey ?? 'discouraged' },
    });
  if (options.status !== 200) return { options, result: options, credentialId: undefined as string | undefined };
  const { credential, response } = await auth.createCredential({
    challenge: options.body.challenge,
    userHandle: options.body.user.id,
    attestation: 'packed-self',
    ...o.credential,
  });
  const result = await agent.post('/attestation/result').send(response);
  return { options, result, credentialId: credential.id, response };
}

export interface SignInOptions {
  username?: string;
  userVerification?: 'required' | 'preferred' | 'discouraged';
  assertion?: Omit<GetAssertionOptions, 'challenge'>;
}

/** assertion/options then assertion/result. */
export async function signIn(agent: Agent, auth: SoftAuthenticator, o: SignInOptions = {}) {
  const options = await agent.post('/assertion/options').send({ username: o.username ?? 'alice', userVerification: o.userVerification ?? 'preferred' });
  if (options.status !== 200) return { options, result: options, response: undefined };
  const response = await auth.getAssertion({ challenge: options.body.challenge, ...o.assertion });
  const result = await agent.post('/assertion/result').send(response);
  return { options, result, response };
}
