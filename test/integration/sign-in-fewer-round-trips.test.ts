/**
 * The invariants the leaner sign-in keeps (issue 9 point 3), on every store, through the
 * real HTTP app: a sign-in by username finishes on the ceremony's snapshot of the user's
 * keys, trusted only through the counter compare-and-set, so whatever changed between
 * options and result (disabled, flagged, removed, registered again by someone else, the
 * counter moved) is decided as on a fresh read; concurrent finishes on one snapshot let
 * exactly one assertion per counter value through, also across two app instances on one
 * store; the session rotates in one operation and the old id stops working; the rate limit
 * prepaid by the options request is shared by instances and never lets more through.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness, register, signIn, type Agent, type Harness } from '../helpers/harness.js';
import { testStores } from '../helpers/test-stores.js';

describe.each(testStores().map((f) => [f.name, f] as const))('fewer round trips, same invariants, on the %s store', (_name, factory) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  async function withAlice(env: Record<string, string> = {}, o: { counter?: number } = {}) {
    store = await factory.open();
    const h = createHarness(store, { env });
    const auth = h.authenticator();
    const reg = await register(h.agent(), auth, { credential: { counter: o.counter ?? 0 } });
    expect(reg.result.status).toBe(200);
    return { h, auth, credentialId: reg.credentialId!, userId: reg.options.body.user.id as string, store };
  }
  const options = (agent: Agent) => agent.post('/assertion/options').send({ username: 'alice' });

  it('a key flagged possibly cloned between options and result is refused (credential_possibly_cloned), counter unchanged', async () => {
    const { h, auth, credentialId, store: s } = await withAlice();
    const agent = h.agent();
    const opts = await options(agent);
    await s.credentials.markPossiblyCloned(credentialId);
    const res = await agent.post('/assertion/result').send(await auth.getAssertion({ challenge: opts.body.challenge }));
    expect([res.status, res.body.code]).toEqual([403, 'credential_possibly_cloned']);
    expect((await s.credentials.findById(credentialId))!.counter).toBe(0);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('a key removed between options and result is refused (unknown_credential), and so is one registered again by another user', async () => {
    const { h, auth, credentialId, userId, store: s } = await withAlice();
    const agent = h.agent();
    const opts = await options(agent);
    const stored = (await s.credentials.findById(credentialId))!;
    await s.credentials.delete(credentialId, userId);
    const gone = await agent.post('/assertion/result').send(await auth.getAssertion({ challenge: opts.body.challenge }));
    expect([gone.status, gone.body.code]).toEqual([400, 'unknown_credential']);

    // Registered again, same id and key, by someone else: alice's ceremony must not sign her in with it.
    const again = await options(agent);
    expect(again.status).toBe(200);
    await s.users.insert({ id: 'bob-id-bob-id-bob-id-bob-id-bob-id-bob-id-b', username: 'bob', displayName: 'Bob', createdAt: new Date() });
    await s.credentials.insert({ ...stored, userId: 'bob-id-bob-id-bob-id-bob-id-bob-id-bob-id-b', createdAt: new Date(stored.createdAt.getTime() + 1000) });
    // The options above found alice without keys: decoys, no snapshot. Take one with a snapshot first.
    await s.credentials.delete(credentialId, 'bob-id-bob-id-bob-id-bob-id-bob-id-bob-id-b');
    await s.credentials.insert(stored);
    const withSnapshot = await options(agent);
    expect(withSnapshot.body.allowCredentials.map((c: { id: string }) => c.id)).toEqual([credentialId]);
    await s.credentials.delete(credentialId, userId);
    await s.credentials.insert({ ...stored, userId: 'bob-id-bob-id-bob-id-bob-id-bob-id-bob-id-b', createdAt: new Date(stored.createdAt.getTime() + 1000) });
    const stolen = await agent.post('/assertion/result').send(await auth.getAssertion({ challenge: withSnapshot.body.challenge }));
    expect([stolen.status, stolen.body.code]).toEqual([400, 'unknown_credential']);
    expect((await s.credentials.findById(credentialId))!.counter).toBe(stored.counter);
  });

  it('a stale snapshot with a replayed lower counter is a regression: flagged and audited, as on a fresh read', async () => {
    const { h, auth, credentialId, userId, store: s } = await withAlice({}, { counter: 5 });
    const agent = h.agent();
    const stale = await options(agent);
    expect((await signIn(h.agent(), auth, { assertion: { counter: 9 } })).result.status).toBe(200);
    const res = await agent.post('/assertion/result').send(await auth.getAssertion({ challenge: stale.body.challenge, counter: 7 }));
    expect([res.status, res.body.code]).toEqual([400, 'counter_regression']);
    expect((await s.credentials.findById(credentialId))!.possiblyCloned).toBe(true);
    expect((await s.audit.list({ userId, type: 'credential.possibly_cloned', limit: 5 })).length).toBe(1);
  });

  it('of 6 concurrent finishes on one snapshot with the same counter, across two instances, exactly one signs in', async () => {
    const { h, auth, credentialId, store: s } = await withAlice();
    const other: Harness = createHarness(s);
    const agents = Array.from({ length: 6 }, (_, i) => (i % 2 ? other : h).agent());
    const opts = await Promise.all(agents.map((a) => options(a)));
    const responses = await Promise.all(opts.map((o) => auth.getAssertion({ challenge: o.body.challenge, counter: 7 })));
    const results = await Promise.all(agents.map((a, i) => a.post('/assertion/result').send(responses[i])));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    // The losers: a lost CAS, or a regression against the winner's counter (which flags the key, so later ones see it flagged).
    for (const r of results.filter((x) => x.status !== 200)) expect(['counter_conflict', 'counter_regression', 'credential_possibly_cloned']).toContain(r.body.code);
    expect((await s.credentials.findById(credentialId))!.counter).toBe(7);
  });

  it('authenticators that always report 0: concurrent finishes of distinct ceremonies all pass; each challenge once', async () => {
    const { h, auth } = await withAlice({}, { counter: 0 });
    const agents = Array.from({ length: 4 }, () => h.agent());
    const opts = await Promise.all(agents.map((a) => options(a)));
    const responses = await Promise.all(opts.map((o) => auth.getAssertion({ challenge: o.body.challenge, counter: 0 })));
    const results = await Promise.all(agents.map((a, i) => a.post('/assertion/result').send(responses[i])));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const replay = await agents[0]!.post('/assertion/result').send(responses[0]);
    expect(replay.body.code).toBe('no_pending_ceremony');
  });

  it('signing in again while signed in: the new session works and the old signed-in id stops working', async () => {
    const { h, auth } = await withAlice();
    const agent = h.agent();
    const first = await signIn(agent, auth);
    const firstCookie = first.result.headers['set-cookie']![0]!.split(';')[0]!;
    expect((await h.agent().get('/account/me').set('Cookie', firstCookie)).status).toBe(200);
    const second = await signIn(agent, auth);
    const secondCookie = second.result.headers['set-cookie']![0]!.split(';')[0]!;
    expect(secondCookie).not.toBe(firstCookie);
    expect((await h.agent().get('/account/me').set('Cookie', secondCookie)).status).toBe(200);
    expect((await h.agent().get('/account/me').set('Cookie', firstCookie)).status).toBe(401);
  });

  it('rate limit: the result prepaid by its options is shared by instances; across two instances no more than the limit is served', async () => {
    store = await factory.open();
    const env = { RATE_LIMIT_PER_MINUTE: '7' };
    const a = createHarness(store, { env });
    const b = createHarness(store, { env });
    a.clock.set(Math.floor(Date.now() / 60_000) * 60_000 + 1_000);
    b.clock.set(a.clock.now());
    // Options on A (counts 2: itself and its result), result on B (B has no prepaid hit: counts 1).
    const o1 = await a.agent().post('/assertion/options').send({});
    expect(o1.status).toBe(200);
    const rlA = await a.agent().post('/assertion/result').set('Content-Type', 'application/json').send('{');
    expect(rlA.status).toBe(400); // took A's prepaid hit: count stays 2
    expect((await b.agent().post('/assertion/result').set('Content-Type', 'application/json').send('{')).status).toBe(400); // 3
    expect((await b.agent().post('/assertion/options').send({})).status).toBe(200); // 4 (+1 prepaid on B = 5)
    expect((await a.agent().post('/assertion/options').send({})).status).toBe(200); // 6 (+1 prepaid on A = 7)
    expect((await b.agent().post('/assertion/result').set('Content-Type', 'application/json').send('{')).status).toBe(400); // B's prepaid (5)
    expect((await a.agent().post('/assertion/result').set('Content-Type', 'application/json').send('{')).status).toBe(400); // A's prepaid (7)
    // 7 served; every further request on either instance is refused.
    for (const h of [a, b, a, b]) {
      const res = await h.agent().post('/assertion/options').send({});
      expect([res.status, res.body.code]).toEqual([429, 'rate_limited']);
    }
    const res = await b.agent().post('/assertion/result').set('Content-Type', 'application/json').send('{');
    expect(res.status).toBe(429);
  });
});
