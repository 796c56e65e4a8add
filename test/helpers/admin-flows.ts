/**
 * Shared setup for the issue 8 integration suites (admin policy, admin API, MDS3
 * re-evaluation, one-time links), through the real HTTP app:
 * - `createAdminHarness`: a POLICY_FILE and a TRUST_ANCHORS PEM (the test CA's root, for
 *   `packed`) written to a temp dir, optionally MDS_URL + MDS_ROOT_CERT of a test MDS
 *   (test-mds.ts), and an in-process app whose Deps (policies, trust, metadata) the test
 *   keeps, so it can refresh the metadata service and re-evaluate credentials itself;
 * - `createAdminWithKey`: `createAdmin` (bootstrap-admin.ts) against the harness's deps, then
 *   the admin's key registered through `POST /link/options` + `POST /attestation/result`
 *   with packed-full attestation chained to the configured anchor (AAGUID extension), UV on,
 *   BE off: the returned agent is signed in as that admin.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createAdmin } from '../../server/src/admin/bootstrap-admin.js';
import { buildApp } from '../../server/src/app.js';
import { buildTrust } from '../../server/src/attestation/build-trust.js';
import { loadConfig } from '../../server/src/config/load-config.js';
import type { Deps } from '../../server/src/deps.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import { silentLogger } from '../../server/src/lib/logger.js';
import { secureRandom } from '../../server/src/lib/random.js';
import type { Store } from '../../server/src/storage/ports.js';
import { ORIGIN, signIn, type Agent, type Harness } from './harness.js';
import { withOpenApiCheck } from './openapi-recorder.js';
import { SoftAuthenticator, type AttestationKind, type AuthenticatorFlags, type CreateCredentialOptions } from './soft-authenticator.js';
import type { TestCa } from './test-ca.js';
import { TEST_MDS_AAGUIDS, type TestMds } from './test-mds.js';

export { TEST_MDS_AAGUIDS };

/** A second allowed model (so two admins can hold keys of different models). */
export const SECOND_ALLOWED_AAGUID = '0bb1e1a0-0000-4e1a-9b7e-00000000a002';

/** The admin policy of issue 8's "done when": trusted attestation of an allow-listed model (plus the admin defaults: UV, device-bound). */
export const ADMIN_ALLOW_POLICY = {
  roles: { admin: { aaguidAllow: [TEST_MDS_AAGUIDS.allowed, TEST_MDS_AAGUIDS.revoked, SECOND_ALLOWED_AAGUID] } },
};

export interface AdminHarness extends Harness {
  /** The app's dependencies (the same objects the routes use). */
  deps: Deps;
  ca: TestCa;
  dir: string;
  /** Removes the temp dir. */
  cleanup(): void;
}

export interface AdminHarnessOptions {
  /** POLICY_FILE contents (default ADMIN_ALLOW_POLICY); `null`: no POLICY_FILE (built-in policies). */
  policy?: unknown;
  env?: Record<string, string>;
  /** A test MDS: MDS_URL = its blob URL, MDS_ROOT_CERT = its root. The service is not started (call `deps.metadata.refresh()`). */
  mds?: TestMds;
  ca: TestCa;
}

export function createAdminHarness(store: Store, o: AdminHarnessOptions): AdminHarness {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-admin-'));
  const env: Record<string, string> = {};
  if (o.policy !== null) {
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(o.policy ?? ADMIN_ALLOW_POLICY));
    env.POLICY_FILE = join(dir, 'policy.json');
  }
  writeFileSync(join(dir, 'anchors.pem'), o.ca.rootPem);
  env.TRUST_ANCHORS = `packed:${join(dir, 'anchors.pem')}`;
  if (o.mds) {
    writeFileSync(join(dir, 'mds-root.pem'), o.mds.rootPem);
    env.MDS_URL = o.mds.blobUrl;
    env.MDS_ROOT_CERT = join(dir, 'mds-root.pem');
  }
  const config = loadConfig({
    NODE_ENV: 'test',
    RP_ID: 'localhost',
    RP_ORIGINS: ORIGIN,
    SESSION_SECRET: 'test-secret-test-secret-test-secret!',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
    ...o.env,
  });
  const clock = new FixedClock(Date.now());
  const base = { config, store, clock, random: secureRandom, logger: silentLogger };
  const deps: Deps = { ...base, ...buildTrust(config, { store, clock, logger: silentLogger }) };
  const app = withOpenApiCheck(buildApp(deps, { demoDir: null }), config);
  return {
    app,
    store,
    clock,
    config,
    deps,
    ca: o.ca,
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    agent: () => request.agent(app),
    authenticator: (a = {}) => new SoftAuthenticator({ rpId: a.rpId ?? 'localhost', origin: a.origin ?? ORIGIN, aaguid: a.aaguid, ca: o.ca }),
  };
}

/** The secret of a one-time link (`<origin>/#link=<secret>`). */
export function linkSecret(url: string): string {
  const secret = url.split('#link=')[1];
  if (!secret) throw new Error(`not a keygate link: ${url}`);
  return secret;
}

/** A key of model `aaguid` whose packed-full attestation chains to the harness's anchor. */
export function keyOf(h: AdminHarness, aaguid: string = TEST_MDS_AAGUIDS.allowed): SoftAuthenticator {
  return h.authenticator({ aaguid });
}

export interface LinkRegistrationOptions {
  attestation?: AttestationKind;
  flags?: AuthenticatorFlags;
  credential?: Omit<CreateCredentialOptions, 'challenge' | 'userHandle' | 'attestation' | 'flags'>;
}

/** POST /link/options with the link's secret. */
export function linkOptions(agent: Agent, secret: string) {
  return agent.post('/link/options').send({ link: secret, attestation: 'direct', authenticatorSelection: { userVerification: 'required', residentKey: 'discouraged' } });
}

/** POST /link/options then POST /attestation/result (default: packed-full, UV on, BE off). */
export async function registerThroughLink(agent: Agent, secret: string, auth: SoftAuthenticator, o: LinkRegistrationOptions = {}) {
  const options = await linkOptions(agent, secret);
  if (options.status !== 200) return { options, result: options, credentialId: undefined as string | undefined };
  const { credential, response } = await auth.createCredential({
    challenge: options.body.challenge,
    userHandle: options.body.user.id,
    attestation: o.attestation ?? 'packed-full',
    flags: { uv: true, be: false, ...o.flags },
    ...o.credential,
  });
  const result = await agent.post('/attestation/result').send(response);
  return { options, result, credentialId: credential.id as string | undefined, response };
}

function expectOk(res: request.Response, what: string): request.Response {
  if (res.status !== 200) throw new Error(`${what}: expected 200, got ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

/**
 * `createAdmin(deps, username)`, then the admin's key (model `aaguid`, default the allowed
 * one) registered through the link: the agent is signed in as the admin.
 */
export async function createAdminWithKey(h: AdminHarness, username: string, aaguid: string = TEST_MDS_AAGUIDS.allowed) {
  const { userId, link } = await createAdmin(h.deps, username);
  const agent = h.agent();
  const auth = keyOf(h, aaguid);
  const reg = await registerThroughLink(agent, linkSecret(link.url), auth);
  expectOk(reg.result, `registering ${username}'s admin key through the link`);
  return { agent, auth, userId, credentialId: reg.credentialId!, link };
}

/** A fresh sign-in (UV) of `username` with `auth`, on a new agent unless given one. */
export async function signInWith(h: Harness, username: string, auth: SoftAuthenticator, o: { agent?: Agent; credentialId?: string } = {}) {
  const agent = o.agent ?? h.agent();
  const res = await signIn(agent, auth, { username, userVerification: 'required', assertion: { credentialId: o.credentialId } });
  return { agent, ...res };
}

/** Audit events of `type` (optionally of `userId`), oldest first, read from the store. */
export async function auditEvents(h: Harness, type: string, userId?: string) {
  const events = await h.store.audit.list({ type, userId, limit: 100, now: h.clock.now() });
  return [...events].reverse();
}
