/**
 * Lockout of guessable secrets (password, TOTP, recovery codes), counted in the store:
 * LOCKOUT_THRESHOLD failures per account then 429 `locked_out` with Retry-After, a delay
 * that doubles with each lockout, at most the threshold of any number of parallel guesses
 * ever checked, unknown usernames locked exactly like known ones, a much higher per-IP
 * threshold (one office behind a NAT is not locked out by a few typos), the counter
 * forgotten only when a sign-in completes, and WebAuthn never locked out.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import type { Store } from '../../server/src/storage/ports.js';
import { StoreUnavailableError } from '../../server/src/errors/keygate-error.js';
import { signIn, type Agent, type Harness } from '../helpers/harness.js';
import {
  PASSWORD,
  codeAt,
  generateRecoveryCodes,
  passwordThenRecoveryCode,
  halfSignedIn,
  nextStep,
  PRODUCTION_ENV,
  passwordHarness,
  passwordRequest,
  passwordThenTotp,
  recoveryCodeRequest,
  signUpRequest,
  signUpWithKey,
  signUpWithTotp,
  totpRequest,
} from '../helpers/second-factor-flows.js';
import { testStores } from '../helpers/test-stores.js';

const WRONG = 'not the password at all';

const outcome = (r: Response) => (r.status === 429 ? `429 ${r.body.code} ${r.body.retryAfterSeconds}` : `${r.status} ${r.body.code ?? 'ok'}`);

describe.each(testStores().map((f) => [f.name, f] as const))('lockout on the %s store', (_name, factory) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const open = async (env: Record<string, string> = {}): Promise<Harness> => {
    store = await factory.open();
    return passwordHarness(store, env);
  };
  const wrongPasswords = async (h: Harness, username: string, n: number, agent: Agent = h.agent()) => {
    const out: Response[] = [];
    for (let i = 0; i < n; i++) out.push(await passwordRequest(agent, username, WRONG));
    return out;
  };

  it('locks the account after LOCKOUT_THRESHOLD failures: 429 locked_out with Retry-After, even for the right password, until it passes', async () => {
    const h = await open({ LOCKOUT_THRESHOLD: '3' });
    await signUpWithTotp(h, 'alice');
    expect((await wrongPasswords(h, 'alice', 3)).map(outcome)).toEqual(['401 invalid_credentials', '401 invalid_credentials', '401 invalid_credentials']);
    const locked = await passwordRequest(h.agent(), 'alice');
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ status: 'failed', code: 'locked_out', retryAfterSeconds: 60 });
    expect(locked.headers['retry-after']).toBe('60');
    h.clock.advance(20_000);
    const later = await passwordRequest(h.agent(), 'alice');
    expect([later.body.retryAfterSeconds, later.headers['retry-after']]).toEqual([40, '40']);
    h.clock.advance(40_000);
    expect((await passwordRequest(h.agent(), 'alice')).status).toBe(200);
    const events = await store!.audit.list({ type: 'lockout.locked', limit: 5 });
    expect(events[0]).toMatchObject({ outcome: 'failure', code: 'locked_out', data: { key: 'account' } });
  });

  it('a locked account cannot complete a half sign-in opened before the lockout either', async () => {
    const h = await open({ LOCKOUT_THRESHOLD: '3' });
    const { secret } = await signUpWithTotp(h, 'alice');
    nextStep(h);
    const [pending] = await halfSignedIn(h, 'alice', 1);
    await wrongPasswords(h, 'alice', 3);
    const res = await totpRequest(pending!, codeAt(h, secret));
    expect([res.status, res.body.code]).toEqual([429, 'locked_out']);
  });

  it('each further lockout lasts twice as long, up to LOCKOUT_MAX_SECONDS', async () => {
    const h = await open({ LOCKOUT_THRESHOLD: '2', LOCKOUT_BASE_SECONDS: '60', LOCKOUT_MAX_SECONDS: '200' });
    await signUpWithTotp(h, 'alice');
    const seen: number[] = [];
    for (let round = 0; round < 4; round++) {
      expect((await wrongPasswords(h, 'alice', 2)).map((r) => r.status)).toEqual([401, 401]);
      const locked = await passwordRequest(h.agent(), 'alice', WRONG);
      expect(locked.status).toBe(429);
      seen.push(locked.body.retryAfterSeconds);
      h.clock.advance(locked.body.retryAfterSeconds * 1000);
    }
    expect(seen).toEqual([60, 120, 200, 200]);
  });

  it('of 20 parallel wrong passwords at most LOCKOUT_THRESHOLD are checked (401); the rest are 429', async () => {
    const h = await open();
    await signUpWithTotp(h, 'alice');
    const results = await Promise.all(Array.from({ length: 20 }, () => passwordRequest(h.agent(), 'alice', WRONG)));
    const checked = results.filter((r) => r.status === 401);
    expect(checked.length).toBeGreaterThanOrEqual(1);
    expect(checked.length).toBeLessThanOrEqual(h.config.lockoutThreshold);
    for (const r of checked) expect(r.body.code).toBe('invalid_credentials');
    for (const r of results.filter((x) => x.status !== 401)) expect([r.status, r.body.code]).toEqual([429, 'locked_out']);
    expect((await passwordRequest(h.agent(), 'alice')).status).toBe(429);
  });

  it('of 20 parallel wrong TOTP codes (from 20 half sign-ins) at most LOCKOUT_THRESHOLD are checked', async () => {
    const h = await open();
    const { secret } = await signUpWithTotp(h, 'alice');
    nextStep(h);
    const agents = await halfSignedIn(h, 'alice', 20);
    const right = codeAt(h, secret);
    const wrong = right === '999999' ? '999998' : '999999';
    const results = await Promise.all(agents.map((a) => totpRequest(a, wrong)));
    const checked = results.filter((r) => r.status === 401);
    expect(checked.length).toBeGreaterThanOrEqual(1);
    expect(checked.length).toBeLessThanOrEqual(h.config.lockoutThreshold);
    for (const r of checked) expect(r.body.code).toBe('invalid_code');
    for (const r of results.filter((x) => x.status !== 401)) expect([r.status, r.body.code]).toEqual([429, 'locked_out']);
    // Locked now: even the right code on a still-open half sign-in is refused.
    expect((await totpRequest(agents[0]!, right)).body.code).toBe('locked_out');
  });

  it('a TOTP or recovery-code check that a store fault cuts short gives its reservation back: more faults than the threshold lock nothing out', async () => {
    const h = await open({ LOCKOUT_THRESHOLD: '3' });
    const { agent: signedIn, secret } = await signUpWithTotp(h, 'alice');
    const codes = await generateRecoveryCodes(signedIn);
    const fault = () => Promise.reject(new StoreUnavailableError('injected: the store went away mid-check'));
    // TOTP: the step's compare-and-set fails, 4 times (threshold 3): each 503, none locks.
    const useStep = h.store.totp.useStep;
    h.store.totp.useStep = fault;
    for (let i = 0; i < 4; i++) expect(outcome((await passwordThenTotp(h, 'alice', secret)).totp)).toBe('503 store_unavailable');
    h.store.totp.useStep = useStep;
    // Recovery codes: the code is consumed, then completing the sign-in fails, 4 times.
    const take = h.store.signInAttempts.take;
    h.store.signInAttempts.take = fault;
    for (let i = 0; i < 4; i++) expect(outcome((await passwordThenRecoveryCode(h, 'alice', codes[i]!)).recovery)).toBe('503 store_unavailable');
    h.store.signInAttempts.take = take;
    // Had any reservation stayed, the account would be locked out by now.
    expect(outcome((await passwordThenTotp(h, 'alice', secret)).totp)).toBe('200 ok');
  });

  it('of 20 parallel wrong recovery codes at most LOCKOUT_THRESHOLD are checked', async () => {
    const h = await open();
    await signUpWithTotp(h, 'alice');
    const agents = await halfSignedIn(h, 'alice', 20);
    const results = await Promise.all(agents.map((a, i) => recoveryCodeRequest(a, `AAAA-AAAA-${String(1000 + i).replace(/[^0-9]/g, '')}`)));
    const checked = results.filter((r) => r.status === 401);
    expect(checked.length).toBeLessThanOrEqual(h.config.lockoutThreshold);
    for (const r of results.filter((x) => x.status !== 401)) expect([r.status, r.body.code]).toEqual([429, 'locked_out']);
  });

  it('someone who knows the password gets at most LOCKOUT_THRESHOLD TOTP guesses, however many half sign-ins they open', async () => {
    const h = await open({ LOCKOUT_THRESHOLD: '3' });
    const { secret } = await signUpWithTotp(h, 'alice');
    nextStep(h);
    const wrong = codeAt(h, secret) === '123456' ? '654321' : '123456';
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const agent = h.agent();
      const pw = await passwordRequest(agent, 'alice');
      outcomes.push(`pw ${outcome(pw)}`);
      if (pw.status !== 200) continue;
      outcomes.push(`totp ${outcome(await totpRequest(agent, wrong))}`);
    }
    expect(outcomes).toEqual([
      'pw 200 ok', 'totp 401 invalid_code',
      'pw 200 ok', 'totp 401 invalid_code',
      'pw 200 ok', 'totp 401 invalid_code',
      'pw 429 locked_out 60', 'pw 429 locked_out 60',
    ]);
  });

  it('an unknown username locks out exactly like a known one (byte-identical replies in production)', async () => {
    const h = await open({ ...PRODUCTION_ENV, LOCKOUT_THRESHOLD: '3' });
    await signUpWithTotp(h, 'alice');
    const known = await wrongPasswords(h, 'alice', 5);
    const unknown = await wrongPasswords(h, 'ghost', 5);
    expect(known.map(outcome)).toEqual(['401 invalid_credentials', '401 invalid_credentials', '401 invalid_credentials', '429 locked_out 60', '429 locked_out 60']);
    expect(unknown.map(outcome)).toEqual(known.map(outcome));
    for (let i = 0; i < known.length; i++) {
      expect(unknown[i]!.text).toBe(known[i]!.text);
      expect(unknown[i]!.headers['retry-after']).toBe(known[i]!.headers['retry-after']);
    }
  });

  it('one office behind one IP: a few failures of many users do not lock the others out (LOCKOUT_IP_THRESHOLD)', async () => {
    const h = await open({ LOCKOUT_THRESHOLD: '3' });
    const users = Array.from({ length: 12 }, (_, i) => `staff${i}`);
    for (const u of users) await signUpRequest(h.agent(), u);
    for (const u of users) expect((await wrongPasswords(h, u, 2)).map((r) => r.status)).toEqual([401, 401]);
    // 24 failures from 127.0.0.1, under the default LOCKOUT_IP_THRESHOLD of 100:
    for (const u of users) expect([u, (await passwordRequest(h.agent(), u)).status]).toEqual([u, 200]);
  });

  it('per IP: over LOCKOUT_IP_THRESHOLD that client (X-Forwarded-For with TRUST_PROXY) is locked out, other clients are not', async () => {
    const h = await open({ LOCKOUT_THRESHOLD: '3', LOCKOUT_IP_THRESHOLD: '6', TRUST_PROXY: '1' });
    const users = ['u1', 'u2', 'u3', 'u4'];
    for (const u of users) await signUpRequest(h.agent(), u);
    const from = (ip: string, username: string, password: string) => h.agent().post('/login/password').set('X-Forwarded-For', ip).send({ username, password });
    for (const u of ['u1', 'u2', 'u3']) {
      for (let i = 0; i < 2; i++) expect((await from('203.0.113.7', u, WRONG)).status).toBe(401);
    }
    const blocked = await from('203.0.113.7', 'u4', PASSWORD);
    expect([blocked.status, blocked.body.code]).toEqual([429, 'locked_out']);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect((await from('198.51.100.20', 'u4', PASSWORD)).status).toBe(200);
    expect((await from('198.51.100.20', 'u1', PASSWORD)).status).toBe(200);
    const ipEvents = (await store!.audit.list({ type: 'lockout.locked', limit: 10 })).filter((e) => (e.data as { key?: string })?.key === 'ip');
    expect(ipEvents).toHaveLength(1);
  });

  it('without TRUST_PROXY a forged X-Forwarded-For does not give a client a fresh IP budget', async () => {
    const h = await open({ LOCKOUT_THRESHOLD: '100', LOCKOUT_IP_THRESHOLD: '4' });
    await signUpRequest(h.agent(), 'alice');
    for (let i = 0; i < 4; i++) {
      const res = await h.agent().post('/login/password').set('X-Forwarded-For', `198.51.100.${i + 1}`).send({ username: 'alice', password: WRONG });
      expect(res.status).toBe(401);
    }
    const res = await h.agent().post('/login/password').set('X-Forwarded-For', '192.0.2.99').send({ username: 'alice', password: PASSWORD });
    expect([res.status, res.body.code]).toEqual([429, 'locked_out']);
  });

  it('a completed sign-in forgets the account\'s failures; a correct password alone does not', async () => {
    const h = await open({ LOCKOUT_THRESHOLD: '3' });
    const { secret } = await signUpWithTotp(h, 'alice');
    await wrongPasswords(h, 'alice', 2);
    expect((await passwordThenTotp(h, 'alice', secret)).totp.status).toBe(200);
    // Forgotten: three more failures are checked before the lock.
    expect((await wrongPasswords(h, 'alice', 4)).map((r) => r.status)).toEqual([401, 401, 401, 429]);

    h.clock.advance(10 * 60_000);
    expect((await passwordThenTotp(h, 'alice', secret)).totp.status).toBe(200);
    await wrongPasswords(h, 'alice', 2);
    // The right password alone is no completion: the next failure is the third.
    expect((await passwordRequest(h.agent(), 'alice')).status).toBe(200);
    expect((await passwordRequest(h.agent(), 'alice', WRONG)).status).toBe(401);
    expect((await passwordRequest(h.agent(), 'alice')).status).toBe(429);
  });

  it('never locks out a passkey sign-in: password failures do not stop the key', async () => {
    const h = await open({ LOCKOUT_THRESHOLD: '3' });
    const { auth, credentialId } = await signUpWithKey(h, 'alice'); // UV key: signs in passwordless
    await wrongPasswords(h, 'alice', 3);
    expect((await passwordRequest(h.agent(), 'alice')).status).toBe(429);
    const agent = h.agent();
    const res = await signIn(agent, auth, { username: 'alice', assertion: { credentialId } });
    expect(res.result.status).toBe(200);
    expect((await agent.get('/account/me')).status).toBe(200);
    // Usernameless too.
    expect((await signIn(h.agent(), auth, { username: '', assertion: { credentialId } })).result.status).toBe(200);
  });
});
