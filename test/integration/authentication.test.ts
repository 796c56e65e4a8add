/**
 * Authentication over the FIDO2 server API (/assertion/options → /assertion/result),
 * through the real HTTP app with a software authenticator, on every store.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness, register, signIn, type Agent, type Harness } from '../helpers/harness.js';
import type { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { testStores } from '../helpers/test-stores.js';

const OTHER_ID = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

describe.each(testStores().map((f) => [f.name, f] as const))('authentication on the %s store', (_name, factory) => {
  let store: Store;
  let h: Harness;
  afterEach(async () => {
    await store?.close();
  });

  /** A store with alice registered on `auth`; returns a fresh (signed-out) agent. */
  async function withAlice(o: { discoverable?: boolean; counter?: number; username?: string } = {}) {
    store ??= await factory.open();
    h ??= createHarness(store);
    const auth = h.authenticator();
    const reg = await register(h.agent(), auth, { username: o.username ?? 'alice', credential: { discoverable: o.discoverable, counter: o.counter ?? 0 } });
    expect(reg.result.status).toBe(200);
    return { auth, credentialId: reg.credentialId!, userId: reg.options.body.user.id as string, agent: h.agent() };
  }
  async function fresh() {
    store = await factory.open();
    h = createHarness(store);
  }

  it('signs in by username: allowCredentials lists the user\'s keys, the counter grows, the session rotates', async () => {
    await fresh();
    const { auth, credentialId, agent } = await withAlice();
    const first = await signIn(agent, auth, { username: 'Alice' });
    expect(first.options.body.allowCredentials).toEqual([{ id: credentialId, type: 'public-key', transports: ['usb'] }]);
    expect(first.options.body.rpId).toBe('localhost');
    expect(first.result.status).toBe(200);
    expect(first.result.body).toMatchObject({ status: 'ok', errorMessage: '', user: { username: 'alice' }, credential: { id: credentialId, counter: 1 } });
    const cookie1 = first.result.headers['set-cookie']?.[0];
    const second = await signIn(agent, auth);
    expect(second.result.body.credential.counter).toBe(2);
    const stored = await store.credentials.findById(credentialId);
    expect(stored!.counter).toBe(2);
    expect(stored!.lastUsedAt).toBeDefined();
    expect(second.result.headers['set-cookie']?.[0]).not.toBe(cookie1);
    expect((await agent.get('/account/me')).body.user.username).toBe('alice');
  });

  it('rotates the session id on sign-in: the pre-login cookie is not signed in', async () => {
    await fresh();
    const { auth } = await withAlice();
    const agent = h.agent();
    const options = await agent.post('/assertion/options').send({ username: 'alice' });
    const preLoginCookie = options.headers['set-cookie']![0]!.split(';')[0]!;
    const response = await auth.getAssertion({ challenge: options.body.challenge });
    const res = await agent.post('/assertion/result').send(response);
    expect(res.status).toBe(200);
    const postLoginCookie = res.headers['set-cookie']![0]!.split(';')[0]!;
    expect(postLoginCookie).not.toBe(preLoginCookie);
    const me = await h.agent().get('/account/me').set('Cookie', preLoginCookie);
    expect(me.status).toBe(401);
    expect(me.body.code).toBe('not_signed_in');
  });

  it('signs in usernameless with a discoverable credential, finding the user by credential id and userHandle', async () => {
    await fresh();
    const { auth, userId, agent } = await withAlice({ discoverable: true });
    const res = await signIn(agent, auth, { username: '' });
    expect(res.options.body.allowCredentials).toEqual([]);
    expect(res.result.status).toBe(200);
    expect(res.result.body.user.id).toBe(userId);
  });

  it('refuses usernameless sign-in without a userHandle (user_handle_missing)', async () => {
    await fresh();
    const { auth, agent } = await withAlice();
    const res = await signIn(agent, auth, { username: '', assertion: { userHandle: null } });
    expect(res.result.body.code).toBe('user_handle_missing');
  });

  it('refuses a userHandle that is not the credential owner (unknown_credential, as for any key not of this sign-in)', async () => {
    await fresh();
    const { auth, agent, credentialId } = await withAlice();
    const res = await signIn(agent, auth, { username: '', assertion: { userHandle: OTHER_ID } });
    expect(res.result.status).toBe(400);
    expect(res.result.body.code).toBe('unknown_credential');
    expect((await store.credentials.findById(credentialId))!.counter).toBe(0);
  });

  it('refuses another user\'s credential with the code of an unknown one', async () => {
    await fresh();
    const alice = await withAlice();
    const bob = await withAlice({ username: 'bob' });
    const res = await signIn(h.agent(), bob.auth, { username: 'alice', assertion: { credentialId: bob.credentialId } });
    expect(res.result.status).toBe(400);
    expect(res.result.body.code).toBe('unknown_credential');
    expect((await store.credentials.findById(alice.credentialId))!.counter).toBe(0);
    expect((await store.credentials.findById(bob.credentialId))!.counter).toBe(0);
  });

  it('tells a stranger nothing about another account\'s disabled or flagged key, and audits the attempt under the account it named', async () => {
    await fresh();
    const alice = await withAlice();
    const bob = await withAlice({ username: 'bob' });
    const mallory = await withAlice({ username: 'mallory' });
    await store.credentials.setDisabled(bob.credentialId, true);
    const unknown = async (username: string, credentialId: string) => {
      // Mallory's own authenticator signs, claiming bob's credential id: ownership fails first.
      const res = await signIn(h.agent(), mallory.auth, { username, assertion: { overrides: { id: credentialId, rawId: credentialId }, userHandle: username ? undefined : bob.userId } });
      return [res.result.status, res.result.body.code];
    };
    expect(await unknown('mallory', bob.credentialId)).toEqual([400, 'unknown_credential']);
    expect(await unknown('', bob.credentialId)).toEqual([400, 'signature_invalid']);
    await store.credentials.setDisabled(bob.credentialId, false);
    await store.credentials.markPossiblyCloned(bob.credentialId);
    expect(await unknown('mallory', bob.credentialId)).toEqual([400, 'unknown_credential']);
    expect(await unknown('', bob.credentialId)).toEqual([400, 'signature_invalid']);
    expect(await unknown('alice', bob.credentialId)).toEqual([400, 'unknown_credential']);
    // Nothing was written under bob's account; the named accounts carry the failures.
    expect(await store.audit.list({ userId: bob.userId, type: 'authentication.failed', limit: 10 })).toEqual([]);
    expect(await store.audit.list({ userId: alice.userId, type: 'authentication.failed', limit: 10 })).toHaveLength(1);
    expect(await store.audit.list({ userId: mallory.userId, type: 'authentication.failed', limit: 10 })).toHaveLength(2);
    // Bob's own signed assertion is told why (a flagged key is no longer in allowCredentials:
    // usernameless, it still reaches the check).
    expect((await signIn(h.agent(), bob.auth, { username: '', assertion: { userHandle: bob.userId } })).result.body.code).toBe('credential_possibly_cloned');
  });

  describe('the signature counter', () => {
    it('refuses a regression, flags the credential as possibly cloned and records the event', async () => {
      await fresh();
      const { auth, agent, credentialId, userId } = await withAlice({ counter: 5 });
      expect((await signIn(agent, auth, { assertion: { counter: 8 } })).result.status).toBe(200);
      expect((await agent.get('/account/me')).status).toBe(200);
      const clone = await signIn(h.agent(), auth, { assertion: { counter: 3 } });
      // Flagging ends the sessions signed in with the credential.
      expect((await agent.get('/account/me')).status).toBe(401);
      expect(clone.result.status).toBe(400);
      expect(clone.result.body.code).toBe('counter_regression');
      const stored = await store.credentials.findById(credentialId);
      expect(stored).toMatchObject({ counter: 8, possiblyCloned: true });
      const events = await store.audit.list({ userId, type: 'credential.possibly_cloned', limit: 10 });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ credentialId, outcome: 'failure', data: { received: 3, stored: 8 } });
      // Once flagged the credential stays blocked: a clone that retries past the stored
      // counter is still refused, and it is no longer offered in allowCredentials.
      const retry = await signIn(h.agent(), auth, { username: '', assertion: { counter: 50 } });
      expect(retry.result.status).toBe(403);
      expect(retry.result.body.code).toBe('credential_possibly_cloned');
      expect((await store.credentials.findById(credentialId))!.counter).toBe(8);
      // With no usable key left, alice's options look like any unknown username's (decoys).
      const offered = (await h.agent().post('/assertion/options').send({ username: 'alice' })).body.allowCredentials.map((c: { id: string }) => c.id);
      expect(offered).not.toContain(credentialId);
    });

    it('treats an equal counter as a regression', async () => {
      await fresh();
      const { auth, agent } = await withAlice({ counter: 5 });
      expect((await signIn(agent, auth, { assertion: { counter: 8 } })).result.status).toBe(200);
      expect((await signIn(h.agent(), auth, { assertion: { counter: 8 } })).result.body.code).toBe('counter_regression');
    });

    it('does not flag anything for an unsigned (forged) low counter', async () => {
      await fresh();
      const { auth, agent, credentialId } = await withAlice({ counter: 5 });
      const res = await signIn(agent, auth, { assertion: { counter: 1, overrides: { signature: 'bogus' } } });
      expect(res.result.body.code).toBe('signature_invalid');
      expect((await store.credentials.findById(credentialId))!.possiblyCloned).toBe(false);
    });

    it('accepts authenticators that always report zero', async () => {
      await fresh();
      const { auth, agent } = await withAlice({ counter: 0 });
      expect((await signIn(agent, auth, { assertion: { counter: 0 } })).result.status).toBe(200);
      expect((await signIn(agent, auth, { assertion: { counter: 0 } })).result.status).toBe(200);
    });

    it('lets exactly one of two concurrent assertions with the same counter through', async () => {
      await fresh();
      const { auth } = await withAlice();
      const agents: Agent[] = [h.agent(), h.agent()];
      const options = await Promise.all(agents.map((a) => a.post('/assertion/options').send({ username: 'alice' })));
      const responses = await Promise.all(options.map((o) => auth.getAssertion({ challenge: o.body.challenge, counter: 7 })));
      const results = await Promise.all(agents.map((a, i) => a.post('/assertion/result').send(responses[i])));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses[0]).toBe(200);
      expect(statuses[1]).toBeGreaterThanOrEqual(400);
      expect(['counter_conflict', 'counter_regression']).toContain(results.find((r) => r.status !== 200)!.body.code);
    });
  });

  it('refuses a disabled credential (credential_disabled) and leaves it out of allowCredentials', async () => {
    await fresh();
    const { auth, agent, credentialId } = await withAlice();
    const options = await agent.post('/assertion/options').send({ username: 'alice' });
    await store.credentials.setDisabled(credentialId, true);
    const res = await agent.post('/assertion/result').send(await auth.getAssertion({ challenge: options.body.challenge }));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('credential_disabled');
    const again = await agent.post('/assertion/options').send({ username: 'alice' });
    expect(again.body.allowCredentials.map((c: { id: string }) => c.id)).not.toContain(credentialId);
  });

  it('records success and failure in the audit log', async () => {
    await fresh();
    const { auth, agent, userId } = await withAlice();
    await signIn(agent, auth);
    await signIn(agent, auth, { assertion: { overrides: { signature: 'bogus' } } });
    const events = await store.audit.list({ userId, limit: 10 });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['registration.succeeded', 'authentication.succeeded', 'authentication.failed']));
    expect(events.find((e) => e.type === 'authentication.failed')!.code).toBe('signature_invalid');
  });
});

export type { SoftAuthenticator };
