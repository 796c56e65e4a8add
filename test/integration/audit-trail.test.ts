/**
 * The audit trail as its users see it: what is recorded (who, what, when, IP, User-Agent,
 * request id, outcome and code; never a challenge or a whole credential; `detail` scrubbed
 * and truncated), kept for AUDIT_RETENTION_DAYS, and queryable by the user through
 * GET /account/activity (newest first, by type and time range, paged without gaps), on every store.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from '@jest/globals';
import { openMongoStore } from '../../server/src/storage/mongo/mongo-store.js';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness, register, signIn, type Harness } from '../helpers/harness.js';
import { testStores } from '../helpers/test-stores.js';

const UA = 'Mozilla/5.0 (audit-trail test) keygate-tests/1.0';

describe.each(testStores().map((f) => [f.name, f] as const))('audit trail on the %s store', (_name, factory) => {
  let store: Store;
  let h: Harness;
  afterEach(async () => {
    await store?.close();
  });
  const setup = async (env: Record<string, string> = {}) => {
    store = await factory.open();
    h = createHarness(store, { env });
  };
  /** alice with one key, signed in on `agent`, plus one failed and one good sign-in and a rename. */
  const history = async () => {
    const agent = h.agent().set('User-Agent', UA);
    const auth = h.authenticator();
    const reg = await register(agent, auth);
    h.clock.advance(1000);
    const failed = await signIn(h.agent().set('User-Agent', 'attacker/0.1'), auth, { assertion: { overrides: { signature: 'bogus' } } });
    expect(failed.result.body.code).toBe('signature_invalid');
    h.clock.advance(1000);
    await signIn(agent, auth);
    h.clock.advance(1000);
    expect((await agent.patch(`/account/credentials/${reg.credentialId}`).send({ name: 'Blue key' })).status).toBe(200);
    return { agent, auth, reg, userId: reg.options.body.user.id as string };
  };

  it('records who, what, when, from where and how it ended, and the user reads it newest first', async () => {
    await setup();
    const { agent, reg } = await history();
    const res = await agent.get('/account/activity');
    expect(res.status).toBe(200);
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['credential.renamed', 'authentication.succeeded', 'authentication.failed', 'registration.succeeded']);
    const [renamed, , failed, registered] = res.body.events;
    expect(renamed).toMatchObject({ outcome: 'success', credentialId: reg.credentialId, userAgent: UA, ip: expect.any(String) });
    expect(failed).toMatchObject({ outcome: 'failure', code: 'signature_invalid', userAgent: 'attacker/0.1' });
    expect(registered).toMatchObject({ outcome: 'success', userAgent: UA });
    for (const e of res.body.events) {
      expect(Object.keys(e).sort()).toEqual(expect.arrayContaining(['at', 'id', 'outcome', 'type']));
      expect(e).not.toHaveProperty('data');
      expect(e).not.toHaveProperty('detail');
    }
    expect(res.body).not.toHaveProperty('next');
  });

  it('stores the request id of the request and a scrubbed, truncated detail (no challenge or credential id)', async () => {
    await setup();
    const agent = h.agent();
    const auth = h.authenticator();
    const reg = await register(agent, auth);
    const options = await h.agent().post('/assertion/options').send({ username: 'alice' });
    const assertion = await auth.getAssertion({ challenge: options.body.challenge });
    const otherId = Buffer.alloc(64, 9).toString('base64url');
    const res = await h.agent().post('/assertion/result').set('Cookie', options.headers['set-cookie']![0]!.split(';')[0]!).set('X-Request-Id', 'trace-abc.123').send({ ...assertion, id: otherId, rawId: otherId });
    expect(res.body.code).toBe('unknown_credential');
    const [event] = await store.audit.list({ type: 'authentication.failed', limit: 1 });
    expect(event).toMatchObject({ requestId: 'trace-abc.123', userId: reg.options.body.user.id, code: 'unknown_credential' });
    const detail = String(event!.data!.detail);
    expect(detail).toContain('[redacted]');
    expect(detail).not.toContain(otherId);
    expect(detail).not.toContain(options.body.challenge);
    expect(detail.length).toBeLessThanOrEqual(200);
  });

  it('filters by type and time range, and pages without gaps or repeats', async () => {
    await setup();
    const { agent } = await history();
    for (let i = 0; i < 5; i++) {
      h.clock.advance(10);
      await agent.post('/session/logout-others').send({});
    }
    const failed = await agent.get('/account/activity').query({ type: 'authentication.failed' });
    expect(failed.body.events.map((e: { code: string }) => e.code)).toEqual(['signature_invalid']);
    const all = (await agent.get('/account/activity').query({ limit: 100 })).body.events as { id: string; at: string }[];
    expect(all).toHaveLength(9);
    const middle = await agent.get('/account/activity').query({ from: all[7]!.at, to: all[1]!.at, limit: 100 });
    expect(middle.body.events.map((e: { id: string }) => e.id)).toEqual(all.slice(2, 8).map((e) => e.id));

    const paged: string[] = [];
    let before: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await agent.get('/account/activity').query({ limit: 2, ...(before ? { before } : {}) });
      expect(page.status).toBe(200);
      paged.push(...page.body.events.map((e: { id: string }) => e.id));
      before = page.body.next;
      if (!before) break;
    }
    expect(paged).toEqual(all.map((e) => e.id));
  });

  it('keeps events AUDIT_RETENTION_DAYS, then leaves them out', async () => {
    await setup({ AUDIT_RETENTION_DAYS: '30' });
    const { agent, auth } = await history();
    // 30 days after the registration, 0.5 s later; the failed sign-in (1 s after it) is still kept.
    h.clock.advance(30 * 86_400_000 - 2500);
    await signIn(agent, auth); // a fresh session: the first one has expired long ago
    expect((await agent.get('/account/activity')).body.events.map((e: { type: string }) => e.type)).toEqual(['authentication.succeeded', 'credential.renamed', 'authentication.succeeded', 'authentication.failed']);
    const [stored] = await store.audit.list({ type: 'registration.succeeded', limit: 1 });
    expect(stored!.expiresAt!.getTime() - stored!.at.getTime()).toBe(30 * 86_400_000);
  });

  it('shows a user only their own events, and none to a stranger', async () => {
    await setup();
    await history();
    const bob = h.agent();
    await register(bob, h.authenticator(), { username: 'bob' });
    expect((await bob.get('/account/activity')).body.events.map((e: { type: string }) => e.type)).toEqual(['registration.succeeded']);
    const anon = await h.agent().get('/account/activity');
    expect([anon.status, anon.body.code]).toEqual([401, 'not_signed_in']);
  });

  it.each([
    ['limit=0'], ['limit=101'], ['limit=abc'], ['before=garbage'], ['before=1.'], ['type=Bad Type'], ['from=yesterday'], ['to=2026-13-01T00:00:00Z'], ['evil=1'], ['limit=1&limit=2'],
  ])('refuses the query %s with 400 invalid_request', async (query) => {
    await setup();
    const agent = h.agent();
    await register(agent, h.authenticator());
    const res = await agent.get(`/account/activity?${query}`);
    expect([res.status, res.body.code]).toEqual([400, 'invalid_request']);
  });

  it('records sign-out', async () => {
    await setup();
    const agent = h.agent();
    const reg = await register(agent, h.authenticator());
    h.clock.advance(1000);
    await agent.post('/session/logout').send({});
    const [event] = await store.audit.list({ userId: reg.options.body.user.id, limit: 1 });
    expect(event).toMatchObject({ type: 'session.logout', outcome: 'success' });
  });
});

const mongoUri = process.env.KEYGATE_TEST_MONGODB_URI;
(mongoUri ? describe : describe.skip)('npm run audit (operators) on MongoDB', () => {
  it('lists a user\'s events by username, by type and time range, and pages with --before', async () => {
    const dbName = `keygate_test_${randomBytes(6).toString('hex')}`;
    const store = await openMongoStore({ uri: mongoUri!, dbName, serverSelectionTimeoutMS: 3000 });
    try {
      const h = createHarness(store);
      h.clock.set(Date.now() - 60_000); // the script reads with the system clock
      const agent = h.agent();
      const auth = h.authenticator();
      await register(agent, auth, { username: 'audited-ann' });
      for (let i = 0; i < 3; i++) {
        h.clock.advance(1000);
        await signIn(agent, auth, { username: 'audited-ann' });
      }
      await register(h.agent(), h.authenticator(), { username: 'someone-else' });
      const audit = async (...args: string[]) =>
        (await promisify(execFile)('npm', ['run', '--silent', 'audit', '--', ...args], {
          env: { ...process.env, NODE_ENV: 'test', MONGODB_URI: mongoUri!, MONGODB_DB: dbName, DATA_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`, HMAC_SECRET: 'audit-query-hmac-secret-audit-query-hmac', RP_ID: 'localhost', RP_ORIGINS: 'http://localhost:3000', LOG_LEVEL: 'silent' },
          timeout: 20_000,
        })).stdout.trim().split('\n');
      const page1 = await audit('--user', 'Audited-Ann', '--limit', '2');
      expect(page1).toHaveLength(3);
      expect(page1.slice(0, 2).map((l) => JSON.parse(l).type)).toEqual(['authentication.succeeded', 'authentication.succeeded']);
      expect(page1[2]).toMatch(/^next: \d+\.[A-Za-z0-9_-]+$/);
      const page2 = await audit('--user', 'audited-ann', '--limit', '2', '--before', page1[2]!.slice('next: '.length));
      expect(page2.map((l) => JSON.parse(l).type)).toEqual(['authentication.succeeded', 'registration.succeeded']);
      const registrations = await audit('--type', 'registration.succeeded');
      expect(registrations).toHaveLength(2);
      const err = await audit('--from', 'yesterday').then(() => undefined, (e: { code: number; stderr: string }) => e);
      expect([err?.code, err?.stderr]).toEqual([2, expect.stringContaining('--from must be an ISO 8601 time')]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
