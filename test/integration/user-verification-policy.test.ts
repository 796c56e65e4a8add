/**
 * keygate, not the browser, decides user verification (DESIGN.md "Who decides"): a request
 * may ask for more than policy, never less. A passwordless sign-in and a passwordless
 * account's keys need UV (`required`, enforced); a key after a password needs presence only.
 * The attack: a thief holding a PIN-protected key asks for `discouraged` and touches it.
 * USER_VERIFICATION=client restores the request's choice (FIDO2 conformance only), and a
 * UP-only sign-in then proves one factor: no step-up actions.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Store } from '../../server/src/storage/ports.js';
import { register, signIn, type Harness } from '../helpers/harness.js';
import { ACR, passwordHarness, passwordRequest, passwordThenKey, sessionOf, signUpRequest, signUpWithKey } from '../helpers/second-factor-flows.js';
import { testStores } from '../helpers/test-stores.js';

const ASKED = [undefined, 'discouraged', 'preferred'] as const;

describe.each(testStores().map((f) => [f.name, f] as const))('user verification decided by policy on the %s store', (_name, factory) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const open = async (env: Record<string, string> = {}): Promise<Harness> => {
    store = await factory.open();
    return passwordHarness(store, env);
  };
  /** alice: a passwordless account with a PIN-protected (UV) key. */
  const alice = async (h: Harness) => {
    const auth = h.authenticator();
    const reg = await register(h.agent(), auth, { username: 'alice' });
    expect(reg.result.status).toBe(200);
    return { auth, credentialId: reg.credentialId!, owner: h.agent() };
  };

  it('a passwordless sign-in always asks `required`, whatever the request asks (by username and usernameless)', async () => {
    const h = await open();
    await alice(h);
    for (const username of ['alice', '', 'nobody']) {
      for (const userVerification of ASKED) {
        const res = await h.agent().post('/assertion/options').send({ username, ...(userVerification ? { userVerification } : {}) });
        expect([username, userVerification, res.body.userVerification]).toEqual([username, userVerification, 'required']);
      }
    }
  });

  it('the attack: a thief with a PIN-protected key asks `discouraged` and only touches it → refused; no key of their own either', async () => {
    const h = await open();
    const { auth, credentialId } = await alice(h);
    const thief = h.agent();
    for (const username of ['alice', '']) {
      const res = await signIn(thief, auth, { username, userVerification: 'discouraged', assertion: { credentialId, flags: { uv: false } } });
      expect(res.options.body.userVerification).toBe('required');
      expect([res.result.status, res.result.body.code]).toEqual([400, 'user_verification_missing']);
    }
    expect((await sessionOf(thief)).signedIn).toBe(false);
    expect((await thief.get('/account/me')).status).toBe(401);
    const addKey = await thief.post('/attestation/options').send({ username: 'alice', authenticatorSelection: { userVerification: 'discouraged' } });
    expect([addKey.status, addKey.body.code]).toEqual([409, 'username_taken']);
    expect(await store!.credentials.listByUser((await store!.users.findByUsername('alice'))!.id)).toHaveLength(1);
    // The owner, verifying, is fine.
    expect((await signIn(h.agent(), auth, { username: 'alice', assertion: { credentialId } })).result.status).toBe(200);
  });

  it('after a password the key is a second factor: `discouraged` is sent and presence alone is accepted; a request may ask for more', async () => {
    const h = await open();
    const { auth, credentialId } = await signUpWithKey(h, 'alice', { flags: { uv: false } });
    const up = await passwordThenKey(h, 'alice', auth, credentialId, { uv: false });
    expect(up.options.body.userVerification).toBe('discouraged');
    expect(up.result.status).toBe(200);
    expect(up.result.body.session.amr).toEqual(['pwd', 'swk', 'mfa']);
    for (const asked of ['preferred', 'required'] as const) {
      const agent = h.agent();
      await passwordRequest(agent, 'alice');
      const res = await agent.post('/assertion/options').send({ userVerification: asked });
      expect(res.body.userVerification).toBe(asked);
    }
  });

  it('a new passwordless account\'s first key must verify its user: `required` sent and enforced; nothing is created without UV', async () => {
    const h = await open();
    for (const asked of ['discouraged', 'preferred'] as const) {
      const res = await h.agent().post('/attestation/options').send({ username: 'carol', authenticatorSelection: { userVerification: asked } });
      expect(res.body.authenticatorSelection.userVerification).toBe('required');
    }
    const agent = h.agent();
    const reg = await register(agent, h.authenticator(), { username: 'carol', userVerification: 'discouraged', credential: { flags: { uv: false } } });
    expect(reg.options.body.authenticatorSelection.userVerification).toBe('required');
    expect([reg.result.status, reg.result.body.code]).toEqual([400, 'user_verification_missing']);
    expect(await store!.users.findByUsername('carol')).toBeUndefined();
    expect((await sessionOf(agent)).signedIn).toBe(false);
  });

  it('a key added to a passwordless account must verify its user too', async () => {
    const h = await open();
    const auth = h.authenticator();
    const agent = h.agent();
    await register(agent, auth, { username: 'alice' });
    const reg = await register(agent, h.authenticator(), { username: 'alice', userVerification: 'discouraged', credential: { flags: { uv: false } } });
    expect(reg.options.status).toBe(200);
    expect(reg.options.body.authenticatorSelection.userVerification).toBe('required');
    expect(reg.result.body.code).toBe('user_verification_missing');
  });

  it('the first key of a password sign-up may be a plain security key (`preferred`); the request may ask for `required`', async () => {
    const h = await open();
    const { registration } = await signUpWithKey(h, 'alice', { flags: { uv: false } });
    expect(registration.options.body.authenticatorSelection.userVerification).toBe('preferred');
    const agent = h.agent();
    await signUpRequest(agent, 'bob');
    const res = await agent.post('/attestation/options').send({ username: 'bob', authenticatorSelection: { userVerification: 'required' } });
    expect(res.body.authenticatorSelection.userVerification).toBe('required');
  });

  describe('USER_VERIFICATION=client (FIDO2 conformance profile)', () => {
    it('sends what the request asks, and still enforces `required`', async () => {
      const h = await open({ USER_VERIFICATION: 'client' });
      const { auth, credentialId } = await alice(h);
      const discouraged = await h.agent().post('/assertion/options').send({ username: 'alice', userVerification: 'discouraged' });
      expect(discouraged.body.userVerification).toBe('discouraged');
      const required = await signIn(h.agent(), auth, { username: 'alice', userVerification: 'required', assertion: { credentialId, flags: { uv: false } } });
      expect(required.result.body.code).toBe('user_verification_missing');
      const reg = await h.agent().post('/attestation/options').send({ username: 'carol', authenticatorSelection: { userVerification: 'discouraged' } });
      expect(reg.body.authenticatorSelection.userVerification).toBe('discouraged');
    });

    it('a UP-only passwordless sign-in proves one factor (amr [swk]) and can do no step-up action', async () => {
      const h = await open({ USER_VERIFICATION: 'client' });
      const auth = h.authenticator();
      const owner = h.agent();
      await register(owner, auth, { username: 'alice' });
      const second = await register(owner, h.authenticator(), { username: 'alice' });
      expect(second.result.status).toBe(200);
      const thief = h.agent();
      const res = await signIn(thief, auth, { username: 'alice', userVerification: 'discouraged', assertion: { credentialId: auth.credentials[0]!.id, flags: { uv: false } } });
      expect(res.result.status).toBe(200);
      expect((await sessionOf(thief)).session).toMatchObject({ amr: ['swk'], acr: ACR.sf, userVerified: false });
      const addKey = await thief.post('/attestation/options').send({ username: 'alice' });
      expect([addKey.status, addKey.body.code]).toEqual([403, 'step_up_required']);
      expect(addKey.body.stepUp.accepts).toContain('webauthn');
      const removeKey = await thief.delete(`/account/credentials/${second.credentialId}`);
      expect([removeKey.status, removeKey.body.code]).toEqual([403, 'step_up_required']);
      const totp = await thief.post('/account/totp').send({});
      expect([totp.status, totp.body.code]).toEqual([403, 'step_up_required']);
      expect(await store!.credentials.listByUser(second.options.body.user.id)).toHaveLength(2);
    });
  });
});
