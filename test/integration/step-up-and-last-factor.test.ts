/**
 * Step-up before sensitive changes (policy/step-up.ts): adding or removing a key, enrolling,
 * confirming or removing TOTP, regenerating recovery codes and changing the password need a
 * proof of two factors at most STEP_UP_MAX_AGE_SECONDS old, else 403 `step_up_required` with
 * `stepUp: { accepts, maxAgeSeconds }`. Password + TOTP counts only for a user without keys; a
 * recovery-code session may ADD a key or an app (that is how a user who lost their key gets
 * back in) and nothing else. And never the last factor (`last_factor`), also under races.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import type { Store } from '../../server/src/storage/ports.js';
import { register, signIn, type Agent, type Harness } from '../helpers/harness.js';
import {
  PASSWORD,
  addTotp,
  codeAt,
  expectStatus,
  generateRecoveryCodes,
  nextStep,
  passwordHarness,
  passwordRequest,
  passwordThenRecoveryCode,
  passwordThenTotp,
  sessionOf,
  signUpWithKey,
  signUpWithTotp,
  totpRequest,
} from '../helpers/second-factor-flows.js';
import { testStores } from '../helpers/test-stores.js';

const NEW_PASSWORD = 'a brand new passphrase';
const KEY_HOLDER_ADD = ['webauthn', 'password+webauthn', 'password+recovery_code'];
const KEY_HOLDER_OTHER = ['webauthn', 'password+webauthn'];

type Call = [name: string, action: 'add_factor' | 'remove_factor' | 'regenerate_recovery_codes' | 'change_password', run: () => Promise<Response>];

describe.each(testStores().map((f) => [f.name, f] as const))('step-up and last factor on the %s store', (_name, factory) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const open = async (env: Record<string, string> = {}): Promise<Harness> => {
    store = await factory.open();
    return passwordHarness(store, env);
  };

  /** alice: password, a UV key, a TOTP app and recovery codes; `owner` signed in with password + key. */
  const fullAccount = async (h: Harness, username = 'alice') => {
    const { agent: owner, auth, credentialId, userId } = await signUpWithKey(h, username);
    const { secret } = await addTotp(h, owner);
    const codes = await generateRecoveryCodes(owner);
    return { owner, auth, credentialId, userId, secret, codes };
  };

  /** Every sensitive call, from `agent`; `pendingSecret` is an enrolment started earlier, for the confirm call. */
  const sensitiveCalls = (h: Harness, agent: Agent, username: string, o: { credentialId?: string; pendingSecret?: string }): Call[] => [
    ['POST /attestation/options (add a key)', 'add_factor', () => agent.post('/attestation/options').send({ username })],
    ...(o.credentialId ? [['DELETE /account/credentials/:id', 'remove_factor', () => agent.delete(`/account/credentials/${o.credentialId}`)] as Call] : []),
    ['POST /account/totp', 'add_factor', () => agent.post('/account/totp').send({})],
    ...(o.pendingSecret ? [['POST /account/totp/confirm', 'add_factor', () => agent.post('/account/totp/confirm').send({ code: codeAt(h, o.pendingSecret!) })] as Call] : []),
    ['DELETE /account/totp', 'remove_factor', () => agent.delete('/account/totp')],
    ['POST /account/recovery-codes', 'regenerate_recovery_codes', () => agent.post('/account/recovery-codes').send({})],
    ['PUT /account/password', 'change_password', () => agent.put('/account/password').send({ newPassword: NEW_PASSWORD })],
  ];

  /** What the account has, to show a refused change changed nothing. */
  const snapshot = async (userId: string) => ({
    credentials: (await store!.credentials.listByUser(userId)).map((c) => c.id),
    totp: (await store!.totp.get(userId))?.active?.sealedSecret,
    codes: (await store!.recoveryCodes.get(userId))?.hashes,
    password: (await store!.passwords.get(userId))?.hash,
  });

  it('refuses every sensitive call once the sign-in is older than STEP_UP_MAX_AGE_SECONDS, naming what would do', async () => {
    const h = await open({ STEP_UP_MAX_AGE_SECONDS: '60' });
    const { owner, auth, credentialId, userId } = await fullAccount(h);
    const pending = expectStatus(await owner.post('/account/totp').send({}), 200, 'start a second app inside the window');
    h.clock.advance(61_000);
    const before = await snapshot(userId);
    for (const [name, action, run] of sensitiveCalls(h, owner, 'alice', { credentialId, pendingSecret: pending.body.secret })) {
      const res = await run();
      expect([name, res.status, res.body.code]).toEqual([name, 403, 'step_up_required']);
      expect([name, res.body.stepUp]).toEqual([name, { accepts: action === 'add_factor' ? KEY_HOLDER_ADD : KEY_HOLDER_OTHER, maxAgeSeconds: 60 }]);
    }
    expect(await snapshot(userId)).toEqual(before);
    expect((await owner.get('/account/me')).status).toBe(200); // still signed in: only the change is refused
    // Stepping up (the key, with UV, on the same browser) lets the change through.
    expect((await signIn(owner, auth, { username: 'alice', assertion: { credentialId } })).result.status).toBe(200);
    expect((await owner.post('/account/recovery-codes').send({})).status).toBe(200);
    expect((await owner.put('/account/password').send({ newPassword: NEW_PASSWORD })).status).toBe(200);
  });

  it('an account without keys steps up with password + TOTP, on the same browser, without being signed out meanwhile', async () => {
    const h = await open({ STEP_UP_MAX_AGE_SECONDS: '60' });
    const { agent, secret, userId } = await signUpWithTotp(h, 'bob');
    await generateRecoveryCodes(agent);
    const pending = expectStatus(await agent.post('/account/totp').send({}), 200, 'start a second app inside the window');
    h.clock.advance(61_000);
    const before = await snapshot(userId);
    for (const [name, action, run] of sensitiveCalls(h, agent, 'bob', { pendingSecret: pending.body.secret })) {
      const res = await run();
      expect([name, res.status, res.body.code]).toEqual([name, 403, 'step_up_required']);
      expect([name, res.body.stepUp.accepts]).toEqual([name, action === 'add_factor' ? ['password+totp', 'password+recovery_code'] : ['password+totp']]);
    }
    expect(await snapshot(userId)).toEqual(before);
    // Password on a signed-in browser: still signed in while the second factor is pending.
    nextStep(h);
    expect((await passwordRequest(agent, 'bob')).body.next).toEqual(['totp', 'recovery_code']);
    expect((await agent.get('/account/me')).status).toBe(200);
    expect((await totpRequest(agent, codeAt(h, secret))).status).toBe(200);
    expect((await agent.post('/account/recovery-codes').send({})).status).toBe(200);
    expect((await agent.put('/account/password').send({ newPassword: NEW_PASSWORD })).status).toBe(200);
    expect((await register(agent, h.authenticator(), { username: 'bob' })).result.status).toBe(200);
  });

  it('password + TOTP is no step-up for an account that has a key: the key holder steps up with the key', async () => {
    const h = await open();
    const { secret, userId, credentialId } = await fullAccount(h);
    const { agent, totp } = await passwordThenTotp(h, 'alice', secret);
    expect(totp.status).toBe(200); // it signs in, fresh…
    const before = await snapshot(userId);
    for (const [name, action, run] of sensitiveCalls(h, agent, 'alice', { credentialId })) {
      const res = await run();
      expect([name, res.status, res.body.code]).toEqual([name, 403, 'step_up_required']);
      expect(res.body.stepUp.accepts).not.toContain('password+totp');
      expect([name, res.body.stepUp.accepts]).toEqual([name, action === 'add_factor' ? KEY_HOLDER_ADD : KEY_HOLDER_OTHER]);
    }
    expect(await snapshot(userId)).toEqual(before);
  });

  it('once a password + TOTP account adds a key, its password + TOTP session no longer steps up', async () => {
    const h = await open();
    const { agent } = await signUpWithTotp(h, 'bob');
    expect((await agent.post('/account/recovery-codes').send({})).status).toBe(200);
    expect((await register(agent, h.authenticator(), { username: 'bob' })).result.status).toBe(200);
    const res = await agent.post('/account/recovery-codes').send({});
    expect([res.status, res.body.code]).toEqual([403, 'step_up_required']);
  });

  it('a recovery-code session may add a key or an app, but not remove a key or the app, regenerate codes or change the password', async () => {
    const h = await open();
    const { codes, credentialId, userId } = await fullAccount(h);
    const { agent, recovery } = await passwordThenRecoveryCode(h, 'alice', codes[0]!);
    expect(recovery.body.recovery.addNewKey).toBe(true);
    const before = await snapshot(userId);
    for (const [name, run] of [
      ['DELETE /account/credentials/:id', () => agent.delete(`/account/credentials/${credentialId}`)],
      ['DELETE /account/totp', () => agent.delete('/account/totp')],
      ['POST /account/recovery-codes', () => agent.post('/account/recovery-codes').send({})],
      ['PUT /account/password', () => agent.put('/account/password').send({ newPassword: NEW_PASSWORD })],
    ] as const) {
      const res = await run();
      expect([name, res.status, res.body.code]).toEqual([name, 403, 'step_up_required']);
      expect(res.body.stepUp.accepts).not.toContain('password+recovery_code');
    }
    expect(await snapshot(userId)).toEqual({ ...before });
    // Adding is allowed: a new key (the reply asked for one) and a new app.
    const newKey = await register(agent, h.authenticator(), { username: 'alice' });
    expect(newKey.options.status).toBe(200);
    expect(newKey.result.status).toBe(200);
    const { secret: newApp } = await addTotp(h, agent);
    expect(await store!.credentials.listByUser(userId)).toHaveLength(2);
    // The new app is the one that works now.
    expect((await passwordThenTotp(h, 'alice', newApp)).totp.status).toBe(200);
  });

  it('refuses to remove the only TOTP app of a password + TOTP account (last_factor); it still signs in', async () => {
    const h = await open();
    const { agent, secret } = await signUpWithTotp(h, 'bob');
    const res = await agent.delete('/account/totp');
    expect([res.status, res.body.code]).toEqual([409, 'last_factor']);
    expect((await passwordThenTotp(h, 'bob', secret)).totp.status).toBe(200);
  });

  it('refuses to remove the only key of a passwordless account (last_factor)', async () => {
    const h = await open();
    const agent = h.agent();
    const reg = await register(agent, h.authenticator(), { username: 'carol' });
    const res = await agent.delete(`/account/credentials/${reg.credentialId}`);
    expect([res.status, res.body.code]).toEqual([409, 'last_factor']);
  });

  it('removes a key while TOTP remains; the app is then the last factor', async () => {
    const h = await open();
    const { agent: owner, credentialId, userId } = await signUpWithKey(h, 'alice');
    const { secret } = await addTotp(h, owner);
    expect((await owner.delete(`/account/credentials/${credentialId}`)).status).toBe(200);
    expect(await store!.credentials.listByUser(userId)).toHaveLength(0);
    expect((await owner.get('/account/me')).status).toBe(200);
    expect((await passwordRequest(h.agent(), 'alice')).body.next).toEqual(['totp']);
    const last = await owner.delete('/account/totp');
    expect([last.status, last.body.code]).toEqual([409, 'last_factor']);
    expect((await passwordThenTotp(h, 'alice', secret)).totp.status).toBe(200);
  });

  it('removes the app while a key remains; the password then continues with the key only', async () => {
    const h = await open();
    const { agent: owner } = await signUpWithKey(h, 'alice');
    await addTotp(h, owner);
    expect((await owner.delete('/account/totp')).status).toBe(200);
    expect((await owner.delete('/account/totp')).body.code).toBe('totp_not_enrolled');
    const agent = h.agent();
    expect((await passwordRequest(agent, 'alice')).body.next).toEqual(['webauthn']);
    expect((await totpRequest(agent, '123456')).body.code).toBe('totp_not_enrolled');
  });

  it('never lets concurrent removals of the key and the app of a password account take both', async () => {
    const h = await open();
    for (let round = 0; round < 3; round++) {
      const username = `racer${round}`;
      const { agent, credentialId, userId } = await signUpWithKey(h, username);
      await addTotp(h, agent);
      const results = await Promise.all([
        agent.delete(`/account/credentials/${credentialId}`),
        agent.delete('/account/totp'),
        agent.delete(`/account/credentials/${credentialId}`),
        agent.delete('/account/totp'),
      ]);
      expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
      for (const r of results.filter((x) => x.status !== 200)) expect(['account_busy', 'last_factor', 'credential_not_found', 'totp_not_enrolled']).toContain(r.body.code);
      const keys = await store!.credentials.listByUser(userId);
      const totp = (await store!.totp.get(userId))?.active;
      expect(keys.length > 0 || totp !== undefined).toBe(true);
    }
  });

  it('a half sign-in is no session for step-up purposes: none of the sensitive calls answer it', async () => {
    const h = await open();
    const { credentialId } = await fullAccount(h);
    const agent = h.agent();
    await passwordRequest(agent, 'alice', PASSWORD);
    for (const [name, , run] of sensitiveCalls(h, agent, 'alice', { credentialId })) {
      const res = await run();
      expect([name, res.status]).toEqual([name, name.startsWith('POST /attestation') ? 409 : 401]);
    }
    expect((await sessionOf(agent)).signedIn).toBe(false);
  });
});
