/**
 * One-time recovery codes: 10 of them, XXXX-XXXX-XXXX (Crockford base32), stored only as
 * keyed hashes, each usable once (also under 20 parallel uses), typed loosely (case,
 * hyphens, spaces), bound to their user, replaced whole by regenerating; a sign-in with one
 * says how many are left, asks for a new key and is audited.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Store } from '../../server/src/storage/ports.js';
import type { Harness } from '../helpers/harness.js';
import {
  ACR,
  generateRecoveryCodes,
  halfSignedIn,
  passwordHarness,
  passwordRequest,
  passwordThenRecoveryCode,
  recoveryCodeRequest,
  sessionOf,
  signUpWithTotp,
} from '../helpers/second-factor-flows.js';
import { testStores } from '../helpers/test-stores.js';

const FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

describe.each(testStores().map((f) => [f.name, f] as const))('recovery codes on the %s store', (_name, factory) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const open = async (env: Record<string, string> = {}): Promise<Harness> => {
    store = await factory.open();
    return passwordHarness(store, env);
  };
  /** alice: password + TOTP, signed in on `owner`, with a fresh set of codes. */
  const alice = async (h: Harness) => {
    const { agent: owner, userId, secret } = await signUpWithTotp(h, 'alice');
    const codes = await generateRecoveryCodes(owner);
    return { owner, userId, secret, codes };
  };

  it('generates 10 distinct codes XXXX-XXXX-XXXX and stores only hashes of them', async () => {
    const h = await open();
    const { owner, userId, codes } = await alice(h);
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(FORMAT);
    expect(new Set(codes).size).toBe(10);
    const set = await store!.recoveryCodes.get(userId);
    expect(set!.hashes).toHaveLength(10);
    const stored = JSON.stringify(set);
    for (const c of codes) {
      for (const form of [c, c.replace(/-/g, ''), c.toLowerCase(), c.slice(0, 9)]) expect(stored).not.toContain(form);
    }
    expect((await owner.get('/account/factors')).body.recoveryCodes).toEqual({ remaining: 10 });
  });

  it('signs in with a code once: the reply says how many are left and asks for a new key; the use is audited', async () => {
    const h = await open();
    const { userId, codes } = await alice(h);
    const { agent, recovery } = await passwordThenRecoveryCode(h, 'alice', codes[0]!);
    expect(recovery.status).toBe(200);
    expect(recovery.body).toMatchObject({ status: 'ok', user: { username: 'alice' }, recovery: { remaining: 9, addNewKey: true }, session: { recovery: true, amr: ['pwd', 'kba', 'mfa'], acr: ACR.recovery } });
    expect((await agent.get('/account/me')).status).toBe(200);
    const events = await store!.audit.list({ type: 'recovery_code.used', limit: 5 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'recovery_code.used', outcome: 'success', userId, data: { remaining: 9 } });
    expect(JSON.stringify(events)).not.toContain(codes[0]!.replace(/-/g, ''));
    // The same code again, on a new half sign-in:
    const again = await passwordThenRecoveryCode(h, 'alice', codes[0]!);
    expect([again.recovery.status, again.recovery.body.code]).toEqual([401, 'invalid_code']);
    expect((await sessionOf(again.agent)).signedIn).toBe(false);
    expect((await store!.recoveryCodes.get(userId))!.hashes).toHaveLength(9);
    expect((await store!.audit.list({ type: 'recovery_code.failed', limit: 5 }))[0]).toMatchObject({ userId, code: 'invalid_code' });
  });

  it('of 20 parallel uses of one code exactly one succeeds', async () => {
    const h = await open({ LOCKOUT_THRESHOLD: '100', LOCKOUT_IP_THRESHOLD: '1000' });
    const { userId, codes } = await alice(h);
    const agents = await halfSignedIn(h, 'alice', 20);
    const results = await Promise.all(agents.map((a) => recoveryCodeRequest(a, codes[3]!)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect([r.status, r.body.code]).toEqual([401, 'invalid_code']);
    expect((await store!.recoveryCodes.get(userId))!.hashes).toHaveLength(9);
    expect(await store!.audit.list({ type: 'recovery_code.used', limit: 50 })).toHaveLength(1);
  });

  it('accepts a code typed in lower case, without hyphens, with spaces, or with Crockford look-alikes', async () => {
    const h = await open();
    const { codes } = await alice(h);
    const typed = [codes[1]!.toLowerCase(), codes[2]!.replace(/-/g, ''), ` ${codes[3]!.replace(/-/g, ' ')} `];
    const lookAlike = codes.slice(4).find((c) => /[01]/.test(c));
    if (lookAlike) typed.push(lookAlike.replace(/0/g, 'O').replace(/1/g, 'l'));
    for (const code of typed) {
      const { recovery } = await passwordThenRecoveryCode(h, 'alice', code);
      expect([code, recovery.status]).toEqual([code, 200]);
    }
  });

  it('refuses malformed codes and another user\'s codes (invalid_code)', async () => {
    const h = await open({ LOCKOUT_THRESHOLD: '20' });
    const { codes } = await alice(h);
    const { agent: bobAgent } = await signUpWithTotp(h, 'bob');
    const bobs = await generateRecoveryCodes(bobAgent);
    const agent = h.agent();
    await passwordRequest(agent, 'alice');
    for (const code of [bobs[0]!, codes[0]!.slice(0, 13), `${codes[0]}X`, 'UUUU-UUUU-UUUU', '', 'AAAA-AAAA-AAAA']) {
      const res = await recoveryCodeRequest(agent, code);
      expect([code, res.status, res.body.code]).toEqual([code, 401, 'invalid_code']);
    }
    // Bob's code is still his.
    expect((await passwordThenRecoveryCode(h, 'bob', bobs[0]!)).recovery.status).toBe(200);
  });

  it('regenerating replaces the whole set: every earlier code stops working', async () => {
    const h = await open();
    const { owner, codes: old } = await alice(h);
    const fresh = await generateRecoveryCodes(owner);
    expect(fresh.filter((c) => old.includes(c))).toEqual([]);
    expect((await passwordThenRecoveryCode(h, 'alice', old[5]!)).recovery.body.code).toBe('invalid_code');
    const ok = await passwordThenRecoveryCode(h, 'alice', fresh[5]!);
    expect(ok.recovery.status).toBe(200);
    expect(ok.recovery.body.recovery.remaining).toBe(9);
  });

  it('a used-up set is no longer offered after a password', async () => {
    const h = await open();
    const { codes } = await alice(h);
    for (const [i, code] of codes.entries()) {
      const { recovery } = await passwordThenRecoveryCode(h, 'alice', code);
      expect(recovery.body.recovery.remaining).toBe(9 - i);
    }
    expect((await passwordRequest(h.agent(), 'alice')).body.next).toEqual(['totp']);
  });

  it('without codes there is nothing to redeem', async () => {
    const h = await open();
    await signUpWithTotp(h, 'alice');
    const agent = h.agent();
    expect((await passwordRequest(agent, 'alice')).body.next).toEqual(['totp']);
    expect((await recoveryCodeRequest(agent, 'AAAA-BBBB-CCCC')).body.code).toBe('invalid_code');
  });
});
