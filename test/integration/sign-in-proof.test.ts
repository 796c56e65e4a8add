/**
 * What a sign-in proved (DESIGN.md "What a login proves"): GET /session shows amr / acr /
 * authTime after every kind of sign-in, derived from verified facts only. A UV flag the
 * authenticator did not sign (or signed as 0) never yields `user`.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Store } from '../../server/src/storage/ports.js';
import { register, signIn, type Agent, type Harness } from '../helpers/harness.js';
import {
  ACR,
  addTotp,
  generateRecoveryCodes,
  passwordHarness,
  passwordRequest,
  passwordThenKey,
  passwordThenRecoveryCode,
  passwordThenTotp,
  sessionOf,
  signUpWithKey,
  signUpWithTotp,
} from '../helpers/second-factor-flows.js';
import { testStores } from '../helpers/test-stores.js';

/** Sets the UV bit in authenticatorData AFTER the authenticator signed it (a lying client). */
const forgeUv = (r: AuthenticationResponseJSON): AuthenticationResponseJSON => {
  const ad = Buffer.from(r.response.authenticatorData, 'base64url');
  ad[32] = ad[32]! | 0x04;
  return { ...r, response: { ...r.response, authenticatorData: ad.toString('base64url') } };
};

describe.each(testStores().map((f) => [f.name, f] as const))('what a sign-in proved, on the %s store', (_name, factory) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const open = async (env: Record<string, string> = {}): Promise<Harness> => {
    store = await factory.open();
    return passwordHarness(store, env);
  };
  const authTimeNow = (h: Harness) => Math.floor(h.clock.now().getTime() / 1000);
  const expectSignedOut = async (agent: Agent) => {
    const s = await sessionOf(agent);
    expect(s.signedIn).toBe(false);
    expect(s).not.toHaveProperty('session');
  };

  it('passkey with UV: amr [swk, user, mfa], acr phr, authTime of the sign-in', async () => {
    const h = await open();
    const auth = h.authenticator();
    expect((await register(h.agent(), auth, { username: 'alice' })).result.status).toBe(200);
    h.clock.advance(1_000_000);
    const agent = h.agent();
    const res = await signIn(agent, auth, { username: 'alice' });
    expect(res.result.status).toBe(200);
    const s = await sessionOf(agent);
    expect(s).toMatchObject({ signedIn: true, user: { username: 'alice' } });
    expect(s.session).toMatchObject({ amr: ['swk', 'user', 'mfa'], acr: ACR.phr, authTime: authTimeNow(h), userVerified: true, recovery: false });
    expect(s.session.authenticatedAt).toBe(h.clock.now().toISOString());
    // The ceremony reply and /account/me say the same.
    expect(res.result.body.session).toEqual(s.session);
    expect((await agent.get('/account/me')).body.session).toEqual(s.session);
  });

  it('password + key with user presence only: amr [pwd, swk, mfa], acr phr, no `user`', async () => {
    const h = await open();
    const { auth, credentialId } = await signUpWithKey(h, 'alice', { flags: { uv: false } });
    h.clock.advance(5_000);
    const { agent, result, options } = await passwordThenKey(h, 'alice', auth, credentialId, { uv: false });
    expect(options.body.userVerification).toBe('discouraged');
    expect(result.status).toBe(200);
    const s = await sessionOf(agent);
    expect(s.session).toMatchObject({ amr: ['pwd', 'swk', 'mfa'], acr: ACR.phr, authTime: authTimeNow(h), userVerified: false, credentialId, recovery: false });
  });

  it('password + TOTP: amr [pwd, otp, mfa], acr mfa, no credential', async () => {
    const h = await open();
    const { secret } = await signUpWithTotp(h, 'alice');
    const { agent, totp } = await passwordThenTotp(h, 'alice', secret);
    expect(totp.status).toBe(200);
    const s = await sessionOf(agent);
    expect(s.session).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: ACR.mfa, authTime: authTimeNow(h), userVerified: false, credentialId: null, recovery: false });
    expect(totp.body.session).toEqual(s.session);
  });

  it('password + recovery code: amr [pwd, kba, mfa], acr recovery, recovery: true', async () => {
    const h = await open();
    const { agent: owner } = await signUpWithTotp(h, 'alice');
    const codes = await generateRecoveryCodes(owner);
    h.clock.advance(7_000);
    const { agent, recovery } = await passwordThenRecoveryCode(h, 'alice', codes[0]!);
    expect(recovery.status).toBe(200);
    const s = await sessionOf(agent);
    expect(s.session).toMatchObject({ amr: ['pwd', 'kba', 'mfa'], acr: ACR.recovery, authTime: authTimeNow(h), recovery: true, credentialId: null });
  });

  it('a sign-up\'s enrolment signs in with what it proved: password + TOTP, or password + key (with UV)', async () => {
    const h = await open();
    const viaTotp = await signUpWithTotp(h, 'alice');
    expect(viaTotp.confirm.body).toMatchObject({ signedIn: true, session: { amr: ['pwd', 'otp', 'mfa'], acr: ACR.mfa } });
    expect((await sessionOf(viaTotp.agent)).session).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: ACR.mfa });
    const viaKey = await signUpWithKey(h, 'bob');
    expect((await sessionOf(viaKey.agent)).session).toMatchObject({ amr: ['pwd', 'swk', 'user', 'mfa'], acr: ACR.phr, credentialId: viaKey.credentialId });
  });

  it('a session that stepped up again records the newer proof', async () => {
    const h = await open();
    const { agent, secret } = await signUpWithTotp(h, 'alice');
    const first = (await sessionOf(agent)).session;
    h.clock.advance(120_000);
    const again = await passwordThenTotp(h, 'alice', secret, { agent });
    expect(again.totp.status).toBe(200);
    const second = (await sessionOf(agent)).session;
    expect(second.authTime).toBe(authTimeNow(h));
    expect(second.authTime).toBeGreaterThan(first.authTime);
  });

  describe('a UV flag the authenticator did not sign never yields `user`', () => {
    it('passwordless: UV asked as required, the assertion says uv:false → user_verification_missing, not signed in', async () => {
      const h = await open();
      const auth = h.authenticator();
      await register(h.agent(), auth, { username: 'alice' });
      const agent = h.agent();
      const res = await signIn(agent, auth, { username: 'alice', userVerification: 'required', assertion: { flags: { uv: false } } });
      expect(res.options.body.userVerification).toBe('required');
      expect(res.result.status).toBe(400);
      expect(res.result.body.code).toBe('user_verification_missing');
      await expectSignedOut(agent);
    });

    it('passwordless: the client sets the UV bit after signing → refused (the signature no longer matches)', async () => {
      const h = await open();
      const auth = h.authenticator();
      await register(h.agent(), auth, { username: 'alice' });
      const agent = h.agent();
      const res = await signIn(agent, auth, { username: 'alice', assertion: { flags: { uv: false }, overrides: { response: forgeUv } } });
      expect(res.result.status).toBe(400);
      expect(res.result.body.status).toBe('failed');
      await expectSignedOut(agent);
    });

    it('second factor: asking `required` after a password and answering uv:false is refused; a UP answer proves no `user`', async () => {
      const h = await open();
      const { auth, credentialId } = await signUpWithKey(h, 'alice', { flags: { uv: false } });
      const agent = h.agent();
      const refused = await passwordThenKey(h, 'alice', auth, credentialId, { agent, uv: false, userVerification: 'required' });
      expect(refused.options.body.userVerification).toBe('required');
      expect(refused.result.status).toBe(400);
      expect(refused.result.body.code).toBe('user_verification_missing');
      await expectSignedOut(agent);
      // The half sign-in is still open after the refused ceremony: a plain UP answer completes it.
      const up = await signIn(agent, auth, { username: 'alice', userVerification: 'discouraged', assertion: { credentialId, flags: { uv: false } } });
      expect(up.result.status).toBe(200);
      expect((await sessionOf(agent)).session.amr).toEqual(['pwd', 'swk', 'mfa']);
    });

    it('second factor: the client sets the UV bit after signing → refused, never `user`', async () => {
      const h = await open();
      const { auth, credentialId } = await signUpWithKey(h, 'alice', { flags: { uv: false } });
      const agent = h.agent();
      expect((await passwordRequest(agent, 'alice')).status).toBe(200);
      const res = await signIn(agent, auth, { username: 'alice', userVerification: 'discouraged', assertion: { credentialId, flags: { uv: false }, overrides: { response: forgeUv } } });
      expect(res.result.status).toBe(400);
      await expectSignedOut(agent);
    });

    it('a key added to a password account without UV stays a second factor: it cannot sign in alone', async () => {
      const h = await open();
      const { agent: owner, auth } = await signUpWithKey(h, 'alice', { flags: { uv: false } });
      await addTotp(h, owner); // a second way in, not needed here but realistic
      const agent = h.agent();
      const res = await signIn(agent, auth, { username: 'alice', userVerification: 'discouraged', assertion: { flags: { uv: false } } });
      expect(res.options.body.userVerification).toBe('required');
      expect(res.result.body.code).toBe('user_verification_missing');
      await expectSignedOut(agent);
    });
  });
});
