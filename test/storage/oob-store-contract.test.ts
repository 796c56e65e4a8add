/**
 * The storage contract of out-of-band codes (server/src/storage/ports.ts OobStore), checked as
 * behaviour on every adapter: memory always, MongoDB when the global setup started the shared
 * test server. Destinations per user and channel with a pending enrolment, sign-in codes keyed
 * by session and attempt (checks reserved, taken once), and the sliding send limits. Races fire
 * 20 calls at once.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { OobSignInCode, Store } from '../../server/src/storage/ports.js';
import { testStores } from '../helpers/test-stores.js';

const id = (n = 16): string => randomBytes(n).toString('base64url');
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(T0 + ms);
const MIN = 60_000;

const pending = (o: Partial<{ hash: string; destination: string; attempts: number; sentAt: Date; expiresAt: Date }> = {}) => ({
  hash: id(32),
  destination: '+33612345678',
  attempts: 0,
  sentAt: at(0),
  expiresAt: at(5 * MIN),
  ...o,
});
const signInCode = (o: Partial<OobSignInCode> = {}): OobSignInCode => ({
  id: id(),
  attemptId: id(),
  userId: id(32),
  channel: 'sms',
  hash: id(32),
  attempts: 0,
  sentAt: at(0),
  expiresAt: at(5 * MIN),
  ...o,
});
const LIMITS = { intervalMs: 30_000, windowMs: 60 * MIN, max: 5 };

describe.each(testStores().map((f) => [f.name, f] as const))('OobStore contract on the %s store', (_name, factory) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const open = async () => (store = await factory.open());

  describe('destinations', () => {
    it('keeps a pending enrolment per channel beside the verified destination, and reads an expired one as absent', async () => {
      const s = await open();
      const userId = id(32);
      expect(await s.oob.destinations(userId, at(0))).toBeUndefined();
      const p = pending();
      await s.oob.setPending(userId, 'sms', p);
      expect(await s.oob.destinations(userId, at(1))).toEqual({ userId, sms: { pending: p } });
      expect((await s.oob.destinations(userId, at(5 * MIN)))?.sms?.pending).toBeUndefined();
      // Confirmed: verified, pending cleared; the other channel is independent.
      expect(await s.oob.confirm(userId, 'sms', p, at(2))).toBe(true);
      const e = pending({ destination: 'alice@example.com' });
      await s.oob.setPending(userId, 'email', e);
      expect(await s.oob.destinations(userId, at(3))).toEqual({ userId, sms: { active: { destination: p.destination, verifiedAt: at(2) } }, email: { pending: e } });
      // A new pending enrolment leaves the verified destination as it is.
      const p2 = pending({ destination: '+4915123456789' });
      await s.oob.setPending(userId, 'sms', p2);
      expect((await s.oob.destinations(userId, at(4)))?.sms).toEqual({ active: { destination: p.destination, verifiedAt: at(2) }, pending: p2 });
    });

    it('confirms only the pending code with that hash and destination, unexpired, once (20 racing)', async () => {
      const s = await open();
      const userId = id(32);
      const p = pending();
      await s.oob.setPending(userId, 'sms', p);
      expect(await s.oob.confirm(userId, 'sms', { ...p, hash: id(32) }, at(1))).toBe(false);
      expect(await s.oob.confirm(userId, 'sms', { ...p, destination: '+4915123456789' }, at(1))).toBe(false);
      expect(await s.oob.confirm(userId, 'email', p, at(1))).toBe(false);
      expect(await s.oob.confirm(userId, 'sms', p, at(5 * MIN))).toBe(false);
      const wins = await Promise.all(Array.from({ length: 20 }, () => s.oob.confirm(userId, 'sms', p, at(1))));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await s.oob.confirm(userId, 'sms', p, at(2))).toBe(false);
    });

    it('reserves at most maxChecks checks of a pending code, never of an expired one', async () => {
      const s = await open();
      const userId = id(32);
      await s.oob.setPending(userId, 'email', pending({ destination: 'a@example.com' }));
      expect(await s.oob.reservePendingCheck(userId, 'sms', at(1), 5)).toBeUndefined();
      const got = await Promise.all(Array.from({ length: 20 }, () => s.oob.reservePendingCheck(userId, 'email', at(1), 5)));
      const reserved = got.filter((g) => g !== undefined);
      expect(reserved).toHaveLength(5);
      // The count each caller sees is informational (the Java test server reads the "after"
      // document of concurrent updates non-atomically); the cap is the contract.
      for (const r of reserved) expect(r!.attempts).toBeGreaterThanOrEqual(1);
      expect((await s.oob.destinations(userId, at(1)))?.email?.pending?.attempts).toBe(5);
      expect(reserved[0]!.destination).toBe('a@example.com');
      await s.oob.setPending(userId, 'sms', pending());
      expect(await s.oob.reservePendingCheck(userId, 'sms', at(5 * MIN), 5)).toBeUndefined();
    });

    it('removes a channel: true only when a destination was verified', async () => {
      const s = await open();
      const userId = id(32);
      expect(await s.oob.remove(userId, 'sms')).toBe(false);
      const p = pending();
      await s.oob.setPending(userId, 'sms', p);
      expect(await s.oob.remove(userId, 'sms')).toBe(false);
      await s.oob.setPending(userId, 'sms', p);
      await s.oob.confirm(userId, 'sms', p, at(1));
      await s.oob.setPending(userId, 'email', pending({ destination: 'a@example.com' }));
      expect(await s.oob.remove(userId, 'sms')).toBe(true);
      expect(await s.oob.remove(userId, 'sms')).toBe(false);
      const left = await s.oob.destinations(userId, at(2));
      expect(left?.sms).toBeUndefined();
      expect(left?.email?.pending?.destination).toBe('a@example.com');
    });

    it('copies values in and out', async () => {
      const s = await open();
      const userId = id(32);
      const p = pending();
      await s.oob.setPending(userId, 'sms', p);
      p.destination = 'changed';
      const read = await s.oob.destinations(userId, at(1));
      read!.sms!.pending!.destination = 'changed too';
      expect((await s.oob.destinations(userId, at(1)))?.sms?.pending?.destination).toBe('+33612345678');
    });
  });

  describe('sign-in codes', () => {
    it('one per session: a new code replaces the earlier one', async () => {
      const s = await open();
      const first = signInCode();
      await s.oob.putCode(first);
      const second = signInCode({ id: first.id, attemptId: first.attemptId });
      await s.oob.putCode(second);
      expect(await s.oob.takeCode(first.id, first.attemptId, first.hash, at(1))).toBeUndefined();
      expect(await s.oob.takeCode(first.id, first.attemptId, second.hash, at(1))).toEqual(second);
    });

    it('takes a code once, only for its attempt and hash, unexpired (20 racing: exactly one)', async () => {
      const s = await open();
      const c = signInCode();
      await s.oob.putCode(c);
      expect(await s.oob.takeCode(c.id, id(), c.hash, at(1))).toBeUndefined();
      expect(await s.oob.takeCode(c.id, c.attemptId, id(32), at(1))).toBeUndefined();
      expect(await s.oob.takeCode(c.id, c.attemptId, c.hash, at(5 * MIN))).toBeUndefined();
      const got = await Promise.all(Array.from({ length: 20 }, () => s.oob.takeCode(c.id, c.attemptId, c.hash, at(1))));
      expect(got.filter((g) => g !== undefined)).toEqual([c]);
      expect(await s.oob.takeCode(c.id, c.attemptId, c.hash, at(2))).toBeUndefined();
    });

    it('reserves at most maxChecks checks (20 racing), only for its attempt, never of an expired code', async () => {
      const s = await open();
      const c = signInCode();
      await s.oob.putCode(c);
      expect(await s.oob.reserveCodeCheck(c.id, id(), at(1), 3)).toBeUndefined();
      expect(await s.oob.reserveCodeCheck(c.id, c.attemptId, at(5 * MIN), 3)).toBeUndefined();
      const got = await Promise.all(Array.from({ length: 20 }, () => s.oob.reserveCodeCheck(c.id, c.attemptId, at(1), 3)));
      const reserved = got.filter((g) => g !== undefined);
      expect(reserved).toHaveLength(3);
      expect(reserved[0]).toEqual({ ...c, attempts: reserved[0]!.attempts });
      // Exhausted checks do not stop the take of a check already reserved.
      expect(await s.oob.takeCode(c.id, c.attemptId, c.hash, at(1))).toEqual({ ...c, attempts: 3 });
    });

    it('deletes a code only while it still has that hash', async () => {
      const s = await open();
      const c = signInCode();
      await s.oob.putCode(c);
      expect(await s.oob.deleteCode(c.id, id(32))).toBe(false);
      expect(await s.oob.deleteCode(c.id, c.hash)).toBe(true);
      expect(await s.oob.deleteCode(c.id, c.hash)).toBe(false);
      expect(await s.oob.reserveCodeCheck(c.id, c.attemptId, at(1), 5)).toBeUndefined();
    });
  });

  describe('send limits', () => {
    it('at most one send per interval, with the time it passes again', async () => {
      const s = await open();
      const key = `user:${id()}`;
      expect(await s.oob.claimSend(key, at(0), LIMITS)).toEqual({ ok: true });
      expect(await s.oob.claimSend(key, at(29_999), LIMITS)).toEqual({ ok: false, retryAt: at(30_000), limit: 'interval' });
      expect(await s.oob.claimSend(key, at(30_000), LIMITS)).toEqual({ ok: true });
      // Keys are independent.
      expect(await s.oob.claimSend(`dest:${id()}`, at(30_001), LIMITS)).toEqual({ ok: true });
    });

    it('at most max sends in any window (sliding), with the time the oldest leaves it', async () => {
      const s = await open();
      const key = `user:${id()}`;
      for (let i = 0; i < 5; i++) expect(await s.oob.claimSend(key, at(i * MIN), LIMITS)).toEqual({ ok: true });
      expect(await s.oob.claimSend(key, at(59 * MIN), LIMITS)).toEqual({ ok: false, retryAt: at(60 * MIN), limit: 'window' });
      expect(await s.oob.claimSend(key, at(60 * MIN), LIMITS)).toEqual({ ok: true });
      // Sends 2-5 (1-4 min) and 6 (60 min) are in the window until 61 min.
      expect(await s.oob.claimSend(key, at(60 * MIN + 30_000), LIMITS)).toEqual({ ok: false, retryAt: at(61 * MIN), limit: 'window' });
      expect(await s.oob.claimSend(key, at(61 * MIN), LIMITS)).toEqual({ ok: true });
    });

    it('of 20 concurrent claims exactly as many win as the limits allow', async () => {
      const s = await open();
      const key = `user:${id()}`;
      const one = await Promise.all(Array.from({ length: 20 }, () => s.oob.claimSend(key, at(0), LIMITS)));
      expect(one.filter((r) => r.ok)).toHaveLength(1);
      const ipKey = `ip:${id()}`;
      const ip = await Promise.all(Array.from({ length: 20 }, () => s.oob.claimSend(ipKey, at(0), { intervalMs: 0, windowMs: 60 * MIN, max: 7 })));
      expect(ip.filter((r) => r.ok)).toHaveLength(7);
    });
  });
});
