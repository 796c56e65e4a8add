/**
 * Sign-in approval from a signed-in device (issue 10 point 3) through the HTTP app, on both
 * stores: a half sign-in (password accepted) on a new device asks; the user's other signed-in
 * session sees where it comes from and three numbers (never which is right), picks the number
 * the new device shows, confirms with its own key (UV), and the new device completes its
 * sign-in once (amr pwd + mca + mfa, acr mfa). Number matching (a wrong pick denies), the
 * 2-minute expiry, single use (complete twice, approvers racing), binding to one attempt,
 * "this was not me", the approver's session left as it was, strangers and anonymous callers,
 * admins refused, and the server-sent events stream, also across two app instances on one
 * store. Two agents are two devices.
 */
import { createServer, get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { CookieAccessInfo } from 'cookiejar';
import { DevDelivery } from '../../server/src/delivery/dev-delivery.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness, register, signIn, type Agent, type Harness } from '../helpers/harness.js';
import type { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { expectStatus, passwordRequest, sessionOf, signUpWithKey, signUpWithTotp } from '../helpers/second-factor-flows.js';
import { testStores } from '../helpers/test-stores.js';

const ACR_MFA = 'urn:keygate:acr:mfa';
const ENV = { PASSWORD_LOGIN: 'true', APPROVAL: 'true' };

/** The session cookie a supertest agent holds, as a Cookie header, and the session id in it. */
function cookieOf(agent: Agent): { header: string; sessionId: string | undefined } {
  const cookies = (agent as unknown as { jar: { getCookies(a: unknown): { name: string; value: string; toValueString(): string }[] } }).jar.getCookies(CookieAccessInfo.All);
  const header = cookies.map((c) => c.toValueString()).join('; ');
  const raw = cookies.find((c) => c.name.includes('sid') || c.value.startsWith('s%3A'))?.value;
  const m = raw ? /^s:([A-Za-z0-9_-]{43})\./.exec(decodeURIComponent(raw)) : null;
  return { header, sessionId: m?.[1] };
}

/**
 * Reads `path` as an event stream from `server` with `cookie` until the first `event:
 * approval` (or `timeoutMs`), then closes it: the events seen.
 */
function firstApprovalEvent(server: Server, cookie: string, timeoutMs = 5000): Promise<{ status: number; contentType: string | undefined; event?: { id: string; data: Record<string, unknown> }; text: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/account/approvals/events', headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      let text = '';
      const done = (event?: { id: string; data: Record<string, unknown> }) => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode!, contentType: res.headers['content-type'], event, text });
      };
      const timer = setTimeout(() => done(), timeoutMs);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        const m = /event: approval\nid: ([^\n]+)\ndata: ([^\n]+)\n\n/.exec(text);
        if (m) done({ id: m[1]!, data: JSON.parse(m[2]!) as Record<string, unknown> });
      });
      res.on('end', () => done());
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
  });
}

describe.each(testStores().map((f) => [f.name, f] as const))('sign-in approval from a signed-in device on the %s store', (_name, factory) => {
  const stores: Store[] = [];
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  const openStore = async () => {
    const store = await factory.open();
    stores.push(store);
    return store;
  };
  const open = async (env: Record<string, string> = {}): Promise<Harness> => createHarness(await openStore(), { env: { ...ENV, ...env } });
  const listen = async (h: Harness): Promise<Server> => {
    const server = createServer(h.app);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return server;
  };

  /** alice signed up with a key (UP+UV): the approving device. */
  async function approverDevice(h: Harness, username = 'alice') {
    return signUpWithKey(h, username);
  }
  /** A new device: password accepted (half signed in), then POST /login/approval. */
  async function requestingDevice(h: Harness, username = 'alice', agent = h.agent()) {
    const password = expectStatus(await passwordRequest(agent, username), 200, 'POST /login/password');
    const ask = expectStatus(await agent.post('/login/approval').send({}), 200, 'POST /login/approval');
    return { agent, password, requestId: ask.body.requestId as string, number: ask.body.number as number, ask };
  }
  /** The approver picks `number`, then confirms with its key. */
  async function approve(approver: Agent, auth: SoftAuthenticator, credentialId: string, requestId: string, number: number) {
    const options = await approver.post(`/account/approvals/${requestId}/options`).send({ number });
    if (options.status !== 200) return { options, result: options };
    const response = await auth.getAssertion({ challenge: options.body.challenge, credentialId, flags: { uv: true } });
    const result = await approver.post(`/account/approvals/${requestId}/approve`).send(response);
    return { options, result };
  }
  const auditTypes = async (h: Harness, userId: string) => (await h.store.audit.list({ userId, limit: 100, now: h.clock.now() })).map((e) => e.type);

  it('full path: the new device shows a number, the signed-in device picks it among three and confirms with its key; the new device signs in once (amr pwd + mca + mfa, acr mfa)', async () => {
    const h = await open();
    const { agent: approver, auth, credentialId, userId } = await approverDevice(h);
    const before = cookieOf(approver).sessionId!;
    const sessionBefore = await h.store.sessions.get(before, h.clock.now());
    const { agent: device, password, requestId, number, ask } = await requestingDevice(h);
    expect(password.body.next).toContain('approval');
    expect(ask.body.expiresAt).toBe(new Date(h.clock.now().getTime() + 120_000).toISOString());
    expect(number).toBeGreaterThanOrEqual(10);
    expect(number).toBeLessThanOrEqual(99);
    expect((await sessionOf(device)).pendingSignIn.next).toContain('approval');
    // GET /session tells both devices that approval is offered (the demo asks nothing more otherwise).
    expect((await sessionOf(device)).approval).toBe(true);
    expect((await sessionOf(approver)).approval).toBe(true);

    const list = expectStatus(await approver.get('/account/approvals'), 200, 'GET /account/approvals').body.approvals;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: requestId, createdAt: h.clock.now().toISOString() });
    expect(list[0].choices).toHaveLength(3);
    expect(new Set(list[0].choices).size).toBe(3);
    expect(list[0].choices).toContain(number);
    expect(list[0]).not.toHaveProperty('number');
    expect(typeof list[0].ip).toBe('string');

    expect((await device.get('/login/approval')).body).toMatchObject({ status: 'ok', requestId, state: 'pending', number });
    const early = await device.post('/login/approval/complete').send({});
    expect([early.status, early.body.code]).toEqual([409, 'approval_not_approved']);

    const { options, result } = await approve(approver, auth, credentialId, requestId, number);
    expect(options.body).toMatchObject({ userVerification: 'required', allowCredentials: [{ id: credentialId }] });
    expectStatus(result, 200, 'approve');
    expect((await device.get('/login/approval')).body.state).toBe('approved');
    const done = expectStatus(await device.post('/login/approval/complete').send({}), 200, 'POST /login/approval/complete');
    expect(done.body.session.amr).toEqual(expect.arrayContaining(['pwd', 'mca', 'mfa']));
    expect(done.body.session.acr).toBe(ACR_MFA);
    expect(done.body.user.username).toBe('alice');
    expect((await sessionOf(device)).signedIn).toBe(true);
    expectStatus(await device.get('/account/me'), 200, 'the new device is signed in');

    // The approver's own session was neither rotated nor changed.
    expect(cookieOf(approver).sessionId).toBe(before);
    expect(await h.store.sessions.get(before, h.clock.now())).toEqual(sessionBefore);
    expect((await approver.get('/account/approvals')).body.approvals).toEqual([]);
    const types = await auditTypes(h, userId);
    expect(types).toEqual(expect.arrayContaining(['approval.requested', 'approval.approved', 'authentication.succeeded']));
  });

  it('a wrong number denies the request (403 wrong_approval_number, audited): it can no longer be approved or completed', async () => {
    const h = await open();
    const { agent: approver, auth, credentialId, userId } = await approverDevice(h);
    const { agent: device, requestId, number } = await requestingDevice(h);
    const wrong = ((await approver.get('/account/approvals')).body.approvals[0].choices as number[]).find((n) => n !== number)!;
    const res = await approver.post(`/account/approvals/${requestId}/options`).send({ number: wrong });
    expect([res.status, res.body.code]).toEqual([403, 'wrong_approval_number']);
    expect((await device.get('/login/approval')).body.state).toBe('denied');
    const right = await approve(approver, auth, credentialId, requestId, number);
    expect([right.result.status, right.result.body.code]).toEqual([409, 'approval_not_pending']);
    const complete = await device.post('/login/approval/complete').send({});
    expect([complete.status, complete.body.code]).toEqual([409, 'approval_not_approved']);
    expect(await auditTypes(h, userId)).toContain('approval.wrong_number');
  });

  it('expires after 2 minutes: reported expired (audited once), no longer listed, neither approvable nor completable', async () => {
    const h = await open();
    const { agent: approver, auth, credentialId, userId } = await approverDevice(h);
    const { agent: device, requestId, number } = await requestingDevice(h);
    const options = expectStatus(await approver.post(`/account/approvals/${requestId}/options`).send({ number }), 200, 'options in time');
    h.clock.advance(120_000);
    expect((await device.get('/login/approval')).body.state).toBe('expired');
    expect((await device.get('/login/approval')).body.state).toBe('expired');
    expect((await approver.get('/account/approvals')).body.approvals).toEqual([]);
    const response = await auth.getAssertion({ challenge: options.body.challenge, credentialId, flags: { uv: true } });
    const late = await approver.post(`/account/approvals/${requestId}/approve`).send(response);
    expect([late.status, late.body.code]).toEqual([409, 'approval_not_pending']);
    const again = await approver.post(`/account/approvals/${requestId}/options`).send({ number });
    expect([again.status, again.body.code]).toEqual([409, 'approval_not_pending']);
    const complete = await device.post('/login/approval/complete').send({});
    expect([complete.status, complete.body.code]).toEqual([409, 'approval_not_approved']);
    expect((await auditTypes(h, userId)).filter((t) => t === 'approval.expired')).toHaveLength(1);
  });

  it('single use: of 5 concurrent completions one signs in; of two approvers racing (two keys, two sessions) exactly one approves', async () => {
    const h = await open();
    const { agent: approver, auth, credentialId } = await approverDevice(h);
    const auth2 = h.authenticator();
    const second = await register(approver, auth2, { username: 'alice' });
    expectStatus(second.result, 200, 'a second key');
    const approver2 = h.agent();
    expectStatus((await signIn(approver2, auth2, { username: 'alice', userVerification: 'required' })).result, 200, 'second device signed in');

    const { agent: device, requestId, number } = await requestingDevice(h);
    const [o1, o2] = await Promise.all([approver, approver2].map((a) => a.post(`/account/approvals/${requestId}/options`).send({ number })));
    expectStatus(o1!, 200, 'options 1');
    expectStatus(o2!, 200, 'options 2');
    const r1 = await auth.getAssertion({ challenge: o1!.body.challenge, credentialId, flags: { uv: true } });
    const r2 = await auth2.getAssertion({ challenge: o2!.body.challenge, credentialId: second.credentialId!, flags: { uv: true } });
    const results = await Promise.all([approver.post(`/account/approvals/${requestId}/approve`).send(r1), approver2.post(`/account/approvals/${requestId}/approve`).send(r2)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.status === 409)!.body.code).toBe('approval_not_pending');

    const completes = await Promise.all(Array.from({ length: 5 }, () => device.post('/login/approval/complete').send({})));
    expect(completes.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of completes.filter((x) => x.status !== 200)) expect(['approval_not_approved', 'no_pending_sign_in']).toContain(r.body.code);
    const twice = await device.post('/login/approval/complete').send({});
    expect(twice.status).toBe(401);
  });

  it('an approval given for one attempt cannot complete another: a new password in that session, or another session', async () => {
    const h = await open();
    const { agent: approver, auth, credentialId } = await approverDevice(h);
    const { agent: device, requestId, number } = await requestingDevice(h);
    const other = h.agent();
    expectStatus(await passwordRequest(other, 'alice'), 200, 'another half sign-in');
    expectStatus((await approve(approver, auth, credentialId, requestId, number)).result, 200, 'approve');
    // Another session's half sign-in has no approved request of its own.
    const stranger = await other.post('/login/approval/complete').send({});
    expect([stranger.status, stranger.body.code]).toEqual([409, 'approval_not_approved']);
    // The same session starting over (a new attempt) drops the approval.
    expectStatus(await passwordRequest(device, 'alice'), 200, 'password again');
    const complete = await device.post('/login/approval/complete').send({});
    expect([complete.status, complete.body.code]).toEqual([409, 'approval_not_approved']);
    const status = await device.get('/login/approval');
    expect([status.status, status.body.code]).toEqual([404, 'approval_not_found']);
  });

  it('"this was not me" denies and ends the requesting half sign-in, recorded as a report', async () => {
    const h = await open();
    const { agent: approver, userId } = await approverDevice(h);
    const { agent: device, requestId } = await requestingDevice(h);
    const deny = expectStatus(await approver.post(`/account/approvals/${requestId}/deny`).send({ notMe: true }), 200, 'deny');
    expect(deny.body.ended).toBe(true);
    expect((await sessionOf(device)).pendingSignIn).toBeUndefined();
    const complete = await device.post('/login/approval/complete').send({});
    expect([complete.status, complete.body.code]).toEqual([401, 'no_pending_sign_in']);
    const types = await auditTypes(h, userId);
    expect(types).toEqual(expect.arrayContaining(['approval.denied', 'approval.reported']));
    // A plain denial leaves the half sign-in to try another way.
    const { agent: device2, requestId: id2 } = await requestingDevice(h);
    expect(expectStatus(await approver.post(`/account/approvals/${id2}/deny`).send({}), 200, 'deny').body.ended).toBe(false);
    expect((await device2.get('/login/approval')).body.state).toBe('denied');
    expect((await sessionOf(device2)).pendingSignIn).toBeDefined();
  });

  it('an anonymous session or another user\'s session can neither see nor answer the request', async () => {
    const h = await open();
    await approverDevice(h);
    const { agent: bob } = await signUpWithKey(h, 'bob');
    const { requestId, number } = await requestingDevice(h);
    const anonymous = h.agent();
    for (const res of [await anonymous.get('/account/approvals'), await anonymous.post(`/account/approvals/${requestId}/options`).send({ number }), await anonymous.post(`/account/approvals/${requestId}/deny`).send({})]) {
      expect([res.status, res.body.code]).toEqual([401, 'not_signed_in']);
    }
    expect((await bob.get('/account/approvals')).body.approvals).toEqual([]);
    for (const res of [await bob.post(`/account/approvals/${requestId}/options`).send({ number }), await bob.post(`/account/approvals/${requestId}/deny`).send({ notMe: true })]) {
      expect([res.status, res.body.code]).toEqual([404, 'approval_not_found']);
    }
    // A half-signed-in session is not an approver either.
    const half = h.agent();
    expectStatus(await passwordRequest(half, 'alice'), 200, 'half signed in');
    expect((await half.get('/account/approvals')).body.code).toBe('not_signed_in');
  });

  it('an approval ceremony does not sign in through /assertion/result, and a sign-in challenge does not approve', async () => {
    const h = await open();
    const { agent: approver, auth, credentialId } = await approverDevice(h);
    const { requestId, number } = await requestingDevice(h);
    const options = expectStatus(await approver.post(`/account/approvals/${requestId}/options`).send({ number }), 200, 'options');
    const response = await auth.getAssertion({ challenge: options.body.challenge, credentialId, flags: { uv: true } });
    const asSignIn = await approver.post('/assertion/result').send(response);
    expect([asSignIn.status, asSignIn.body.code]).toEqual([400, 'ceremony_mismatch']);
    const signInOptions = expectStatus(await approver.post('/assertion/options').send({ username: 'alice', userVerification: 'required' }), 200, 'sign-in options');
    const signInResponse = await auth.getAssertion({ challenge: signInOptions.body.challenge, credentialId, flags: { uv: true } });
    const asApproval = await approver.post(`/account/approvals/${requestId}/approve`).send(signInResponse);
    expect([asApproval.status, asApproval.body.code]).toEqual([400, 'ceremony_mismatch']);
  });

  it('admins never (403 policy_violation, rule secondFactors), and a deployment without APPROVAL offers nothing (403 approval_disabled)', async () => {
    const h = await open();
    const { userId } = await approverDevice(h, 'root');
    await h.store.users.setRole(userId, 'admin');
    const device = h.agent();
    const password = expectStatus(await passwordRequest(device, 'root'), 200, 'password');
    expect(password.body.next).not.toContain('approval');
    const ask = await device.post('/login/approval').send({});
    expect([ask.status, ask.body.code, ask.body.rule]).toEqual([403, 'policy_violation', 'secondFactors']);

    const off = createHarness(await openStore(), { env: { PASSWORD_LOGIN: 'true' } });
    await signUpWithKey(off, 'carol');
    const d2 = off.agent();
    expect(expectStatus(await passwordRequest(d2, 'carol'), 200, 'password').body.next).not.toContain('approval');
    const refused = await d2.post('/login/approval').send({});
    expect([refused.status, refused.body.code]).toEqual([403, 'approval_disabled']);
  });

  it('asks only where a key can approve (404 no_credentials), and at most 3 times a minute per user (429 rate_limited)', async () => {
    const h = await open();
    await signUpWithTotp(h, 'dave');
    const d = h.agent();
    expect(expectStatus(await passwordRequest(d, 'dave'), 200, 'password').body.next).not.toContain('approval');
    const none = await d.post('/login/approval').send({});
    expect([none.status, none.body.code]).toEqual([404, 'no_credentials']);

    await approverDevice(h);
    const device = h.agent();
    expectStatus(await passwordRequest(device, 'alice'), 200, 'password');
    for (let i = 0; i < 3; i++) expectStatus(await device.post('/login/approval').send({}), 200, `request ${i}`);
    const fourth = await device.post('/login/approval').send({});
    expect([fourth.status, fourth.body.code]).toEqual([429, 'rate_limited']);
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('where DELIVERY is configured, the user also gets a message with a link (never the number) on their verified email', async () => {
    const delivery = new DevDelivery(new FixedClock(Date.now()));
    const h = createHarness(await openStore(), { env: { ...ENV, DELIVERY: 'dev' }, delivery });
    const { userId } = await approverDevice(h);
    const hash = 'x'.repeat(43);
    await h.store.oob.setPending(userId, 'email', { destination: 'alice@example.com', hash, attempts: 0, sentAt: h.clock.now(), expiresAt: new Date(h.clock.now().getTime() + 60_000) });
    expect(await h.store.oob.confirm(userId, 'email', { hash, destination: 'alice@example.com' }, h.clock.now())).toBe(true);
    const { number } = await requestingDevice(h);
    const [message] = delivery.recent('alice@example.com');
    expect(message?.text).toContain('http://localhost:3000/#approvals');
    expect(message?.text).not.toMatch(new RegExp(`\\b${number}\\b`));
  });

  it('the event stream delivers a pending request (text/event-stream), also when the request reached another instance on the same store', async () => {
    const store = await openStore();
    const h1 = createHarness(store, { env: ENV });
    const h2 = createHarness(store, { env: ENV });
    const { agent: approver } = await approverDevice(h1);
    const server1 = await listen(h1);
    const cookie = cookieOf(approver).header;
    const pending = firstApprovalEvent(server1, cookie);
    // The request goes through the other instance.
    const { requestId, number } = await requestingDevice(h2);
    const got = await pending;
    expect(got.status).toBe(200);
    expect(got.contentType).toMatch(/^text\/event-stream/);
    expect(got.event?.id).toBe(requestId);
    expect(got.event?.data).toMatchObject({ id: requestId });
    expect(got.event?.data.choices).toContain(number);
    expect(got.event?.data).not.toHaveProperty('number');
    // Anonymous: refused before any stream.
    const anon = await h1.agent().get('/account/approvals/events');
    expect([anon.status, anon.body.code]).toEqual([401, 'not_signed_in']);
  });
});
