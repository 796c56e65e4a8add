/**
 * The account API on the session cookie: am I signed in, list / rename / remove credentials
 * (never the last one that can sign in, never someone else's), sign out.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness, register, signIn, type Harness } from '../helpers/harness.js';
import { testStores } from '../helpers/test-stores.js';

describe.each(testStores().map((f) => [f.name, f] as const))('account API on the %s store', (_name, factory) => {
  let store: Store;
  let h: Harness;
  afterEach(async () => {
    await store?.close();
  });
  const setup = async () => {
    store = await factory.open();
    h = createHarness(store);
  };

  it('GET /session answers signed-in or not, never 401', async () => {
    await setup();
    const agent = h.agent();
    expect((await agent.get('/session')).body).toEqual({ status: 'ok', errorMessage: '', signedIn: false, passwordLogin: false, tokenAudiences: [], approval: false });
    await register(agent, h.authenticator());
    const res = await agent.get('/session');
    expect(res.body).toMatchObject({ signedIn: true, user: { username: 'alice' }, session: { userVerified: true, amr: ['swk', 'user', 'mfa'], acr: 'urn:keygate:acr:phr' } });
  });

  it('lists, renames and removes my credentials, never the last one', async () => {
    await setup();
    const agent = h.agent();
    const first = await register(agent, h.authenticator());
    const list1 = await agent.get('/account/credentials');
    expect(list1.body.credentials).toHaveLength(1);
    expect(list1.body.credentials[0]).toMatchObject({ id: first.credentialId, kind: 'security_key', counter: 0, possiblyCloned: false });
    expect(list1.body.credentials[0]).not.toHaveProperty('publicKey');

    expect((await agent.patch(`/account/credentials/${first.credentialId}`).send({ name: 'Blue YubiKey' })).status).toBe(200);
    expect((await agent.patch(`/account/credentials/${first.credentialId}`).send({ name: '' })).body.code).toBe('invalid_request');
    const last = await agent.delete(`/account/credentials/${first.credentialId}`);
    expect(last.status).toBe(409);
    expect(last.body.code).toBe('last_factor');

    const second = await register(agent, h.authenticator());
    expect((await agent.delete(`/account/credentials/${first.credentialId}`)).status).toBe(200);
    const list2 = await agent.get('/account/credentials');
    expect(list2.body.credentials.map((c: { id: string }) => c.id)).toEqual([second.credentialId]);
    const events = await store.audit.list({ type: 'credential.removed', limit: 5 });
    expect(events[0]).toMatchObject({ credentialId: first.credentialId, outcome: 'success' });
  });

  it('a removed credential can no longer sign in', async () => {
    await setup();
    const agent = h.agent();
    const auth = h.authenticator();
    const first = await register(agent, auth);
    await register(agent, h.authenticator());
    await agent.delete(`/account/credentials/${first.credentialId}`);
    const res = await signIn(h.agent(), auth, { username: '', assertion: { credentialId: first.credentialId } });
    expect(res.result.body.code).toBe('unknown_credential');
  });

  it('counts only credentials that can still sign in when refusing to remove the last', async () => {
    await setup();
    const agent = h.agent();
    const first = await register(agent, h.authenticator()); // this session signed in with it
    const second = await register(agent, h.authenticator());
    await store.credentials.markPossiblyCloned(second.credentialId!);
    const res = await agent.delete(`/account/credentials/${first.credentialId}`);
    expect(res.body.code).toBe('last_factor');
    expect((await agent.delete(`/account/credentials/${second.credentialId}`)).status).toBe(200);
  });

  it('never lets concurrent removals take an account\'s last key', async () => {
    await setup();
    for (let round = 0; round < 5; round++) {
      const agent = h.agent();
      const username = `racer${round}`;
      const one = await register(agent, h.authenticator(), { username });
      const two = await register(agent, h.authenticator(), { username });
      const results = await Promise.all([one, two, one, two].map((c) => agent.delete(`/account/credentials/${c.credentialId}`)));
      expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
      for (const r of results.filter((x) => x.status !== 200)) expect(['account_busy', 'last_factor', 'credential_not_found']).toContain(r.body.code);
      expect(await store.credentials.listByUser(one.options.body.user.id)).not.toHaveLength(0);
    }
  });

  it('ends the other sessions of a removed credential, keeping the caller\'s', async () => {
    await setup();
    const laptop = h.agent();
    const auth = h.authenticator();
    const lost = await register(laptop, auth);
    await register(laptop, h.authenticator());
    const phone = h.agent();
    expect((await signIn(phone, auth, { assertion: { credentialId: lost.credentialId } })).result.status).toBe(200);
    expect((await phone.get('/account/me')).status).toBe(200);
    expect((await laptop.delete(`/account/credentials/${lost.credentialId}`)).status).toBe(200);
    expect((await phone.get('/account/me')).status).toBe(401);
    expect((await laptop.get('/account/me')).status).toBe(200);
  });

  it('needs a recent sign-in to add or remove a key (step_up_required), and signing in again steps up', async () => {
    await setup();
    const agent = h.agent();
    const auth = h.authenticator();
    const first = await register(agent, auth);
    const second = await register(agent, h.authenticator());
    h.clock.advance(h.config.stepUpMaxAgeSeconds * 1000 + 1);
    const add = await agent.post('/attestation/options').send({ username: 'alice' });
    expect(add.status).toBe(403);
    expect(add.body.code).toBe('step_up_required');
    const remove = await agent.delete(`/account/credentials/${second.credentialId}`);
    expect(remove.body.code).toBe('step_up_required');
    // Renaming is not sensitive.
    expect((await agent.patch(`/account/credentials/${second.credentialId}`).send({ name: 'spare' })).status).toBe(200);
    // Step up: sign in again on the same agent, then the change goes through.
    expect((await signIn(agent, auth, { assertion: { credentialId: first.credentialId } })).result.status).toBe(200);
    expect((await agent.delete(`/account/credentials/${second.credentialId}`)).status).toBe(200);
    expect((await register(agent, h.authenticator())).result.status).toBe(200);
  });

  it('ends, on its next request, a session whose credential is gone or flagged (even one created during the removal)', async () => {
    await setup();
    const laptop = h.agent();
    const auth = h.authenticator();
    const a = await register(laptop, auth);
    const b = await register(laptop, auth);
    const phone = h.agent();
    const tablet = h.agent();
    await signIn(phone, auth, { assertion: { credentialId: a.credentialId } });
    await signIn(tablet, auth, { assertion: { credentialId: b.credentialId } });
    // As if a sign-in finished after the removal had already ended the other sessions:
    await store.credentials.delete(a.credentialId!, a.options.body.user.id);
    expect((await phone.get('/account/me')).body.code).toBe('not_signed_in');
    await store.credentials.markPossiblyCloned(b.credentialId!);
    expect((await tablet.get('/session')).body.signedIn).toBe(false);
    // The laptop signed in by registering with `a`: its session ends as well.
    expect((await laptop.get('/account/me')).status).toBe(401);
  });

  it('checks the step-up again when adding a key finishes', async () => {
    store = await factory.open();
    h = createHarness(store, { env: { STEP_UP_MAX_AGE_SECONDS: '60' } });
    const agent = h.agent();
    await register(agent, h.authenticator());
    const options = await agent.post('/attestation/options').send({ username: 'alice' });
    expect(options.status).toBe(200);
    h.clock.advance(61_000); // still inside the challenge's 300 s, past the 60 s step-up window
    const { response } = await h.authenticator().createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id });
    const res = await agent.post('/attestation/result').send(response);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('step_up_required');
    expect(await store.credentials.listByUser(options.body.user.id)).toHaveLength(1);
  });

  it('never touches another user\'s credential', async () => {
    await setup();
    const alice = h.agent();
    const bob = h.agent();
    await register(alice, h.authenticator(), { username: 'alice' });
    await register(alice, h.authenticator(), { username: 'alice' });
    const bobs = await register(bob, h.authenticator(), { username: 'bob' });
    await register(bob, h.authenticator(), { username: 'bob' });
    for (const res of [await alice.delete(`/account/credentials/${bobs.credentialId}`), await alice.patch(`/account/credentials/${bobs.credentialId}`).send({ name: 'mine now' })]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('credential_not_found');
    }
    expect((await store.credentials.findById(bobs.credentialId!))!.name).not.toBe('mine now');
  });

  it('signs out: the session no longer works', async () => {
    await setup();
    const agent = h.agent();
    const reg = await register(agent, h.authenticator());
    const cookie = reg.result.headers['set-cookie']![0]!.split(';')[0]!;
    expect((await agent.post('/session/logout').send({})).status).toBe(200);
    expect((await h.agent().get('/account/me').set('Cookie', cookie)).status).toBe(401);
  });
  it('signs out everywhere else: the other sessions end, this one stays, and it is audited', async () => {
    await setup();
    const here = h.agent();
    const auth = h.authenticator();
    await register(here, auth);
    const laptop = h.agent();
    const phone = h.agent();
    await signIn(laptop, auth, { username: '' });
    await signIn(phone, auth, { username: '' });
    const bob = h.agent();
    await register(bob, h.authenticator(), { username: 'bob' });
    const res = await here.post('/session/logout-others').send({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', errorMessage: '', ended: 2 });
    expect((await here.get('/account/me')).status).toBe(200);
    for (const gone of [laptop, phone]) expect((await gone.get('/account/me')).body.code).toBe('not_signed_in');
    expect((await bob.get('/account/me')).status).toBe(200);
    const [event] = await store.audit.list({ type: 'session.logout_others', limit: 1 });
    expect(event).toMatchObject({ outcome: 'success', data: { ended: 2 } });
    expect((await here.post('/session/logout-others').send({})).body.ended).toBe(0);
    const anon = await h.agent().post('/session/logout-others').send({});
    expect(anon.status).toBe(401);
    expect(anon.body.code).toBe('not_signed_in');
  });

  it('API replies are never cached (Cache-Control: no-store)', async () => {
    await setup();
    const agent = h.agent();
    await register(agent, h.authenticator());
    for (const res of [await agent.get('/session'), await agent.get('/account/credentials'), await h.agent().post('/assertion/options').send({}), await agent.post('/assertion/options').send({ nope: '%' }).set('Content-Type', 'application/json')]) {
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });
});
