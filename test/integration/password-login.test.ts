/**
 * Passwords as an optional FIRST factor: off unless PASSWORD_LOGIN=true; NIST length rules
 * at sign-up; one reply for "no such user" and "wrong password"; a correct password alone
 * never signs in; a sign-up's session may only enrol its first second factor; someone with
 * only the password of an account that has a key can neither enrol their own factor nor
 * register their own key.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness, register, type Agent, type Harness } from '../helpers/harness.js';
import {
  addTotp,
  codeAt,
  generateRecoveryCodes,
  nextStep,
  PRODUCTION_ENV,
  passwordHarness,
  passwordRequest,
  passwordThenTotp,
  sessionOf,
  signUpRequest,
  signUpWithKey,
  signUpWithTotp,
  totpRequest,
} from '../helpers/second-factor-flows.js';
import { testStores } from '../helpers/test-stores.js';


describe.each(testStores().map((f) => [f.name, f] as const))('password sign-in on the %s store', (_name, factory) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const open = async (env: Record<string, string> = {}): Promise<Harness> => {
    store = await factory.open();
    return passwordHarness(store, env);
  };
  /** Every account call a half-signed-in session must NOT reach, with what it answers. */
  const expectNotSignedIn = async (agent: Agent) => {
    for (const res of [
      await agent.get('/account/me'),
      await agent.get('/account/credentials'),
      await agent.post('/account/recovery-codes').send({}),
      await agent.put('/account/password').send({ newPassword: 'another long password' }),
      await agent.delete('/account/totp'),
    ]) {
      expect([res.status, res.body.code]).toEqual([401, 'not_signed_in']);
    }
    expect((await sessionOf(agent)).signedIn).toBe(false);
  };

  it('is off by default: 403 password_login_disabled on /login/password, /signup/password and PUT /account/password', async () => {
    store = await factory.open();
    const h = createHarness(store);
    const agent = h.agent();
    for (const res of [await passwordRequest(agent, 'alice'), await signUpRequest(agent, 'alice')]) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('password_login_disabled');
    }
    expect(await store.users.findByUsername('alice')).toBeUndefined();
    expect((await sessionOf(agent)).passwordLogin).toBe(false);
    // A signed-in passkey user cannot set a password either.
    await register(agent, h.authenticator(), { username: 'bob' });
    const set = await agent.put('/account/password').send({ newPassword: 'a perfectly long password' });
    expect([set.status, set.body.code]).toEqual([403, 'password_login_disabled']);
    expect(await store.passwords.get((await store.users.findByUsername('bob'))!.id)).toBeUndefined();
  });

  it.each([
    ['7 characters', 'abcdefg', false],
    ['8 characters', 'abcdefgh', true],
    ['128 characters', 'x'.repeat(128), true],
    ['129 characters', 'x'.repeat(129), false],
    ['no composition rules: one repeated letter', 'aaaaaaaa', true],
    ['8 UTF-16 units but 4 code points', '😀😀😀😀', false],
    ['8 code points of 2 UTF-16 units each', '😀'.repeat(8), true],
    ['the username, other case', 'CAROL-SMITH', false],
    ['the username, same case', 'carol-smith', false],
  ])('sign-up password rule: %s', async (_what, password, ok) => {
    const h = await open();
    const res = await signUpRequest(h.agent(), 'Carol-Smith', password);
    if (ok) {
      expect(res.status).toBe(200);
      expect(res.body.next).toEqual(['enrol']);
    } else {
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('weak_password');
      expect(await store!.users.findByUsername('carol-smith')).toBeUndefined();
    }
  });

  it('normalises passwords (NFKC) the same way at sign-up and sign-in', async () => {
    const h = await open();
    expect((await signUpRequest(h.agent(), 'alice', 'ｆｕｌｌｗｉｄｔｈ１２')).status).toBe(200);
    expect((await passwordRequest(h.agent(), 'alice', 'fullwidth12')).status).toBe(200);
  });

  it('refuses a taken username at sign-up and leaves that account as it was', async () => {
    const h = await open();
    await signUpWithTotp(h, 'alice');
    await register(h.agent(), h.authenticator(), { username: 'bob' });
    for (const username of ['alice', 'ALICE', 'bob']) {
      const res = await signUpRequest(h.agent(), username, 'the attacker password');
      expect([res.status, res.body.code]).toEqual([409, 'username_taken']);
    }
    expect((await passwordRequest(h.agent(), 'alice')).status).toBe(200);
    expect((await passwordRequest(h.agent(), 'alice', 'the attacker password')).body.code).toBe('invalid_credentials');
    expect((await passwordRequest(h.agent(), 'bob', 'the attacker password')).body.code).toBe('invalid_credentials');
  });

  it('answers an unknown user, a wrong password and a passkey-only account byte-identically in production (401 invalid_credentials)', async () => {
    const h = await open(PRODUCTION_ENV);
    await signUpWithTotp(h, 'alice');
    await register(h.agent(), h.authenticator(), { username: 'bob' });
    const replies = [await passwordRequest(h.agent(), 'nobody', 'wrong password!'), await passwordRequest(h.agent(), 'alice', 'wrong password!'), await passwordRequest(h.agent(), 'bob', 'wrong password!')];
    for (const r of replies) {
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('invalid_credentials');
      expect(r.headers['set-cookie']).toBeUndefined();
    }
    expect(replies[1]!.text).toBe(replies[0]!.text);
    expect(replies[2]!.text).toBe(replies[0]!.text);
  });

  it('answers an unknown user and a wrong password alike outside production too (apart from the developer detail)', async () => {
    const h = await open();
    await signUpWithTotp(h, 'alice');
    const unknown = await passwordRequest(h.agent(), 'nobody', 'wrong password!');
    const wrong = await passwordRequest(h.agent(), 'alice', 'wrong password!');
    expect([unknown.status, wrong.status]).toEqual([401, 401]);
    const { detail: _d1, ...a } = unknown.body;
    const { detail: _d2, ...b } = wrong.body;
    expect(a).toEqual(b);
    expect(a.code).toBe('invalid_credentials');
  });

  it('never signs in on a correct password alone: a half sign-in that reaches no account call', async () => {
    const h = await open();
    const { agent: owner } = await signUpWithTotp(h, 'alice');
    await generateRecoveryCodes(owner);
    const agent = h.agent();
    const res = await passwordRequest(agent, 'Alice');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', errorMessage: '', next: ['totp', 'recovery_code'] });
    expect(res.headers['set-cookie']).toBeDefined();
    await expectNotSignedIn(agent);
    expect((await agent.get('/account/factors')).body.code).toBe('not_signed_in');
    expect((await agent.post('/account/totp').send({})).body.code).toBe('not_signed_in');
    const s = await sessionOf(agent);
    expect(s).toMatchObject({ signedIn: false, passwordLogin: true, pendingSignIn: { username: 'alice', stage: 'second_factor', next: ['totp', 'recovery_code'] } });
    expect(s.pendingSignIn.expiresAt).toBe(new Date(h.clock.now().getTime() + h.config.signInAttemptTtlSeconds * 1000).toISOString());
    // Nor can it add a key to the account it half signed in to.
    const add = await agent.post('/attestation/options').send({ username: 'alice' });
    expect([add.status, add.body.code]).toEqual([409, 'username_taken']);
  });

  it('a sign-up\'s session may only enrol: no account calls, GET /account/factors only', async () => {
    const h = await open();
    const agent = h.agent();
    const res = await signUpRequest(agent, 'alice');
    expect(res.body).toEqual({ status: 'ok', errorMessage: '', next: ['enrol'] });
    await expectNotSignedIn(agent);
    expect((await sessionOf(agent)).pendingSignIn).toMatchObject({ username: 'alice', stage: 'enrol', next: ['enrol'] });
    expect((await agent.get('/account/factors')).body).toEqual({ status: 'ok', errorMessage: '', password: true, webauthn: 0, totp: false, recoveryCodes: { remaining: 0 }, sms: null, email: null, oobChannels: [] });
    // It cannot complete a sign-in by any second factor either (there is none to check).
    expect((await totpRequest(agent, '123456')).body.code).toBe('no_pending_sign_in');
    expect((await agent.post('/login/recovery-code').send({ code: 'AAAA-AAAA-AAAA' })).body.code).toBe('no_pending_sign_in');
  });

  it('cannot sign in before a second factor is confirmed: a later password sign-in lands at enrol again', async () => {
    const h = await open();
    const signup = h.agent();
    await signUpRequest(signup, 'alice');
    expect((await signup.post('/account/totp').send({})).status).toBe(200); // started, never confirmed
    const later = h.agent();
    const res = await passwordRequest(later, 'alice');
    expect(res.body.next).toEqual(['enrol']);
    await expectNotSignedIn(later);
    expect((await totpRequest(later, '000000')).body.code).toBe('no_pending_sign_in');
  });

  it('enrolling TOTP signs the sign-up in; the account then continues with totp', async () => {
    const h = await open();
    const { agent, confirm, secret } = await signUpWithTotp(h, 'alice');
    expect(confirm.body.signedIn).toBe(true);
    expect((await agent.get('/account/me')).status).toBe(200);
    nextStep(h);
    const again = h.agent();
    expect((await passwordRequest(again, 'alice')).body.next).toEqual(['totp']);
    expect((await totpRequest(again, codeAt(h, secret))).status).toBe(200);
    expect((await again.get('/account/me')).body.user.username).toBe('alice');
  });

  it('enrolling a key signs the sign-up in; the account then continues with webauthn', async () => {
    const h = await open();
    const { agent, registration } = await signUpWithKey(h, 'alice');
    expect(registration.options.body.user.name).toBe('alice');
    expect(registration.result.body.session).toBeDefined();
    expect((await agent.get('/account/me')).status).toBe(200);
    expect((await passwordRequest(h.agent(), 'alice')).body.next).toEqual(['webauthn']);
  });

  it('only the password of an account with a key: next [webauthn], and no way to enrol a TOTP app or a key of one\'s own', async () => {
    const h = await open();
    const { agent: owner } = await signUpWithKey(h, 'alice');
    const thief = h.agent();
    expect((await passwordRequest(thief, 'alice')).body.next).toEqual(['webauthn']);
    for (const res of [await thief.post('/account/totp').send({}), await thief.post('/account/totp/confirm').send({ code: '123456' }), await thief.get('/account/factors')]) {
      expect([res.status, res.body.code]).toEqual([401, 'not_signed_in']);
    }
    const key = await thief.post('/attestation/options').send({ username: 'alice' });
    expect([key.status, key.body.code]).toEqual([409, 'username_taken']);
    expect(await store!.totp.get((await store!.users.findByUsername('alice'))!.id)).toBeUndefined();
    // With a TOTP app and recovery codes as well, all of them are offered, the key first.
    await addTotp(h, owner);
    await generateRecoveryCodes(owner);
    expect((await passwordRequest(h.agent(), 'alice')).body.next).toEqual(['webauthn', 'totp', 'recovery_code']);
  });

  it('a half sign-in is completed only by that user\'s factor, once, and rotates the session id', async () => {
    const h = await open();
    const alice = await signUpWithTotp(h, 'alice');
    const bob = await signUpWithTotp(h, 'bob');
    nextStep(h);
    const agent = h.agent();
    const pw = await passwordRequest(agent, 'alice');
    const halfCookie = pw.headers['set-cookie']![0]!.split(';')[0]!;
    // Bob's valid code does not complete Alice's sign-in.
    expect((await totpRequest(agent, codeAt(h, bob.secret))).body.code).toBe('invalid_code');
    const done = await totpRequest(agent, codeAt(h, alice.secret));
    expect(done.status).toBe(200);
    expect(done.headers['set-cookie']![0]!.split(';')[0]).not.toBe(halfCookie);
    // The half sign-in's cookie is neither signed in nor able to complete again.
    const replay = h.agent();
    expect((await replay.get('/account/me').set('Cookie', halfCookie)).status).toBe(401);
    expect((await replay.post('/login/totp').set('Cookie', halfCookie).send({ code: codeAt(h, alice.secret, 1) })).body.code).toBe('no_pending_sign_in');
  });

  it('a half sign-in expires after SIGN_IN_ATTEMPT_TTL_SECONDS', async () => {
    const h = await open({ SIGN_IN_ATTEMPT_TTL_SECONDS: '60' });
    const { secret } = await signUpWithTotp(h, 'alice');
    const agent = h.agent();
    await passwordRequest(agent, 'alice');
    h.clock.advance(60_000);
    expect((await totpRequest(agent, codeAt(h, secret))).body.code).toBe('no_pending_sign_in');
    expect((await sessionOf(agent)).pendingSignIn).toBeUndefined();
  });

  it('answers a half sign-in of an account without keys with no_credentials at /assertion/options (it offers no decoys to itself)', async () => {
    const h = await open();
    await signUpWithTotp(h, 'alice');
    const agent = h.agent();
    await passwordRequest(agent, 'alice');
    const res = await agent.post('/assertion/options').send({});
    expect([res.status, res.body.code]).toEqual([404, 'no_credentials']);
  });

  // Regression: an `enrol` half sign-in used to be honoured for its whole lifetime, even after
  // the account got its first factor, so whoever opened it with the password could replace the
  // owner's freshly confirmed authenticator app and sign in with their own.
  it('an enrolment half sign-in opened before the account got its first factor can no longer enrol once it has one', async () => {
    const h = await open();
    const owner = h.agent();
    await signUpRequest(owner, 'alice');
    const userId = (await store!.users.findByUsername('alice'))!.id;
    const thief = h.agent();
    expect((await passwordRequest(thief, 'alice')).body.next).toEqual(['enrol']);
    const { secret: ownersSecret } = await addTotp(h, owner); // the owner finishes first
    const ownersApp = (await store!.totp.get(userId))!.active!.sealedSecret;
    // The thief tries to enrol an app of their own (which would replace the owner's).
    const enrol = await thief.post('/account/totp').send({});
    const confirm = enrol.status === 200 ? await thief.post('/account/totp/confirm').send({ code: codeAt(h, enrol.body.secret, 1) }) : undefined;
    expect(confirm?.body.signedIn ?? false).toBe(false);
    expect((await sessionOf(thief)).signedIn).toBe(false);
    expect((await store!.totp.get(userId))!.active!.sealedSecret).toBe(ownersApp);
    expect(enrol.status).toBe(401);
    expect((await passwordThenTotp(h, 'alice', ownersSecret)).totp.status).toBe(200);
  });

  // Regression: the same gap through /attestation/*: the thief registered a key of their own
  // (with UV: a passwordless key) and was signed in.
  it('an enrolment half sign-in opened before the account got its first factor cannot register a key once it has one', async () => {
    const h = await open();
    const owner = h.agent();
    await signUpRequest(owner, 'alice');
    const userId = (await store!.users.findByUsername('alice'))!.id;
    const thief = h.agent();
    expect((await passwordRequest(thief, 'alice')).body.next).toEqual(['enrol']);
    await addTotp(h, owner);
    const reg = await register(thief, h.authenticator(), { username: 'alice' });
    expect(reg.result.status).not.toBe(200);
    expect((await sessionOf(thief)).signedIn).toBe(false);
    expect(await store!.credentials.listByUser(userId)).toHaveLength(0);
    expect(reg.options.status).toBe(409);
  });
});
