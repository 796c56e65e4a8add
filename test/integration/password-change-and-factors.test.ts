/**
 * PUT /account/password (step-up, NIST rules) ends every OTHER session of the user: whoever
 * knew the old password and got in with it is out. GET /account/factors says what the
 * account has.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Store } from '../../server/src/storage/ports.js';
import { register, signIn, type Harness } from '../helpers/harness.js';
import {
  addTotp,
  codeAt,
  generateRecoveryCodes,
  nextStep,
  passwordHarness,
  passwordRequest,
  passwordThenRecoveryCode,
  passwordThenTotp,
  signUpWithKey,
  signUpWithTotp,
  totpRequest,
} from '../helpers/second-factor-flows.js';
import { testStores } from '../helpers/test-stores.js';

const NEW_PASSWORD = 'a brand new passphrase';

describe.each(testStores().map((f) => [f.name, f] as const))('password change and factors on the %s store', (_name, factory) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const open = async (env: Record<string, string> = {}): Promise<Harness> => {
    store = await factory.open();
    return passwordHarness(store, env);
  };

  it('changing the password ends the user\'s other sessions, keeps the caller\'s and other users\', and replaces the password', async () => {
    const h = await open();
    const { agent: laptop, secret, userId } = await signUpWithTotp(h, 'bob');
    const { agent: phone } = await passwordThenTotp(h, 'bob', secret);
    const { agent: tablet } = await passwordThenTotp(h, 'bob', secret);
    const { agent: alice } = await signUpWithTotp(h, 'alice');
    for (const a of [laptop, phone, tablet, alice]) expect((await a.get('/account/me')).status).toBe(200);
    // The laptop signed in less than STEP_UP_MAX_AGE_SECONDS ago: the change needs no new proof.
    const res = await laptop.put('/account/password').send({ newPassword: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', errorMessage: '' });
    for (const a of [phone, tablet]) expect((await a.get('/account/me')).body.code).toBe('not_signed_in');
    expect((await laptop.get('/account/me')).status).toBe(200);
    expect((await alice.get('/account/me')).status).toBe(200);
    expect((await passwordRequest(h.agent(), 'bob')).body.code).toBe('invalid_credentials');
    expect((await passwordRequest(h.agent(), 'bob', NEW_PASSWORD)).body.next).toEqual(['totp']);
    const events = await store!.audit.list({ type: 'password.changed', limit: 5 });
    expect(events[0]).toMatchObject({ userId, outcome: 'success', data: { otherSessionsEnded: 2 } });
  });

  it('ends the other sessions of a key user too, passkey sign-ins included', async () => {
    const h = await open();
    const { agent: laptop, auth, credentialId } = await signUpWithKey(h, 'alice');
    const phone = h.agent();
    expect((await signIn(phone, auth, { username: 'alice', assertion: { credentialId } })).result.status).toBe(200);
    expect((await laptop.put('/account/password').send({ newPassword: NEW_PASSWORD })).status).toBe(200);
    expect((await phone.get('/account/me')).status).toBe(401);
    expect((await laptop.get('/account/me')).status).toBe(200);
  });

  // Regression: the change ended signed-in sessions but not half sign-ins, so a password
  // sign-in made with the OLD password just before the change still completed afterwards.
  it('a half sign-in opened with the old password cannot complete after the password changed', async () => {
    const h = await open();
    const { agent: owner, secret } = await signUpWithTotp(h, 'bob');
    const intruder = h.agent();
    expect((await passwordRequest(intruder, 'bob')).status).toBe(200); // the old password
    expect((await owner.put('/account/password').send({ newPassword: NEW_PASSWORD })).status).toBe(200);
    nextStep(h);
    const res = await totpRequest(intruder, codeAt(h, secret));
    expect(res.status).toBe(401); // e.g. no_pending_sign_in
    expect((await intruder.get('/account/me')).status).toBe(401);
  });

  it('refuses a weak new password (weak_password) and then changes nothing', async () => {
    const h = await open();
    const { agent: laptop, secret, userId } = await signUpWithTotp(h, 'bobby-tables');
    const { agent: phone } = await passwordThenTotp(h, 'bobby-tables', secret);
    const before = (await store!.passwords.get(userId))!.hash;
    for (const newPassword of ['short', 'x'.repeat(129), 'Bobby-Tables']) {
      const res = await laptop.put('/account/password').send({ newPassword });
      expect([res.status, res.body.code]).toEqual([400, 'weak_password']);
    }
    const malformed = await laptop.put('/account/password').send({});
    expect([malformed.status, malformed.body.code]).toEqual([400, 'invalid_request']);
    expect((await store!.passwords.get(userId))!.hash).toBe(before);
    expect((await phone.get('/account/me')).status).toBe(200);
  });

  it('a passwordless account may set a password (audited as password.set); it then continues with its key after the password', async () => {
    const h = await open();
    const agent = h.agent();
    const reg = await register(agent, h.authenticator(), { username: 'carol' });
    expect((await agent.put('/account/password').send({ newPassword: NEW_PASSWORD })).status).toBe(200);
    expect((await store!.audit.list({ type: 'password.set', limit: 5 }))[0]).toMatchObject({ userId: reg.options.body.user.id });
    expect((await passwordRequest(h.agent(), 'carol', NEW_PASSWORD)).body.next).toEqual(['webauthn']);
  });

  it('GET /account/factors: password, number of keys, TOTP and recovery codes left', async () => {
    const h = await open();
    const anonymous = await h.agent().get('/account/factors');
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'not_signed_in']);

    const passkey = h.agent();
    await register(passkey, h.authenticator(), { username: 'carol' });
    expect((await passkey.get('/account/factors')).body).toEqual({ status: 'ok', errorMessage: '', password: false, webauthn: 1, totp: false, recoveryCodes: { remaining: 0 }, sms: null, email: null, oobChannels: [] });

    const { agent: owner } = await signUpWithKey(h, 'alice');
    await register(owner, h.authenticator(), { username: 'alice' });
    await addTotp(h, owner);
    const codes = await generateRecoveryCodes(owner);
    expect((await owner.get('/account/factors')).body).toEqual({ status: 'ok', errorMessage: '', password: true, webauthn: 2, totp: true, recoveryCodes: { remaining: 10 }, sms: null, email: null, oobChannels: [] });
    const { agent: recovered } = await passwordThenRecoveryCode(h, 'alice', codes[0]!);
    expect((await recovered.get('/account/factors')).body.recoveryCodes).toEqual({ remaining: 9 });
  });
});
