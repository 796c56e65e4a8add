/**
 * One-time codes by SMS and email (issue 10 point 2) through the HTTP app, on both stores:
 * enrolment of a phone number (E.164 through libphonenumber-js) and of an email address with a
 * first code, sign-in with password + code (amr sms / otp, acr oob), single use, bound to the
 * half sign-in that asked for it, 5-minute life, the send limits (1 per 30 s, 5 per hour, per
 * IP), wrong codes into the lockout, a failed delivery that reveals nothing, 20 concurrent
 * submissions of one code, removal with step-up, and the role policy (admins: never).
 * Codes are read from the development delivery adapter, as the demo's developer panel does.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { DevDelivery } from '../../server/src/delivery/dev-delivery.js';
import type { DeliveryMessage, DeliveryResult, MessageDelivery } from '../../server/src/delivery/message-delivery.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness, type Agent, type Harness } from '../helpers/harness.js';
import { addTotp, expectStatus, passwordRequest, sessionOf, signUpRequest, userIdOf } from '../helpers/second-factor-flows.js';
import { testStores } from '../helpers/test-stores.js';

const ACR_OOB = 'urn:keygate:acr:oob';
const PHONE = '+33 6 12 34 56 78';
const E164 = '+33612345678';
const INTERVAL_MS = 30_000;

/** The dev adapter, able to fail on demand: by throwing (against the port's contract) or by a receiver's refusal. */
class SwitchableDelivery implements MessageDelivery {
  readonly kind = 'dev' as const;
  readonly channels = ['sms', 'email'] as const;
  readonly dev = new DevDelivery(new FixedClock(Date.now()));
  fail: 'no' | 'throw' | 'reject' = 'no';
  async send(m: DeliveryMessage): Promise<DeliveryResult> {
    if (this.fail === 'throw') throw new Error(`socket hang up sending to ${m.to}: ${m.text}`);
    if (this.fail === 'reject') return { status: 'failed_permanently', attempts: 1, reason: 'rejected', httpStatus: 400 };
    return this.dev.send(m);
  }
  /** The code of the newest message to `to`. */
  lastCode(to: string): string {
    const m = this.dev.recent(to)[0];
    if (!m) throw new Error(`no message to ${to}`);
    return /^(\d{6}) /.exec(m.text)![1]!;
  }
  count(to: string): number {
    return this.dev.recent(to).length;
  }
}

describe.each(testStores().map((f) => [f.name, f] as const))('SMS and email codes on the %s store', (_name, factory) => {
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  const open = async (env: Record<string, string> = {}): Promise<{ h: Harness; d: SwitchableDelivery }> => {
    const store = await factory.open();
    stores.push(store);
    const d = new SwitchableDelivery();
    const h = createHarness(store, { env: { PASSWORD_LOGIN: 'true', DELIVERY: 'dev', OOB_CHANNELS: 'sms,email', ...env }, delivery: d });
    return { h, d };
  };
  /** Waits out the per-user and per-destination interval between two sends. */
  const waitInterval = (h: Harness) => h.clock.advance(INTERVAL_MS);

  /** POST /account/oob, then confirm with the code delivered: `agent` is a sign-up's enrolment session or a stepped-up one. */
  async function addDestination(d: SwitchableDelivery, agent: Agent, channel: 'sms' | 'email', destination: string) {
    const enrol = expectStatus(await agent.post('/account/oob').send({ channel, destination }), 200, 'POST /account/oob');
    const to = enrol.body.destination as string;
    const confirm = expectStatus(await agent.post('/account/oob/confirm').send({ channel, code: d.lastCode(to) }), 200, 'POST /account/oob/confirm');
    return { enrol, confirm, to };
  }
  async function signUpWithPhone(h: Harness, d: SwitchableDelivery, username: string, phone = PHONE) {
    const agent = h.agent();
    expectStatus(await signUpRequest(agent, username), 200, 'POST /signup/password');
    const { enrol, confirm, to } = await addDestination(d, agent, 'sms', phone);
    return { agent, enrol, confirm, to, userId: await userIdOf(h, username) };
  }
  /** Password, then POST /login/oob/send: the half-signed-in agent and the send reply. */
  async function passwordThenSend(h: Harness, username: string, channel: 'sms' | 'email' = 'sms', agent = h.agent()) {
    expectStatus(await passwordRequest(agent, username), 200, 'POST /login/password');
    const send = await agent.post('/login/oob/send').send({ channel });
    return { agent, send };
  }

  it('enrols a phone number normalised to E.164 with a first code, and signs in with password + SMS code (amr sms, acr oob)', async () => {
    const { h, d } = await open();
    const { enrol, confirm, agent } = await signUpWithPhone(h, d, 'alice');
    expect(enrol.body).toMatchObject({ channel: 'sms', destination: E164, to: '+33•••••••78', expiresInSeconds: 300 });
    // The first code signed the sign-up's enrolment session in.
    expect(confirm.body.signedIn).toBe(true);
    expect(confirm.body.session).toMatchObject({ amr: expect.arrayContaining(['pwd', 'sms', 'mfa']), acr: ACR_OOB });
    const factors = expectStatus(await agent.get('/account/factors'), 200, 'GET /account/factors').body;
    expect(factors).toMatchObject({ sms: '+33•••••••78', email: null, oobChannels: ['sms', 'email'], totp: false });
    // The message: code first, the WebOTP line bound to RP_ID.
    expect(d.dev.recent(E164)[0]!.text).toMatch(/^\d{6} is your keygate verification code\. .*\n\n@localhost #\d{6}$/s);

    waitInterval(h);
    const login = h.agent();
    const password = expectStatus(await passwordRequest(login, 'alice'), 200, 'POST /login/password');
    expect(password.body.next).toEqual(['sms']);
    const send = expectStatus(await login.post('/login/oob/send').send({ channel: 'sms' }), 200, 'POST /login/oob/send');
    expect(send.body).toMatchObject({ channel: 'sms', to: '+33•••••••78', expiresInSeconds: 300, resendAfterSeconds: 30 });
    const res = await login.post('/login/oob').send({ code: d.lastCode(E164) });
    expect(res.status).toBe(200);
    expect(res.body.session.amr.sort()).toEqual(['mfa', 'pwd', 'sms']);
    expect(res.body.session.acr).toBe(ACR_OOB);
    expect((await sessionOf(login)).signedIn).toBe(true);
  });

  it('refuses a phone number that is not a valid mobile number, and an invalid email address (400 invalid_destination)', async () => {
    const { h } = await open();
    const agent = h.agent();
    await signUpRequest(agent, 'alice');
    for (const destination of ['12345', '06 12 34 56 78', '+33 6 12', '+44 20 7946 0958' /* landline */, '+44 909 879 0000' /* premium rate */, '+1 800 555 0199' /* toll free */]) {
      const res = await agent.post('/account/oob').send({ channel: 'sms', destination });
      expect([destination, res.status, res.body.code]).toEqual([destination, 400, 'invalid_destination']);
    }
    for (const destination of ['alice', 'alice@', '@example.com', 'a b@example.com', 'alice@example.com, bob@example.com']) {
      const res = await agent.post('/account/oob').send({ channel: 'email', destination });
      expect([destination, res.status, res.body.code]).toEqual([destination, 400, 'invalid_destination']);
    }
  });

  it('enrols an email address (domain lower-cased) and signs in with password + email code (amr otp, acr oob, below TOTP)', async () => {
    const { h, d } = await open();
    const agent = h.agent();
    await signUpRequest(agent, 'bob');
    const { enrol, confirm } = await addDestination(d, agent, 'email', '  Bob.Smith@Example.COM ');
    expect(enrol.body).toMatchObject({ channel: 'email', destination: 'Bob.Smith@example.com', to: 'B•••@example.com' });
    expect(confirm.body.session.acr).toBe(ACR_OOB);
    expect(d.dev.recent('Bob.Smith@example.com')[0]!.subject).toBe('Your keygate verification code');

    waitInterval(h);
    const { agent: login, send } = await passwordThenSend(h, 'bob', 'email');
    expectStatus(send, 200, 'POST /login/oob/send');
    const res = expectStatus(await login.post('/login/oob').send({ code: d.lastCode('Bob.Smith@example.com') }), 200, 'POST /login/oob');
    expect(res.body.session.amr.sort()).toEqual(['mfa', 'otp', 'pwd']);
    expect(res.body.session.acr).toBe(ACR_OOB);
  });

  it('a wrong enrolment code is refused (400 invalid_confirmation_code), and after 5 checks the enrolment is dead (409 no_pending_oob)', async () => {
    const { h, d } = await open();
    const agent = h.agent();
    await signUpRequest(agent, 'alice');
    expectStatus(await agent.post('/account/oob').send({ channel: 'sms', destination: PHONE }), 200, 'POST /account/oob');
    const right = d.lastCode(E164);
    const wrong = right === '000000' ? '000001' : '000000';
    for (let i = 0; i < 5; i++) expect((await agent.post('/account/oob/confirm').send({ channel: 'sms', code: wrong })).body.code).toBe('invalid_confirmation_code');
    const res = await agent.post('/account/oob/confirm').send({ channel: 'sms', code: right });
    expect([res.status, res.body.code]).toEqual([409, 'no_pending_oob']);
  });

  it('a code is single-use, and a code of one half sign-in cannot finish another', async () => {
    const { h, d } = await open();
    await signUpWithPhone(h, d, 'alice');
    waitInterval(h);
    // Attempt 1 asks for a code; the person signs in with the password again (a new half sign-in).
    const { agent, send } = await passwordThenSend(h, 'alice');
    expectStatus(send, 200, 'send for attempt 1');
    const code1 = d.lastCode(E164);
    // Another half sign-in of the same account, in another browser, never got a code.
    const other = h.agent();
    expectStatus(await passwordRequest(other, 'alice'), 200, 'password in another browser');
    expect((await other.post('/login/oob').send({ code: code1 })).body.code).toBe('no_pending_code');
    // The same browser, a new half sign-in: the first attempt's code is not its code.
    expectStatus(await passwordRequest(agent, 'alice'), 200, 'password again');
    expect((await agent.post('/login/oob').send({ code: code1 })).body.code).toBe('no_pending_code');
    waitInterval(h);
    expectStatus(await agent.post('/login/oob/send').send({ channel: 'sms' }), 200, 'send for attempt 2');
    const code2 = d.lastCode(E164);
    if (code2 !== code1) expect((await agent.post('/login/oob').send({ code: code1 })).body.code).toBe('invalid_code');
    expectStatus(await agent.post('/login/oob').send({ code: code2 }), 200, 'code 2 signs in');
    // Used: a new half sign-in of this (now signed-in, stepping-up) session cannot use it again.
    expectStatus(await passwordRequest(agent, 'alice'), 200, 'step-up password');
    const again = await agent.post('/login/oob').send({ code: code2 });
    expect([again.status, again.body.code]).toEqual([401, 'no_pending_code']);
  });

  it('a code expires after 5 minutes', async () => {
    const { h, d } = await open({ SIGN_IN_ATTEMPT_TTL_SECONDS: '900' });
    await signUpWithPhone(h, d, 'alice');
    waitInterval(h);
    const { agent, send } = await passwordThenSend(h, 'alice');
    expectStatus(send, 200, 'send');
    const code = d.lastCode(E164);
    h.clock.advance(5 * 60_000);
    const res = await agent.post('/login/oob').send({ code });
    expect([res.status, res.body.code]).toEqual([401, 'no_pending_code']);
    // A new code works (the half sign-in itself lives on).
    expectStatus(await agent.post('/login/oob/send').send({ channel: 'sms' }), 200, 'send again');
    h.clock.advance(5 * 60_000 - 1000);
    expectStatus(await agent.post('/login/oob').send({ code: d.lastCode(E164) }), 200, 'a code 4:59 old');
  });

  it('resends at most once per 30 s and 5 times per hour (429 code_send_limited with Retry-After)', async () => {
    const { h, d } = await open({ SIGN_IN_ATTEMPT_TTL_SECONDS: '3600' });
    await signUpWithPhone(h, d, 'alice'); // send 1 of the hour (the enrolment's first code)
    const { agent, send } = await passwordThenSend(h, 'alice');
    // Within 30 s of the enrolment's code.
    expect([send.status, send.body.code, send.headers['retry-after'], send.body.retryAfterSeconds]).toEqual([429, 'code_send_limited', '30', 30]);
    expect(send.body.errorMessage).toBe('A code was sent just now. Wait 30 seconds before asking for another.');
    h.clock.advance(INTERVAL_MS - 1000);
    expect((await agent.post('/login/oob/send').send({ channel: 'sms' })).headers['retry-after']).toBe('1');
    h.clock.advance(1000);
    for (let n = 2; n <= 5; n++) {
      expectStatus(await agent.post('/login/oob/send').send({ channel: 'sms' }), 200, `send ${n}`);
      const soon = await agent.post('/login/oob/send').send({ channel: 'sms' });
      expect([soon.status, soon.body.code]).toEqual([429, 'code_send_limited']);
      waitInterval(h);
    }
    // The 6th within the hour: refused until the first leaves the window (at T0 + 1 h).
    const sixth = await agent.post('/login/oob/send').send({ channel: 'sms' });
    expect([sixth.status, sixth.body.code]).toEqual([429, 'code_send_limited']);
    expect(Number(sixth.headers['retry-after'])).toBe(3600 - 5 * 30);
    expect(d.count(E164)).toBe(5);
    h.clock.advance((3600 - 5 * 30) * 1000);
    expectStatus(await passwordRequest(agent, 'alice'), 200, 'password again (the half sign-in expired)');
    expectStatus(await agent.post('/login/oob/send').send({ channel: 'sms' }), 200, 'send 6, an hour after the first');
  });

  it('limits sends per destination across accounts and per client IP (OOB_IP_SENDS_PER_HOUR)', async () => {
    const { h, d } = await open({ OOB_IP_SENDS_PER_HOUR: '3' });
    await signUpWithPhone(h, d, 'alice');
    // Another account enrolling the same number within 30 s: the destination's interval.
    const bob = h.agent();
    await signUpRequest(bob, 'bob');
    const same = await bob.post('/account/oob').send({ channel: 'sms', destination: PHONE });
    expect([same.status, same.body.code]).toEqual([429, 'code_send_limited']);
    // Sends 2 and 3 of this IP pass, the 4th is refused by the IP's hourly limit.
    waitInterval(h);
    expectStatus(await bob.post('/account/oob').send({ channel: 'email', destination: 'bob@example.com' }), 200, 'IP send 2');
    const carol = h.agent();
    await signUpRequest(carol, 'carol');
    expectStatus(await carol.post('/account/oob').send({ channel: 'sms', destination: '+33 6 12 34 56 79' }), 200, 'IP send 3');
    const dave = h.agent();
    await signUpRequest(dave, 'dave');
    const refused = await dave.post('/account/oob').send({ channel: 'sms', destination: '+33 6 12 34 56 70' });
    expect([refused.status, refused.body.code, refused.body.errorMessage]).toEqual([429, 'code_send_limited', expect.stringMatching(/^Too many codes were sent\. Try again in \d+ minutes\.$/)]);
  });

  it('wrong codes count into the second-factor lockout (429 locked_out after LOCKOUT_THRESHOLD)', async () => {
    const { h, d } = await open({ LOCKOUT_THRESHOLD: '3' });
    await signUpWithPhone(h, d, 'alice');
    waitInterval(h);
    const { agent, send } = await passwordThenSend(h, 'alice');
    expectStatus(send, 200, 'send');
    const right = d.lastCode(E164);
    const wrong = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < 3; i++) expect((await agent.post('/login/oob').send({ code: wrong })).body.code).toBe('invalid_code');
    const locked = await agent.post('/login/oob').send({ code: right });
    expect([locked.status, locked.body.code]).toEqual([429, 'locked_out']);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // Not a code at all counts too, and is never looked up as one.
    const h2 = await open({ LOCKOUT_THRESHOLD: '1' });
    await signUpWithPhone(h2.h, h2.d, 'bob');
    waitInterval(h2.h);
    const b = await passwordThenSend(h2.h, 'bob');
    expect((await b.agent.post('/login/oob').send({ code: 'abc' })).body.code).toBe('invalid_code');
    expect((await b.agent.post('/login/oob').send({ code: h2.d.lastCode(E164) })).body.code).toBe('locked_out');
  });

  it('sends no code while the account is locked out (429 locked_out, nothing sent or counted), and sends again once the lock ends', async () => {
    const { h, d } = await open({ LOCKOUT_THRESHOLD: '2', LOCKOUT_BASE_SECONDS: '120' });
    await signUpWithPhone(h, d, 'alice');
    waitInterval(h);
    const { agent, send } = await passwordThenSend(h, 'alice');
    expectStatus(send, 200, 'send');
    const wrong = d.lastCode(E164) === '123456' ? '654321' : '123456';
    for (let i = 0; i < 2; i++) expect((await agent.post('/login/oob').send({ code: wrong })).body.code).toBe('invalid_code');
    const sent = d.count(E164);
    for (let i = 0; i < 3; i++) {
      waitInterval(h); // past the resend interval: only the lockout can refuse
      const refused = await agent.post('/login/oob/send').send({ channel: 'sms' });
      expect([refused.status, refused.body.code]).toEqual([429, 'locked_out']);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(120 - 30 * (i + 1) + 1);
    }
    expect(d.count(E164)).toBe(sent);
    // The refused sends were not counted against the 5-per-hour limit: after the lock, sends pass.
    h.clock.advance(120_000);
    for (let i = 0; i < 2; i++) {
      waitInterval(h);
      expectStatus(await agent.post('/login/oob/send').send({ channel: 'sms' }), 200, `send ${i + 1} after the lock`);
    }
    expect(d.count(E164)).toBe(sent + 2);
    expectStatus(await agent.post('/login/oob').send({ code: d.lastCode(E164) }), 200, 'sign-in after the lock');
  });

  it('a failed delivery answers 503 delivery_failed, the same whatever went wrong, naming neither the destination nor the reason', async () => {
    const { h, d } = await open({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://127.0.0.1:1/unused', DATA_KEYS: `prod:${Buffer.alloc(32, 5).toString('base64')}`, HMAC_SECRET: 'production-hmac-secret-production-hmac-secret', TOKEN_ISSUER: 'https://login.example.com', DELIVERY: 'webhook', DELIVERY_WEBHOOK_URL: 'https://sms.example.com/keygate', DELIVERY_WEBHOOK_SECRET: 'x'.repeat(32) });
    await signUpWithPhone(h, d, 'alice');
    const replies = [];
    for (const fail of ['throw', 'reject'] as const) {
      d.fail = fail;
      waitInterval(h);
      const { send } = await passwordThenSend(h, 'alice');
      expect([send.status, send.body.code]).toEqual([503, 'delivery_failed']);
      replies.push(send.body);
      const text = JSON.stringify(send.body);
      for (const leak of ['612345678', '+33', 'socket', 'rejected', 'alice']) expect(text).not.toContain(leak);
    }
    expect(replies[0]).toEqual(replies[1]);
    expect(replies[0]).toEqual({ status: 'failed', code: 'delivery_failed', errorMessage: 'The code could not be sent. Try again in a moment, or use another way to sign in.' });
    // The code that was not delivered was withdrawn: nothing is pending for that half sign-in.
    d.fail = 'no';
    waitInterval(h);
    const { agent, send } = await passwordThenSend(h, 'alice');
    expectStatus(send, 200, 'delivery works again');
    expectStatus(await agent.post('/login/oob').send({ code: d.lastCode(E164) }), 200, 'sign-in');
  });

  it('of 20 concurrent submissions of one correct code exactly one signs in', async () => {
    const { h, d } = await open({ LOCKOUT_THRESHOLD: '100', LOCKOUT_IP_THRESHOLD: '1000' });
    await signUpWithPhone(h, d, 'alice');
    waitInterval(h);
    const { agent, send } = await passwordThenSend(h, 'alice');
    expectStatus(send, 200, 'send');
    const code = d.lastCode(E164);
    const results = await Promise.all(Array.from({ length: 20 }, () => agent.post('/login/oob').send({ code })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect([r.status, ['no_pending_code', 'no_pending_sign_in'].includes(r.body.code)]).toEqual([401, true]);
  });

  it('removal needs step-up, never takes the last way in, and a password + SMS session steps up only where there is no key or TOTP', async () => {
    const { h, d } = await open({ SIGN_IN_ATTEMPT_TTL_SECONDS: '3600' });
    const { agent } = await signUpWithPhone(h, d, 'alice');
    // The sign-up's session is fresh: SMS is the only second factor, so it cannot go.
    expect((await agent.delete('/account/oob/sms')).body.code).toBe('last_factor');
    expect((await agent.delete('/account/oob/email')).body.code).toBe('oob_not_enrolled');
    expect((await agent.delete('/account/oob/push')).body.code).toBe('invalid_request');
    // Stale: step-up names what would satisfy it.
    h.clock.advance(301_000);
    const stale = await agent.delete('/account/oob/sms');
    expect([stale.status, stale.body.code, stale.body.stepUp.accepts]).toEqual([403, 'step_up_required', ['password+sms']]);
    // Step up with password + SMS, add an email address, then SMS may go.
    const { send } = await passwordThenSend(h, 'alice', 'sms', agent);
    expectStatus(send, 200, 'step-up send');
    expectStatus(await agent.post('/login/oob').send({ code: d.lastCode(E164) }), 200, 'step-up with an SMS code');
    waitInterval(h);
    await addDestination(d, agent, 'email', 'alice@example.com');
    expectStatus(await agent.delete('/account/oob/sms'), 200, 'DELETE /account/oob/sms');
    const factors = (await agent.get('/account/factors')).body;
    expect([factors.sms, factors.email]).toEqual([null, 'a•••@example.com']);
    expect((await passwordRequest(h.agent(), 'alice')).body.next).toEqual(['email']);
    // With TOTP on the account, an email-code session (amr otp, as TOTP's) no longer steps up.
    expectStatus(await agent.post('/account/totp').send({}), 200, 'enrol TOTP from the stepped-up session');
    await addTotp(h, agent).catch(() => undefined);
    h.clock.advance(INTERVAL_MS);
    const viaEmail = await passwordThenSend(h, 'alice', 'email');
    expectStatus(viaEmail.send, 200, 'send email code');
    expectStatus(await viaEmail.agent.post('/login/oob').send({ code: d.lastCode('alice@example.com') }), 200, 'email sign-in');
    const refused = await viaEmail.agent.delete('/account/oob/email');
    expect([refused.status, refused.body.code, refused.body.stepUp.accepts]).toEqual([403, 'step_up_required', ['password+totp']]);
  });

  it('an admin can neither enrol nor use SMS or email codes (403 policy_violation, rule secondFactors)', async () => {
    const { h, d } = await open();
    const { agent, userId } = await signUpWithPhone(h, d, 'root');
    await h.store.users.setRole(userId, 'admin');
    for (const channel of ['sms', 'email'] as const) {
      const enrol = await agent.post('/account/oob').send({ channel, destination: channel === 'sms' ? '+33 6 12 34 56 79' : 'root@example.com' });
      expect([enrol.status, enrol.body.code, enrol.body.rule]).toEqual([403, 'policy_violation', 'secondFactors']);
    }
    expect((await agent.get('/account/factors')).body.oobChannels).toEqual([]);
    waitInterval(h);
    const login = h.agent();
    const password = expectStatus(await passwordRequest(login, 'root'), 200, 'POST /login/password');
    expect(password.body.next).not.toContain('sms');
    const send = await login.post('/login/oob/send').send({ channel: 'sms' });
    expect([send.status, send.body.code, send.body.rule]).toEqual([403, 'policy_violation', 'secondFactors']);
    expect(d.count(E164)).toBe(1); // only the enrolment's code, sent while root was a user
  });

  it('a channel the deployment did not enable is refused (403 oob_channel_disabled), and counts for nobody', async () => {
    const { h, d } = await open({ OOB_CHANNELS: 'email' });
    const agent = h.agent();
    await signUpRequest(agent, 'alice');
    const res = await agent.post('/account/oob').send({ channel: 'sms', destination: PHONE });
    expect([res.status, res.body.code]).toEqual([403, 'oob_channel_disabled']);
    await addDestination(d, agent, 'email', 'alice@example.com');
    expect((await agent.get('/account/factors')).body.oobChannels).toEqual(['email']);
    waitInterval(h);
    const { send } = await passwordThenSend(h, 'alice', 'sms');
    expect([send.status, send.body.code]).toEqual([403, 'oob_channel_disabled']);
  });

  it('no verified destination: 404 oob_not_enrolled; no half sign-in: 401 no_pending_sign_in', async () => {
    const { h, d } = await open();
    await signUpWithPhone(h, d, 'alice');
    expect((await h.agent().post('/login/oob/send').send({ channel: 'sms' })).body.code).toBe('no_pending_sign_in');
    expect((await h.agent().post('/login/oob').send({ code: '123456' })).body.code).toBe('no_pending_sign_in');
    waitInterval(h);
    const { send } = await passwordThenSend(h, 'alice', 'email');
    expect([send.status, send.body.code]).toEqual([404, 'oob_not_enrolled']);
    expect((await h.agent().post('/login/oob/send').send({ channel: 'fax' })).body.code).toBe('invalid_request');
  });
});
