/**
 * Authenticator apps (RFC 6238) through the HTTP app: the enrolment reply (otpauth:// URI,
 * QR code, base32 secret), confirmation, "accepted once only" (§5.2) even under 20 parallel
 * sign-ins, ±1 step of drift and no more, and the secret sealed at rest with DATA_KEYS
 * (never in clear, bound to its user, still readable after a key rotation).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { DataKey } from '../../server/src/config/config-schema.js';
import { open as openSealed } from '../../server/src/lib/data-cipher.js';
import type { Store } from '../../server/src/storage/ports.js';
import type { Harness } from '../helpers/harness.js';
import {
  STEP_MS,
  codeAt,
  expectStatus,
  halfSignedIn,
  nextStep,
  passwordHarness,
  passwordRequest,
  passwordThenTotp,
  sessionOf,
  signUpRequest,
  signUpWithTotp,
  totpRequest,
  userIdOf,
} from '../helpers/second-factor-flows.js';
import { testStores } from '../helpers/test-stores.js';

const key = (fill: number) => Buffer.alloc(32, fill);
const K1 = `k1:${key(1).toString('base64')}`;
const K2 = `k2:${key(2).toString('base64')}`;
/** Same key id as K1, different key: a deployment that lost its real key. */
const K1_WRONG = `k1:${key(9).toString('base64')}`;
const ring = (...keys: [string, number][]): DataKey[] => keys.map(([kid, fill]) => ({ kid, key: key(fill) }));

describe.each(testStores().map((f) => [f.name, f] as const))('TOTP on the %s store', (_name, factory) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const open = async (env: Record<string, string> = {}): Promise<Harness> => {
    store = await factory.open();
    return passwordHarness(store, env);
  };

  it('enrolment answers an otpauth:// URI (issuer = RP name, account = username), the base32 secret and a PNG QR code', async () => {
    const h = await open();
    const agent = h.agent();
    await signUpRequest(agent, 'Alice');
    const res = await agent.post('/account/totp').send({});
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['errorMessage', 'otpauthUri', 'qrCode', 'secret', 'status']);
    const { otpauthUri, qrCode, secret } = res.body as { otpauthUri: string; qrCode: string; secret: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits of base32
    const uri = new URL(otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/keygate:alice');
    expect(uri.searchParams.get('issuer')).toBe('keygate');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
    expect(qrCode).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    const png = Buffer.from(qrCode.slice('data:image/png;base64,'.length), 'base64');
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // Each enrolment is a new secret.
    expect((await agent.post('/account/totp').send({})).body.secret).not.toBe(secret);
  });

  it('names the issuer after RP_NAME', async () => {
    const h = await open({ RP_NAME: 'Acme Login' });
    const agent = h.agent();
    await signUpRequest(agent, 'alice');
    const uri = new URL((await agent.post('/account/totp').send({})).body.otpauthUri);
    expect(uri.searchParams.get('issuer')).toBe('Acme Login');
    expect(decodeURIComponent(uri.pathname)).toBe('/Acme Login:alice');
  });

  it('confirming needs a started enrolment and the right code (400 invalid_confirmation_code, never a 401 that would read as signed out), and keeps the enrolment after a wrong one', async () => {
    const h = await open();
    const agent = h.agent();
    await signUpRequest(agent, 'alice');
    const none = await agent.post('/account/totp/confirm').send({ code: '123456' });
    expect([none.status, none.body.code]).toEqual([409, 'no_pending_totp']);
    const { secret } = (await agent.post('/account/totp').send({})).body;
    const right = codeAt(h, secret);
    const wrong = right === '000000' ? '000001' : '000000';
    for (const code of [wrong, '12345', '1234567', 'abcdef', '', `${right}0`]) {
      const res = await agent.post('/account/totp/confirm').send({ code });
      expect([res.status, res.body.code]).toEqual([400, 'invalid_confirmation_code']);
    }
    expect((await sessionOf(agent)).signedIn).toBe(false);
    const ok = await agent.post('/account/totp/confirm').send({ code: right });
    expect(ok.status).toBe(200);
    expect(ok.body.signedIn).toBe(true);
  });

  it('an enrolment waits 10 minutes for its first code', async () => {
    const h = await open({ SIGN_IN_ATTEMPT_TTL_SECONDS: '3600' });
    const agent = h.agent();
    await signUpRequest(agent, 'alice');
    const { secret } = (await agent.post('/account/totp').send({})).body;
    h.clock.advance(10 * 60_000);
    const res = await agent.post('/account/totp/confirm').send({ code: codeAt(h, secret) });
    expect([res.status, res.body.code]).toEqual([409, 'no_pending_totp']);
  });

  it('the code that confirmed the app cannot sign in again (code_already_used)', async () => {
    const h = await open();
    const agent = h.agent();
    await signUpRequest(agent, 'alice');
    const { secret } = (await agent.post('/account/totp').send({})).body;
    const code = codeAt(h, secret);
    expect((await agent.post('/account/totp/confirm').send({ code })).status).toBe(200);
    const later = h.agent();
    await passwordRequest(later, 'alice');
    const replay = await totpRequest(later, code);
    expect([replay.status, replay.body.code]).toEqual([401, 'code_already_used']);
    expect((await sessionOf(later)).signedIn).toBe(false);
  });

  it('a code signs in once; the next half sign-in with the same code is code_already_used', async () => {
    const h = await open();
    const { secret } = await signUpWithTotp(h, 'alice');
    nextStep(h);
    const code = codeAt(h, secret);
    const [a, b] = await halfSignedIn(h, 'alice', 2);
    expect((await totpRequest(a!, code)).status).toBe(200);
    const again = await totpRequest(b!, code);
    expect([again.status, again.body.code]).toEqual([401, 'code_already_used']);
  });

  it('accepts the codes of the previous and the next step, refuses ±2 steps', async () => {
    const h = await open();
    const { secret } = await signUpWithTotp(h, 'alice');
    h.clock.advance(10 * STEP_MS); // well past the confirming code's step
    for (const steps of [-2, 2, -3, 3]) {
      const agent = h.agent();
      await passwordRequest(agent, 'alice');
      const res = await totpRequest(agent, codeAt(h, secret, steps));
      expect([steps, res.status, res.body.code]).toEqual([steps, 401, 'invalid_code']);
    }
    // -1 first: once a step was used, it and every earlier one are spent.
    const minusOne = h.agent();
    await passwordRequest(minusOne, 'alice');
    expect((await totpRequest(minusOne, codeAt(h, secret, -1))).status).toBe(200);
    const plusOne = h.agent();
    await passwordRequest(plusOne, 'alice');
    expect((await totpRequest(plusOne, codeAt(h, secret, 1))).status).toBe(200);
    // Once the next step was used, the current one (earlier) is spent too.
    const current = h.agent();
    await passwordRequest(current, 'alice');
    expect((await totpRequest(current, codeAt(h, secret, 0))).body.code).toBe('code_already_used');
  });

  it('of 20 parallel sign-ins of one user with the same valid code exactly one succeeds', async () => {
    const h = await open({ LOCKOUT_THRESHOLD: '100', LOCKOUT_IP_THRESHOLD: '1000' });
    const { secret } = await signUpWithTotp(h, 'alice');
    nextStep(h);
    const agents = await halfSignedIn(h, 'alice', 20);
    const code = codeAt(h, secret);
    const results = await Promise.all(agents.map((a) => totpRequest(a, code)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect([r.status, r.body.code]).toEqual([401, 'code_already_used']);
    const signedIn = await Promise.all(agents.map(async (a) => (await sessionOf(a)).signedIn));
    expect(signedIn.filter(Boolean)).toHaveLength(1);
  });

  it('of 20 parallel sign-ins with the same code under the default lockout, still exactly one succeeds', async () => {
    const h = await open();
    const { secret } = await signUpWithTotp(h, 'alice');
    nextStep(h);
    const agents = await halfSignedIn(h, 'alice', 20);
    const code = codeAt(h, secret);
    const results = await Promise.all(agents.map((a) => totpRequest(a, code)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(['code_already_used', 'locked_out']).toContain(r.body.code);
  });

  it('a new app replaces the active one only when confirmed', async () => {
    const h = await open();
    const { agent, secret: first } = await signUpWithTotp(h, 'alice');
    const { secret: second } = expectStatus(await agent.post('/account/totp').send({}), 200, 'enrol again').body;
    expect((await passwordThenTotp(h, 'alice', first)).totp.status).toBe(200);
    expectStatus(await agent.post('/account/totp/confirm').send({ code: codeAt(h, second, 1) }), 200, 'confirm the new app');
    nextStep(h);
    nextStep(h);
    expect((await passwordThenTotp(h, 'alice', first)).totp.body.code).toBe('invalid_code');
    expect((await passwordThenTotp(h, 'alice', second)).totp.status).toBe(200);
  });

  it('keeps the secret sealed at rest: no base32, hex or base64 of it in the stored record, bound to its user', async () => {
    const h = await open({ DATA_KEYS: K1 });
    const { secret, userId } = await signUpWithTotp(h, 'alice');
    const record = await store!.totp.get(userId);
    const sealed = record!.active!.sealedSecret;
    const raw = Buffer.from(base32Decode(secret));
    const stored = JSON.stringify(record);
    for (const text of [secret, secret.toLowerCase(), secret.slice(0, 16), secret.slice(16), raw.toString('hex'), raw.toString('base64'), raw.toString('base64url')]) {
      expect(stored).not.toContain(text);
    }
    expect(sealed).toMatch(/^v1\.k1\./);
    // It opens with the ring it was sealed with, for its own user only, and with no other key.
    expect(openSealed(ring(['k1', 1]), sealed, `totp:${userId}`)).toBe(secret);
    expect(() => openSealed(ring(['k1', 1]), sealed, 'totp:someone-else')).toThrow();
    expect(() => openSealed(ring(['k1', 9]), sealed, `totp:${userId}`)).toThrow();
    expect(() => openSealed(ring(['k2', 2]), sealed, `totp:${userId}`)).toThrow();
  });

  it('a deployment with other DATA_KEYS cannot use the stored secret to sign anyone in', async () => {
    const h = await open({ DATA_KEYS: K1 });
    const { secret } = await signUpWithTotp(h, 'alice');
    for (const dataKeys of [K1_WRONG, K2]) {
      const other = passwordHarness(store!, { DATA_KEYS: dataKeys });
      other.clock.set(h.clock.now().getTime() + STEP_MS);
      const agent = other.agent();
      expect((await passwordRequest(agent, 'alice')).status).toBe(200);
      const res = await totpRequest(agent, codeAt(other, secret));
      expect(res.status).not.toBe(200);
      expect((await sessionOf(agent)).signedIn).toBe(false);
    }
  });

  it('after a DATA_KEYS rotation (k2 first, k1 kept) secrets sealed under k1 still verify; new ones are sealed under k2', async () => {
    const h1 = await open({ DATA_KEYS: K1 });
    const { secret, userId } = await signUpWithTotp(h1, 'alice');
    const h2 = passwordHarness(store!, { DATA_KEYS: `${K2},${K1}` });
    h2.clock.set(h1.clock.now().getTime() + STEP_MS);
    const { agent, totp } = await passwordThenTotp(h2, 'alice', secret, { advance: false });
    expect(totp.status).toBe(200);
    expect((await sessionOf(agent)).session.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect((await store!.totp.get(userId))!.active!.sealedSecret).toMatch(/^v1\.k1\./);
    const bob = await signUpWithTotp(h2, 'bob');
    expect((await store!.totp.get(bob.userId))!.active!.sealedSecret).toMatch(/^v1\.k2\./);
    expect((await passwordThenTotp(h2, 'bob', bob.secret)).totp.status).toBe(200);
    expect(await userIdOf(h2, 'bob')).toBe(bob.userId);
  });
});

/** RFC 4648 base32 (what authenticator apps take) to bytes. */
function base32Decode(s: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of s.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const out = new Uint8Array(Math.floor(bits.length / 8));
  for (let i = 0; i < out.length; i++) out[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  return out;
}
