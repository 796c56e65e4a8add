/**
 * Second-factor flows for integration tests, through the real HTTP app: password sign-up
 * with a TOTP app or a key as its first second factor, password then TOTP / key / recovery
 * code, and the small requests they are made of. TOTP codes are computed with the server's
 * own `totpCode` at the harness's FixedClock time (never the wall clock).
 *
 * Helpers that set something up throw a descriptive Error when a step does not answer as
 * expected (so a broken flow fails at the step that broke, with the reply body); helpers
 * named after ONE request just return the supertest reply for the test to judge.
 */
import type { Response } from 'supertest';
import { totpCode } from '../../server/src/factors/totp/totp-code.js';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness, register, signIn, type Agent, type Harness } from './harness.js';
import type { AuthenticatorFlags, SoftAuthenticator } from './soft-authenticator.js';

export const PASSWORD = 'correct horse battery staple';
export const STEP_MS = 30_000;

/** keygate's acr values (policy/sign-in-proof.ts), spelled out so a renamed one fails here. */
export const ACR = {
  sf: 'urn:keygate:acr:sf',
  recovery: 'urn:keygate:acr:recovery',
  mfa: 'urn:keygate:acr:mfa',
  phr: 'urn:keygate:acr:phr',
} as const;

/**
 * What loadConfig needs to accept NODE_ENV=production for an in-process app (the injected
 * store makes MONGODB_URI unused): replies then carry no developer `detail`, as in production.
 * Unknown keys are ignored by loadConfig, so keys of features not built yet are harmless.
 */
export const PRODUCTION_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  MONGODB_URI: 'mongodb://127.0.0.1:1/unused',
  DATA_KEYS: `prod:${Buffer.alloc(32, 5).toString('base64')}`,
  HMAC_SECRET: 'production-hmac-secret-production-hmac-secret',
  TOKEN_ISSUER: 'https://login.example.com',
};

/** A harness with PASSWORD_LOGIN on (plus `env`). */
export function passwordHarness(store: Store, env: Record<string, string> = {}): Harness {
  return createHarness(store, { env: { PASSWORD_LOGIN: 'true', ...env } });
}

/** The TOTP code `steps` time steps away from the harness clock's now, as an authenticator app would show it. */
export function codeAt(h: Harness, secret: string, steps = 0): string {
  return totpCode(secret, new Date(h.clock.now().getTime() + steps * STEP_MS));
}

/** Moves the clock into the next time step (so a fresh, never-used code exists). */
export function nextStep(h: Harness): void {
  h.clock.advance(STEP_MS);
}

/** Throws unless `res` has `status`; the message names the step and shows the reply. */
export function expectStatus(res: Response, status: number, what: string): Response {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

// One request each: the reply, for the test to judge.
export const signUpRequest = (agent: Agent, username: string, password = PASSWORD) => agent.post('/signup/password').send({ username, password });
export const passwordRequest = (agent: Agent, username: string, password = PASSWORD) => agent.post('/login/password').send({ username, password });
export const totpRequest = (agent: Agent, code: string) => agent.post('/login/totp').send({ code });
export const recoveryCodeRequest = (agent: Agent, code: string) => agent.post('/login/recovery-code').send({ code });
export const sessionOf = async (agent: Agent) => (await agent.get('/session')).body;

export async function userIdOf(h: Harness, username: string): Promise<string> {
  const user = await h.store.users.findByUsername(username);
  if (!user) throw new Error(`no user ${username}`);
  return user.id;
}

/**
 * Enrols and confirms an authenticator app from `agent` (a sign-up's enrolment session, or a
 * signed-in session within its step-up window). The confirming code's step counts as used:
 * call {@link nextStep} before signing in with TOTP in the same step.
 */
export async function addTotp(h: Harness, agent: Agent): Promise<{ secret: string; enrol: Response; confirm: Response }> {
  const enrol = expectStatus(await agent.post('/account/totp').send({}), 200, 'POST /account/totp');
  const secret = enrol.body.secret as string;
  const confirm = expectStatus(await agent.post('/account/totp/confirm').send({ code: codeAt(h, secret) }), 200, 'POST /account/totp/confirm');
  return { secret, enrol, confirm };
}

/** POST /signup/password, then enrol and confirm TOTP: the returned agent is signed in (pwd + otp). */
export async function signUpWithTotp(h: Harness, username = 'alice', password = PASSWORD) {
  const agent = h.agent();
  const signup = expectStatus(await signUpRequest(agent, username, password), 200, 'POST /signup/password');
  const { secret, enrol, confirm } = await addTotp(h, agent);
  return { agent, secret, signup, enrol, confirm, userId: await userIdOf(h, username) };
}

/**
 * POST /signup/password, then register a key from the enrolment session: the returned agent
 * is signed in (pwd + key). `flags` are the registration's authenticator flags (default UP+UV:
 * the key then also signs in passwordless).
 */
export async function signUpWithKey(h: Harness, username = 'alice', o: { password?: string; auth?: SoftAuthenticator; flags?: AuthenticatorFlags } = {}) {
  const agent = h.agent();
  const auth = o.auth ?? h.authenticator();
  expectStatus(await signUpRequest(agent, username, o.password ?? PASSWORD), 200, 'POST /signup/password');
  const reg = await register(agent, auth, { username, credential: { flags: o.flags } });
  expectStatus(reg.result, 200, 'key enrolment (/attestation/result)');
  return { agent, auth, credentialId: reg.credentialId!, userId: reg.options.body.user.id as string, registration: reg };
}

/**
 * Password, then a TOTP code (by default the next step's code after moving the clock one
 * step on, so it is never one used before). Returns both replies; the agent is signed in
 * when `totp.status` is 200.
 */
export async function passwordThenTotp(h: Harness, username: string, secret: string, o: { password?: string; agent?: Agent; advance?: boolean } = {}) {
  const agent = o.agent ?? h.agent();
  if (o.advance !== false) nextStep(h);
  const password = expectStatus(await passwordRequest(agent, username, o.password ?? PASSWORD), 200, 'POST /login/password');
  const totp = await totpRequest(agent, codeAt(h, secret));
  return { agent, password, totp };
}

/** Password, then a key as second factor (default: UP only, asking `discouraged`). */
export async function passwordThenKey(h: Harness, username: string, auth: SoftAuthenticator, credentialId: string, o: { password?: string; agent?: Agent; uv?: boolean; userVerification?: 'required' | 'preferred' | 'discouraged' } = {}) {
  const agent = o.agent ?? h.agent();
  const password = expectStatus(await passwordRequest(agent, username, o.password ?? PASSWORD), 200, 'POST /login/password');
  const key = await signIn(agent, auth, { username, userVerification: o.userVerification ?? 'discouraged', assertion: { credentialId, flags: { uv: o.uv ?? false } } });
  return { agent, password, options: key.options, result: key.result };
}

/** Password, then a recovery code. */
export async function passwordThenRecoveryCode(h: Harness, username: string, code: string, o: { password?: string; agent?: Agent } = {}) {
  const agent = o.agent ?? h.agent();
  const password = expectStatus(await passwordRequest(agent, username, o.password ?? PASSWORD), 200, 'POST /login/password');
  const recovery = await recoveryCodeRequest(agent, code);
  return { agent, password, recovery };
}

/** POST /account/recovery-codes from a signed-in, stepped-up `agent`: the new codes. */
export async function generateRecoveryCodes(agent: Agent): Promise<string[]> {
  const res = expectStatus(await agent.post('/account/recovery-codes').send({}), 200, 'POST /account/recovery-codes');
  return res.body.codes as string[];
}

/** `n` agents, each holding a half sign-in of `username` (password given, second factor pending). Sequential: argon2 costs. */
export async function halfSignedIn(h: Harness, username: string, n: number, password = PASSWORD): Promise<Agent[]> {
  const agents: Agent[] = [];
  for (let i = 0; i < n; i++) {
    const agent = h.agent();
    expectStatus(await passwordRequest(agent, username, password), 200, `POST /login/password #${i}`);
    agents.push(agent);
  }
  return agents;
}
