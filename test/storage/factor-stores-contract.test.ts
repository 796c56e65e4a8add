/**
 * The storage contract of the second-factor and coordination ports (server/src/storage/ports.ts:
 * SignInAttemptStore, PasswordStore, TotpStore, RecoveryCodeStore, LockoutStore, and
 * SessionStore.deleteByUser), checked as behaviour on every adapter: memory always, MongoDB
 * when the global setup started the shared test server. Each test opens a fresh, empty store
 * and closes it. Concurrency cases fire 20 calls at once: atomicity must hold on one document.
 */
import { randomBytes } from 'node:crypto';
import { types } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import type { PasswordRecord, RecoveryCodeSet, Session, SignInAttempt, Store, TotpRecord } from '../../server/src/storage/ports.js';
import { testStores, type StoreFactory } from '../helpers/test-stores.js';

const id = (n = 16): string => randomBytes(n).toString('base64url');
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(T0 + ms);
const MIN = 60_000;

function newAttempt(o: Partial<SignInAttempt> = {}): SignInAttempt {
  return {
    id: id(32),
    attemptId: id(16),
    userId: id(32),
    username: 'alice',
    stage: 'second_factor',
    passwordAt: at(0),
    createdAt: at(0),
    expiresAt: at(5 * MIN),
    ...o,
  };
}

function newSession(o: Partial<Session> = {}): Session {
  return { id: id(32), userId: id(32), amr: ['pwd', 'otp', 'mfa'], acr: 'urn:keygate:acr:mfa', authenticatedAt: at(0), expiresAt: at(60 * MIN), ...o };
}

const sealed = (): string => `v1.k1.${id(12)}.${id(48)}`;
const pending = (o: Partial<NonNullable<TotpRecord['pending']>> = {}): NonNullable<TotpRecord['pending']> => ({
  sealedSecret: sealed(),
  createdAt: at(0),
  expiresAt: at(10 * MIN),
  ...o,
});

function expectDate(actual: unknown, ms?: number): void {
  expect(types.isDate(actual)).toBe(true);
  if (ms !== undefined) expect((actual as Date).getTime()).toBe(ms);
}

const count = <T>(xs: T[], pred: (x: T) => boolean): number => xs.filter(pred).length;

const stores = testStores().map((f) => [f.name, f] as [string, StoreFactory]);

describe.each(stores)('%s store', (_name, factory) => {
  /** Runs `fn` on a fresh store and always closes it. */
  async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
    const store = await factory.open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe('signInAttempts', () => {
    it('put then get before expiry round-trips every field', () =>
      withStore(async (store) => {
        const a = newAttempt({ stage: 'enrol', passwordAt: at(1234) });
        await store.signInAttempts.put(a);
        const got = await store.signInAttempts.get(a.id, at(1000));
        expect(got).toEqual(a);
        expect(got).not.toHaveProperty('_id');
        expectDate(got!.passwordAt, T0 + 1234);
        expectDate(got!.createdAt, T0);
        expectDate(got!.expiresAt, T0 + 5 * MIN);
        expect(await store.signInAttempts.get(a.id, at(5 * MIN - 1))).toEqual(a);
        expect(await store.signInAttempts.get(id(32), at(1000))).toBeUndefined();
      }));

    it('get at or after expiresAt is undefined', () =>
      withStore(async (store) => {
        const a = newAttempt();
        await store.signInAttempts.put(a);
        expect(await store.signInAttempts.get(a.id, at(5 * MIN))).toBeUndefined();
        expect(await store.signInAttempts.get(a.id, at(5 * MIN + 1))).toBeUndefined();
      }));

    it('put for the same session replaces the earlier attempt', () =>
      withStore(async (store) => {
        const first = newAttempt();
        const second = newAttempt({ id: first.id, stage: 'enrol', username: 'bob' });
        await store.signInAttempts.put(first);
        await store.signInAttempts.put(second);
        expect(await store.signInAttempts.get(first.id, at(1))).toEqual(second);
        // The replaced attempt can no longer be completed.
        expect(await store.signInAttempts.take(first.id, first.attemptId, at(1))).toBeUndefined();
        expect(await store.signInAttempts.take(first.id, second.attemptId, at(1))).toEqual(second);
      }));

    it('take returns it once; a second take and a get are undefined', () =>
      withStore(async (store) => {
        const a = newAttempt();
        await store.signInAttempts.put(a);
        const taken = await store.signInAttempts.take(a.id, a.attemptId, at(1000));
        expect(taken).toEqual(a);
        expect(taken).not.toHaveProperty('_id');
        expectDate(taken!.expiresAt);
        expect(await store.signInAttempts.take(a.id, a.attemptId, at(1000))).toBeUndefined();
        expect(await store.signInAttempts.get(a.id, at(1000))).toBeUndefined();
      }));

    it('take with a wrong attemptId returns undefined and leaves the attempt in place', () =>
      withStore(async (store) => {
        const a = newAttempt();
        await store.signInAttempts.put(a);
        expect(await store.signInAttempts.take(a.id, id(16), at(1))).toBeUndefined();
        expect(await store.signInAttempts.take(a.id, '', at(1))).toBeUndefined();
        expect(await store.signInAttempts.get(a.id, at(1))).toEqual(a);
        expect(await store.signInAttempts.take(a.id, a.attemptId, at(1))).toEqual(a);
      }));

    it('take for an unknown session, or another session with the right attemptId, is undefined', () =>
      withStore(async (store) => {
        const a = newAttempt();
        const b = newAttempt();
        await store.signInAttempts.put(a);
        await store.signInAttempts.put(b);
        expect(await store.signInAttempts.take(id(32), a.attemptId, at(1))).toBeUndefined();
        expect(await store.signInAttempts.take(b.id, a.attemptId, at(1))).toBeUndefined();
        expect(await store.signInAttempts.get(a.id, at(1))).toEqual(a);
        expect(await store.signInAttempts.get(b.id, at(1))).toEqual(b);
      }));

    it('take at or after expiresAt is undefined, whatever clock a later caller passes', () =>
      withStore(async (store) => {
        const exactly = newAttempt();
        const after = newAttempt();
        const before = newAttempt();
        for (const a of [exactly, after, before]) await store.signInAttempts.put(a);
        expect(await store.signInAttempts.take(exactly.id, exactly.attemptId, at(5 * MIN))).toBeUndefined();
        expect(await store.signInAttempts.take(after.id, after.attemptId, at(5 * MIN + 1))).toBeUndefined();
        expect(await store.signInAttempts.take(before.id, before.attemptId, at(5 * MIN - 1))).toEqual(before);
      }));

    it('of 20 concurrent takes exactly one gets the attempt', () =>
      withStore(async (store) => {
        const a = newAttempt();
        await store.signInAttempts.put(a);
        const results = await Promise.all(Array.from({ length: 20 }, () => store.signInAttempts.take(a.id, a.attemptId, at(1))));
        const got = results.filter((r) => r !== undefined);
        expect(got).toHaveLength(1);
        expect(got[0]).toEqual(a);
        expect(await store.signInAttempts.get(a.id, at(1))).toBeUndefined();
      }));

    it('delete: true once, then false; other sessions are untouched', () =>
      withStore(async (store) => {
        const a = newAttempt();
        const other = newAttempt();
        await store.signInAttempts.put(a);
        await store.signInAttempts.put(other);
        expect(await store.signInAttempts.delete(a.id)).toBe(true);
        expect(await store.signInAttempts.get(a.id, at(1))).toBeUndefined();
        expect(await store.signInAttempts.delete(a.id)).toBe(false);
        expect(await store.signInAttempts.delete(id(32))).toBe(false);
        expect(await store.signInAttempts.get(other.id, at(1))).toEqual(other);
      }));

    it('deleteByUser removes every half sign-in of that user only, and counts them', () =>
      withStore(async (store) => {
        const a = newAttempt();
        const b = newAttempt({ userId: a.userId });
        const other = newAttempt();
        for (const x of [a, b, other]) await store.signInAttempts.put(x);
        expect(await store.signInAttempts.deleteByUser(a.userId)).toBe(2);
        expect(await store.signInAttempts.get(a.id, at(1))).toBeUndefined();
        expect(await store.signInAttempts.get(b.id, at(1))).toBeUndefined();
        expect(await store.signInAttempts.get(other.id, at(1))).toEqual(other);
        expect(await store.signInAttempts.deleteByUser(a.userId)).toBe(0);
      }));
  });

  describe('passwords', () => {
    const record = (o: Partial<PasswordRecord> = {}): PasswordRecord => ({ userId: id(32), hash: `$argon2id$v=19$m=19456,t=2,p=1$${id(16)}$${id(32)}`, updatedAt: at(0), ...o });

    it('get is undefined for a user without a password', () =>
      withStore(async (store) => {
        await store.passwords.set(record());
        expect(await store.passwords.get(id(32))).toBeUndefined();
      }));

    it('set then get round-trips; set again replaces', () =>
      withStore(async (store) => {
        const first = record();
        await store.passwords.set(first);
        const got = await store.passwords.get(first.userId);
        expect(got).toEqual(first);
        expect(got).not.toHaveProperty('_id');
        expectDate(got!.updatedAt, T0);
        const second = record({ userId: first.userId, updatedAt: at(MIN) });
        await store.passwords.set(second);
        expect(await store.passwords.get(first.userId)).toEqual(second);
      }));

    it("users' passwords are independent", () =>
      withStore(async (store) => {
        const a = record();
        const b = record();
        await store.passwords.set(a);
        await store.passwords.set(b);
        expect(await store.passwords.get(a.userId)).toEqual(a);
        expect(await store.passwords.get(b.userId)).toEqual(b);
        expect(await store.passwords.delete(a.userId)).toBe(true);
        expect(await store.passwords.get(b.userId)).toEqual(b);
      }));

    it('delete: true once, then false; get is undefined after', () =>
      withStore(async (store) => {
        const r = record();
        await store.passwords.set(r);
        expect(await store.passwords.delete(r.userId)).toBe(true);
        expect(await store.passwords.get(r.userId)).toBeUndefined();
        expect(await store.passwords.delete(r.userId)).toBe(false);
        expect(await store.passwords.delete(id(32))).toBe(false);
      }));
  });

  describe('totp', () => {
    /** A user with an active authenticator at lastUsedStep `step`. */
    async function activeUser(store: Store, step = 100): Promise<{ userId: string; secret: string }> {
      const userId = id(32);
      const p = pending();
      await store.totp.setPending(userId, p);
      expect(await store.totp.confirm(userId, p.sealedSecret, step, at(MIN))).toBe(true);
      return { userId, secret: p.sealedSecret };
    }

    it('get is undefined for a user without TOTP', () =>
      withStore(async (store) => {
        expect(await store.totp.get(id(32))).toBeUndefined();
      }));

    it('setPending then get: the pending enrolment only, no active field', () =>
      withStore(async (store) => {
        const userId = id(32);
        const p = pending({ createdAt: at(7), expiresAt: at(10 * MIN) });
        await store.totp.setPending(userId, p);
        const got = await store.totp.get(userId);
        expect(got).toEqual({ userId, pending: p });
        expect(Object.keys(got!).sort()).toEqual(['pending', 'userId']);
        expectDate(got!.pending!.createdAt, T0 + 7);
        expectDate(got!.pending!.expiresAt, T0 + 10 * MIN);
      }));

    it('setPending again replaces the earlier pending enrolment', () =>
      withStore(async (store) => {
        const userId = id(32);
        const first = pending();
        const second = pending({ createdAt: at(MIN) });
        await store.totp.setPending(userId, first);
        await store.totp.setPending(userId, second);
        expect(await store.totp.get(userId)).toEqual({ userId, pending: second });
        expect(await store.totp.confirm(userId, first.sealedSecret, 1, at(2 * MIN))).toBe(false);
        expect(await store.totp.confirm(userId, second.sealedSecret, 1, at(2 * MIN))).toBe(true);
      }));

    it('confirm: the pending enrolment becomes active with lastUsedStep = step and confirmedAt = now; pending is cleared', () =>
      withStore(async (store) => {
        const userId = id(32);
        const p = pending();
        await store.totp.setPending(userId, p);
        expect(await store.totp.confirm(userId, p.sealedSecret, 12345, at(MIN))).toBe(true);
        const got = await store.totp.get(userId);
        expect(got).toEqual({ userId, active: { sealedSecret: p.sealedSecret, lastUsedStep: 12345, confirmedAt: at(MIN) } });
        expect(Object.keys(got!).sort()).toEqual(['active', 'userId']);
        expectDate(got!.active!.confirmedAt, T0 + MIN);
        // Confirmed once only.
        expect(await store.totp.confirm(userId, p.sealedSecret, 12346, at(MIN))).toBe(false);
        expect((await store.totp.get(userId))!.active!.lastUsedStep).toBe(12345);
      }));

    it('confirm with a wrong sealed secret: false, and the pending enrolment is left as it was', () =>
      withStore(async (store) => {
        const userId = id(32);
        const p = pending();
        await store.totp.setPending(userId, p);
        expect(await store.totp.confirm(userId, sealed(), 1, at(MIN))).toBe(false);
        expect(await store.totp.get(userId)).toEqual({ userId, pending: p });
      }));

    it('confirm at or after the pending expiresAt: false', () =>
      withStore(async (store) => {
        const userId = id(32);
        const p = pending({ expiresAt: at(10 * MIN) });
        await store.totp.setPending(userId, p);
        expect(await store.totp.confirm(userId, p.sealedSecret, 1, at(10 * MIN))).toBe(false);
        expect(await store.totp.confirm(userId, p.sealedSecret, 1, at(10 * MIN + 1))).toBe(false);
        expect((await store.totp.get(userId))!.active).toBeUndefined();
        expect(await store.totp.confirm(userId, p.sealedSecret, 1, at(10 * MIN - 1))).toBe(true);
      }));

    it('confirm for an unknown user, or one with only an active authenticator: false', () =>
      withStore(async (store) => {
        expect(await store.totp.confirm(id(32), sealed(), 1, at(1))).toBe(false);
        const { userId, secret } = await activeUser(store);
        // The active secret is not a pending enrolment.
        expect(await store.totp.confirm(userId, secret, 500, at(MIN))).toBe(false);
        expect((await store.totp.get(userId))!.active!.lastUsedStep).toBe(100);
      }));

    it('setPending leaves an active authenticator as it is; confirming replaces it', () =>
      withStore(async (store) => {
        const { userId, secret } = await activeUser(store, 100);
        const before = (await store.totp.get(userId))!.active;
        const p = pending();
        await store.totp.setPending(userId, p);
        expect(await store.totp.get(userId)).toEqual({ userId, active: before, pending: p });
        // The old authenticator still works while the new one is pending.
        expect(await store.totp.useStep(userId, secret, 101)).toBe(true);
        expect(await store.totp.confirm(userId, p.sealedSecret, 5, at(2 * MIN))).toBe(true);
        expect(await store.totp.get(userId)).toEqual({ userId, active: { sealedSecret: p.sealedSecret, lastUsedStep: 5, confirmedAt: at(2 * MIN) } });
        // The replaced secret never wins again, whatever the step.
        expect(await store.totp.useStep(userId, secret, 1_000_000)).toBe(false);
        expect(await store.totp.useStep(userId, p.sealedSecret, 6)).toBe(true);
      }));

    it('useStep: a higher step wins once; a lower or equal step never wins', () =>
      withStore(async (store) => {
        const { userId, secret } = await activeUser(store, 100);
        expect(await store.totp.useStep(userId, secret, 100)).toBe(false); // the confirming code counts as used
        expect(await store.totp.useStep(userId, secret, 99)).toBe(false);
        expect(await store.totp.useStep(userId, secret, 101)).toBe(true);
        expect(await store.totp.useStep(userId, secret, 101)).toBe(false);
        expect(await store.totp.useStep(userId, secret, 100)).toBe(false);
        expect(await store.totp.useStep(userId, secret, 103)).toBe(true);
        expect(await store.totp.useStep(userId, secret, 102)).toBe(false);
        expect((await store.totp.get(userId))!.active!.lastUsedStep).toBe(103);
      }));

    it('useStep with a wrong sealed secret never wins and changes nothing', () =>
      withStore(async (store) => {
        const { userId } = await activeUser(store, 100);
        expect(await store.totp.useStep(userId, sealed(), 101)).toBe(false);
        expect(await store.totp.useStep(userId, '', 101)).toBe(false);
        expect((await store.totp.get(userId))!.active!.lastUsedStep).toBe(100);
      }));

    it('useStep for an unknown user, or with only a pending enrolment (its secret), is false', () =>
      withStore(async (store) => {
        expect(await store.totp.useStep(id(32), sealed(), 1)).toBe(false);
        const userId = id(32);
        const p = pending();
        await store.totp.setPending(userId, p);
        expect(await store.totp.useStep(userId, p.sealedSecret, 1)).toBe(false);
        expect(await store.totp.get(userId)).toEqual({ userId, pending: p });
      }));

    it('useStep: of 20 concurrent callers with the same step exactly one wins', () =>
      withStore(async (store) => {
        const { userId, secret } = await activeUser(store, 100);
        const results = await Promise.all(Array.from({ length: 20 }, () => store.totp.useStep(userId, secret, 101)));
        expect(count(results, Boolean)).toBe(1);
        expect((await store.totp.get(userId))!.active!.lastUsedStep).toBe(101);
      }));

    it('useStep: of 20 concurrent callers with the previous, same and next step, at most one per step wins and none at or below the last', () =>
      withStore(async (store) => {
        const { userId, secret } = await activeUser(store, 100);
        const steps = Array.from({ length: 20 }, (_, i) => 99 + (i % 3)); // 99, 100, 101
        const results = await Promise.all(steps.map((s) => store.totp.useStep(userId, secret, s)));
        expect(count(results.filter((_, i) => steps[i] !== 101), Boolean)).toBe(0);
        expect(count(results.filter((_, i) => steps[i] === 101), Boolean)).toBe(1);
      }));

    it('remove: true when an authenticator was active; removes the pending enrolment too; then false', () =>
      withStore(async (store) => {
        const { userId, secret } = await activeUser(store);
        await store.totp.setPending(userId, pending());
        expect(await store.totp.remove(userId)).toBe(true);
        expect(await store.totp.get(userId)).toBeUndefined();
        expect(await store.totp.useStep(userId, secret, 1_000)).toBe(false);
        expect(await store.totp.remove(userId)).toBe(false);
        expect(await store.totp.remove(id(32))).toBe(false);
      }));

    it('remove with only a pending enrolment: false, and the pending enrolment is gone', () =>
      withStore(async (store) => {
        const userId = id(32);
        const p = pending();
        await store.totp.setPending(userId, p);
        expect(await store.totp.remove(userId)).toBe(false);
        expect(await store.totp.get(userId)).toBeUndefined();
        expect(await store.totp.confirm(userId, p.sealedSecret, 1, at(1))).toBe(false);
      }));

    it("users' authenticators are independent", () =>
      withStore(async (store) => {
        const a = await activeUser(store, 100);
        const b = await activeUser(store, 100);
        expect(await store.totp.useStep(a.userId, b.secret, 101)).toBe(false);
        expect(await store.totp.useStep(a.userId, a.secret, 101)).toBe(true);
        expect(await store.totp.useStep(b.userId, b.secret, 101)).toBe(true);
        expect(await store.totp.remove(a.userId)).toBe(true);
        expect((await store.totp.get(b.userId))!.active!.lastUsedStep).toBe(101);
      }));
  });

  describe('recoveryCodes', () => {
    const set = (o: Partial<RecoveryCodeSet> = {}): RecoveryCodeSet => ({ userId: id(32), hashes: Array.from({ length: 10 }, () => id(32)), generatedAt: at(0), ...o });

    it('get is undefined for a user without codes', () =>
      withStore(async (store) => {
        expect(await store.recoveryCodes.get(id(32))).toBeUndefined();
      }));

    it('replace then get round-trips, in order', () =>
      withStore(async (store) => {
        const s = set();
        await store.recoveryCodes.replace(s);
        const got = await store.recoveryCodes.get(s.userId);
        expect(got).toEqual(s);
        expect(got).not.toHaveProperty('_id');
        expectDate(got!.generatedAt, T0);
      }));

    it('replace invalidates every earlier code', () =>
      withStore(async (store) => {
        const first = set();
        await store.recoveryCodes.replace(first);
        const second = set({ userId: first.userId, generatedAt: at(MIN) });
        await store.recoveryCodes.replace(second);
        expect(await store.recoveryCodes.get(first.userId)).toEqual(second);
        for (const h of first.hashes) expect(await store.recoveryCodes.consume(first.userId, h)).toBe(false);
        expect(await store.recoveryCodes.consume(first.userId, second.hashes[3]!)).toBe(true);
      }));

    it('consume: true once for a code of the set, then false; the others remain in order', () =>
      withStore(async (store) => {
        const s = set();
        await store.recoveryCodes.replace(s);
        expect(await store.recoveryCodes.consume(s.userId, s.hashes[4]!)).toBe(true);
        expect(await store.recoveryCodes.consume(s.userId, s.hashes[4]!)).toBe(false);
        const got = await store.recoveryCodes.get(s.userId);
        expect(got!.hashes).toEqual(s.hashes.filter((_, i) => i !== 4));
        expectDate(got!.generatedAt, T0);
      }));

    it('consume: false for an unknown hash, an unknown user, or another user’s code', () =>
      withStore(async (store) => {
        const a = set();
        const b = set();
        await store.recoveryCodes.replace(a);
        await store.recoveryCodes.replace(b);
        expect(await store.recoveryCodes.consume(a.userId, id(32))).toBe(false);
        expect(await store.recoveryCodes.consume(id(32), a.hashes[0]!)).toBe(false);
        expect(await store.recoveryCodes.consume(a.userId, b.hashes[0]!)).toBe(false);
        expect(await store.recoveryCodes.get(a.userId)).toEqual(a);
        expect(await store.recoveryCodes.get(b.userId)).toEqual(b);
      }));

    it('every code can be used once; an empty set stays (get returns no hashes)', () =>
      withStore(async (store) => {
        const s = set({ hashes: [id(32), id(32), id(32)] });
        await store.recoveryCodes.replace(s);
        for (const h of s.hashes) expect(await store.recoveryCodes.consume(s.userId, h)).toBe(true);
        const got = await store.recoveryCodes.get(s.userId);
        expect(got?.hashes ?? []).toEqual([]);
      }));

    it('of 20 concurrent consumes of one code exactly one gets true; the other codes are untouched', () =>
      withStore(async (store) => {
        const s = set();
        await store.recoveryCodes.replace(s);
        const results = await Promise.all(Array.from({ length: 20 }, () => store.recoveryCodes.consume(s.userId, s.hashes[0]!)));
        expect(count(results, Boolean)).toBe(1);
        expect((await store.recoveryCodes.get(s.userId))!.hashes).toEqual(s.hashes.slice(1));
      }));

    it('concurrent consumes of different codes all succeed and none is lost', () =>
      withStore(async (store) => {
        const s = set();
        await store.recoveryCodes.replace(s);
        const results = await Promise.all(s.hashes.map((h) => store.recoveryCodes.consume(s.userId, h)));
        expect(results).toEqual(Array(10).fill(true));
        expect((await store.recoveryCodes.get(s.userId))?.hashes ?? []).toEqual([]);
      }));
  });

  describe('lockouts', () => {
    const DECAY = 24 * 3600 * 1000;
    /** Lock durations: 1 min, doubling per strike; records the strikes it was asked for. */
    function lockMs(): ((strikes: number) => number) & { asked: number[] } {
      const asked: number[] = [];
      const f = (strikes: number) => {
        asked.push(strikes);
        return MIN * 2 ** strikes;
      };
      return Object.assign(f, { asked });
    }

    it('reserves up to the threshold, then refuses with a retryAt in the future', () =>
      withStore(async (store) => {
        const opts = { threshold: 3, decayMs: DECAY };
        for (let i = 0; i < 3; i++) expect(await store.lockouts.reserve('user:a', at(i), opts)).toEqual({ ok: true });
        const r = await store.lockouts.reserve('user:a', at(10), opts);
        expect(r.ok).toBe(false);
        const retryAt = (r as { retryAt: Date }).retryAt;
        expectDate(retryAt);
        expect(retryAt.getTime()).toBeGreaterThan(T0 + 10);
        // Other keys are independent.
        expect(await store.lockouts.reserve('user:b', at(10), opts)).toEqual({ ok: true });
        expect(await store.lockouts.reserve('ip:a', at(10), opts)).toEqual({ ok: true });
      }));

    it('of 20 concurrent reserves with threshold 5 exactly 5 are ok', () =>
      withStore(async (store) => {
        const results = await Promise.all(Array.from({ length: 20 }, () => store.lockouts.reserve('user:c', at(0), { threshold: 5, decayMs: DECAY })));
        expect(count(results, (r) => r.ok)).toBe(5);
        for (const r of results) if (!r.ok) expect(r.retryAt.getTime()).toBeGreaterThan(T0);
        expect((await store.lockouts.reserve('user:c', at(1), { threshold: 5, decayMs: DECAY })).ok).toBe(false);
      }));

    it('of 20 concurrent reserves on a key that already has one (threshold 5) exactly 4 more are ok', () =>
      withStore(async (store) => {
        const opts = { threshold: 5, decayMs: DECAY };
        expect((await store.lockouts.reserve('user:d', at(0), opts)).ok).toBe(true);
        const results = await Promise.all(Array.from({ length: 20 }, () => store.lockouts.reserve('user:d', at(1), opts)));
        expect(count(results, (r) => r.ok)).toBe(4);
      }));

    it('fail locks only once count reached the threshold, and returns true once', () =>
      withStore(async (store) => {
        const opts = { threshold: 3, decayMs: DECAY };
        const lm = lockMs();
        const fail = (t: number) => store.lockouts.fail('user:e', at(t), { ...opts, lockMs: lm });
        expect(await fail(0)).toBe(false); // no record yet
        for (let i = 1; i <= 2; i++) {
          expect((await store.lockouts.reserve('user:e', at(i), opts)).ok).toBe(true);
          expect(await fail(i)).toBe(false);
        }
        expect((await store.lockouts.reserve('user:e', at(3), opts)).ok).toBe(true);
        expect(lm.asked).toEqual([]);
        expect(await fail(3)).toBe(true);
        expect(lm.asked).toEqual([0]);
        expect(await fail(4)).toBe(false);
        // Locked until now + lockMs(0): refused until then with retryAt = lockedUntil.
        const r = await store.lockouts.reserve('user:e', at(5), opts);
        expect(r.ok).toBe(false);
        expectDate((r as { retryAt: Date }).retryAt, T0 + 3 + MIN);
        const edge = await store.lockouts.reserve('user:e', at(3 + MIN - 1), opts);
        expect(edge.ok).toBe(false);
        expect((edge as { retryAt: Date }).retryAt.getTime()).toBe(T0 + 3 + MIN);
      }));

    it('of 20 concurrent fails at the threshold exactly one locks', () =>
      withStore(async (store) => {
        const opts = { threshold: 3, decayMs: DECAY };
        for (let i = 0; i < 3; i++) await store.lockouts.reserve('user:f', at(0), opts);
        const lm = lockMs();
        const results = await Promise.all(Array.from({ length: 20 }, () => store.lockouts.fail('user:f', at(1), { ...opts, lockMs: lm })));
        expect(count(results, Boolean)).toBe(1);
        // The lock is lockMs(0) (one strike), not compounded by the concurrent callers.
        const r = await store.lockouts.reserve('user:f', at(2), opts);
        expect((r as { retryAt: Date }).retryAt.getTime()).toBe(T0 + 1 + MIN);
        for (let i = 0; i < 3; i++) expect((await store.lockouts.reserve('user:f', at(1 + MIN), opts)).ok).toBe(true);
        expect(await store.lockouts.fail('user:f', at(1 + MIN), { ...opts, lockMs: lm })).toBe(true);
        expect(lm.asked.at(-1)).toBe(1);
      }));

    it('after lockedUntil passes counting starts again, and the next lock is longer (strikes)', () =>
      withStore(async (store) => {
        const opts = { threshold: 2, decayMs: DECAY };
        const lm = lockMs();
        const round = async (t: number): Promise<boolean> => {
          for (let i = 0; i < 2; i++) {
            expect((await store.lockouts.reserve('user:g', at(t), opts)).ok).toBe(true);
            if (await store.lockouts.fail('user:g', at(t), { ...opts, lockMs: lm })) return true;
          }
          return false;
        };
        expect(await round(0)).toBe(true); // locked until 1 min
        expect(lm.asked).toEqual([0]);
        // Exactly at lockedUntil the key is free again, with a fresh count.
        expect(await round(MIN)).toBe(true); // strikes 1 → locked 2 min
        expect(lm.asked).toEqual([0, 1]);
        const r = await store.lockouts.reserve('user:g', at(MIN + 1), opts);
        expect((r as { retryAt: Date }).retryAt.getTime()).toBe(T0 + MIN + 2 * MIN);
        expect(await round(3 * MIN)).toBe(true); // strikes 2 → 4 min
        expect(lm.asked).toEqual([0, 1, 2]);
        const r2 = await store.lockouts.reserve('user:g', at(3 * MIN + 1), opts);
        expect((r2 as { retryAt: Date }).retryAt.getTime()).toBe(T0 + 3 * MIN + 4 * MIN);
      }));

    it('decay: a record past decayMs counts as absent (count forgotten)', () =>
      withStore(async (store) => {
        const opts = { threshold: 2, decayMs: 10_000 };
        expect((await store.lockouts.reserve('user:h', at(0), opts)).ok).toBe(true);
        expect((await store.lockouts.reserve('user:h', at(1_000), opts)).ok).toBe(true);
        expect((await store.lockouts.reserve('user:h', at(5_000), opts)).ok).toBe(false);
        // The record lives decayMs past the LAST reservation: still there at 10 999.
        expect((await store.lockouts.reserve('user:h', at(10_999), opts)).ok).toBe(false);
        // Past it: absent, counting starts from 0.
        expect((await store.lockouts.reserve('user:h', at(11_000), opts)).ok).toBe(true);
        expect((await store.lockouts.reserve('user:h', at(11_001), opts)).ok).toBe(true);
        expect((await store.lockouts.reserve('user:h', at(11_002), opts)).ok).toBe(false);
      }));

    it('decay: fail on an expired record does not lock', () =>
      withStore(async (store) => {
        const opts = { threshold: 1, decayMs: 10_000 };
        const lm = lockMs();
        expect((await store.lockouts.reserve('user:i', at(0), opts)).ok).toBe(true);
        expect(await store.lockouts.fail('user:i', at(10_000), { ...opts, lockMs: lm })).toBe(false);
        expect(lm.asked).toEqual([]);
        expect((await store.lockouts.reserve('user:i', at(10_001), opts)).ok).toBe(true);
      }));

    it('decay: strikes are forgotten once the record decays after a lock', () =>
      withStore(async (store) => {
        const opts = { threshold: 1, decayMs: 10_000 };
        const lm = lockMs();
        expect((await store.lockouts.reserve('user:j', at(0), opts)).ok).toBe(true);
        expect(await store.lockouts.fail('user:j', at(0), { ...opts, lockMs: lm })).toBe(true); // until 1 min
        // Unlocked but still remembered (expiresAt = lockedUntil + decayMs): strikes count.
        expect((await store.lockouts.reserve('user:j', at(MIN), opts)).ok).toBe(true);
        expect(await store.lockouts.fail('user:j', at(MIN), { ...opts, lockMs: lm })).toBe(true); // strikes 1: until 3 min
        expect(lm.asked).toEqual([0, 1]);
        // Quiet for decayMs past that lock: forgotten, the next lock starts at strike 0 again.
        const quiet = 3 * MIN + 10_000;
        expect((await store.lockouts.reserve('user:j', at(quiet), opts)).ok).toBe(true);
        expect(await store.lockouts.fail('user:j', at(quiet), { ...opts, lockMs: lm })).toBe(true);
        expect(lm.asked).toEqual([0, 1, 0]);
      }));

    it('release gives a reservation back, and never goes below 0', () =>
      withStore(async (store) => {
        const opts = { threshold: 3, decayMs: DECAY };
        await store.lockouts.release('user:unknown'); // no record: nothing happens, no error
        expect((await store.lockouts.reserve('user:unknown', at(0), opts)).ok).toBe(true);

        for (let i = 0; i < 3; i++) expect((await store.lockouts.reserve('user:k', at(0), opts)).ok).toBe(true);
        expect((await store.lockouts.reserve('user:k', at(0), opts)).ok).toBe(false);
        await store.lockouts.release('user:k');
        expect((await store.lockouts.reserve('user:k', at(1), opts)).ok).toBe(true);
        expect((await store.lockouts.reserve('user:k', at(1), opts)).ok).toBe(false);
        // Releasing more than was reserved: count stops at 0, so still only `threshold` attempts.
        for (let i = 0; i < 10; i++) await store.lockouts.release('user:k');
        for (let i = 0; i < 3; i++) expect((await store.lockouts.reserve('user:k', at(2), opts)).ok).toBe(true);
        expect((await store.lockouts.reserve('user:k', at(2), opts)).ok).toBe(false);
      }));

    it('release does not lift a lock', () =>
      withStore(async (store) => {
        const opts = { threshold: 1, decayMs: DECAY };
        await store.lockouts.reserve('user:l', at(0), opts);
        expect(await store.lockouts.fail('user:l', at(0), { ...opts, lockMs: lockMs() })).toBe(true);
        await store.lockouts.release('user:l');
        expect((await store.lockouts.reserve('user:l', at(1), opts)).ok).toBe(false);
      }));

    it('reset forgets the key entirely: count, lock and strikes', () =>
      withStore(async (store) => {
        const opts = { threshold: 1, decayMs: DECAY };
        const lm = lockMs();
        await store.lockouts.reserve('user:m', at(0), opts);
        expect(await store.lockouts.fail('user:m', at(0), { ...opts, lockMs: lm })).toBe(true);
        expect((await store.lockouts.reserve('user:m', at(1), opts)).ok).toBe(false);
        await store.lockouts.reset('user:m');
        // No longer locked, count from 0 …
        expect((await store.lockouts.reserve('user:m', at(2), opts)).ok).toBe(true);
        // … and the next lock is the first again (strike 0).
        expect(await store.lockouts.fail('user:m', at(2), { ...opts, lockMs: lm })).toBe(true);
        expect(lm.asked).toEqual([0, 0]);
        await store.lockouts.reset('user:never-seen'); // no error
      }));

    it('lockedUntil answers the lock in force, and reads only: nothing is reserved or counted', () =>
      withStore(async (store) => {
        const opts = { threshold: 2, decayMs: DECAY };
        expect(await store.lockouts.lockedUntil('user:n', at(0))).toBeUndefined(); // no record
        expect((await store.lockouts.reserve('user:n', at(0), opts)).ok).toBe(true);
        expect(await store.lockouts.lockedUntil('user:n', at(0))).toBeUndefined(); // counting, not locked
        for (let i = 0; i < 5; i++) await store.lockouts.lockedUntil('user:n', at(1));
        expect((await store.lockouts.reserve('user:n', at(1), opts)).ok).toBe(true); // the reads took no reservation
        expect((await store.lockouts.reserve('user:n', at(1), opts)).ok).toBe(false);
        expect(await store.lockouts.fail('user:n', at(2), { ...opts, lockMs: () => 60_000 })).toBe(true);
        expect(await store.lockouts.lockedUntil('user:n', at(3))).toEqual(at(60_002));
        expect(await store.lockouts.lockedUntil('user:n', at(60_001))).toEqual(at(60_002));
        expect(await store.lockouts.lockedUntil('user:n', at(60_002))).toBeUndefined(); // the lock ended
        expect(await store.lockouts.lockedUntil('ip:n', at(3))).toBeUndefined(); // per key
      }));
  });

  describe('sessions.deleteByUser', () => {
    it("ends every session of the user, sparing exceptId, and no one else's", () =>
      withStore(async (store) => {
        const alice = id(32);
        const bob = id(32);
        const a1 = newSession({ userId: alice });
        const a2 = newSession({ userId: alice, credentialId: id() });
        const a3 = newSession({ userId: alice });
        const b = newSession({ userId: bob });
        for (const s of [a1, a2, a3, b]) await store.sessions.put(s);
        expect(await store.sessions.deleteByUser(alice, a3.id)).toBe(2);
        expect(await store.sessions.get(a1.id, at(1))).toBeUndefined();
        expect(await store.sessions.get(a2.id, at(1))).toBeUndefined();
        expect(await store.sessions.get(a3.id, at(1))).toEqual(a3);
        expect(await store.sessions.get(b.id, at(1))).toEqual(b);
        expect(await store.sessions.deleteByUser(alice)).toBe(1);
        expect(await store.sessions.get(a3.id, at(1))).toBeUndefined();
        expect(await store.sessions.deleteByUser(alice)).toBe(0);
        expect(await store.sessions.deleteByUser(id(32))).toBe(0);
        expect(await store.sessions.get(b.id, at(1))).toEqual(b);
      }));

    it('with exceptId of another user’s session: ends all of this user’s and spares the other', () =>
      withStore(async (store) => {
        const alice = id(32);
        const a = newSession({ userId: alice });
        const b = newSession();
        await store.sessions.put(a);
        await store.sessions.put(b);
        expect(await store.sessions.deleteByUser(alice, b.id)).toBe(1);
        expect(await store.sessions.get(b.id, at(1))).toEqual(b);
      }));
  });

  describe('copy semantics', () => {
    it('signInAttempts: mutating the put, a got or a taken object does not change the store', () =>
      withStore(async (store) => {
        const a = newAttempt();
        const original = structuredClone(a);
        await store.signInAttempts.put(a);
        a.userId = 'mutated';
        a.expiresAt.setTime(T0 + 1);
        a.passwordAt.setTime(0);
        const got = await store.signInAttempts.get(original.id, at(1000));
        expect(got).toEqual(original);
        got!.attemptId = 'mutated';
        got!.expiresAt.setTime(0);
        expect(await store.signInAttempts.get(original.id, at(1000))).toEqual(original);
        const taken = await store.signInAttempts.take(original.id, original.attemptId, at(1000));
        expect(taken).toEqual(original);
        taken!.expiresAt.setTime(T0 + 10 * MIN);
        expect(await store.signInAttempts.get(original.id, at(1000))).toBeUndefined();
      }));

    it('passwords: mutating the set or a returned object does not change the store', () =>
      withStore(async (store) => {
        const r: PasswordRecord = { userId: id(32), hash: '$argon2id$original', updatedAt: at(5) };
        const original = structuredClone(r);
        await store.passwords.set(r);
        r.hash = 'mutated';
        r.updatedAt.setTime(0);
        const got = await store.passwords.get(original.userId);
        expect(got).toEqual(original);
        got!.hash = 'mutated again';
        got!.updatedAt.setTime(1);
        expect(await store.passwords.get(original.userId)).toEqual(original);
      }));

    it('totp: mutating the pending given to setPending or a returned record does not change the store', () =>
      withStore(async (store) => {
        const userId = id(32);
        const p = pending();
        const original = structuredClone(p);
        await store.totp.setPending(userId, p);
        p.sealedSecret = 'mutated';
        p.expiresAt.setTime(0);
        const got = await store.totp.get(userId);
        expect(got).toEqual({ userId, pending: original });
        got!.pending!.sealedSecret = 'mutated again';
        got!.pending!.expiresAt.setTime(0);
        expect(await store.totp.get(userId)).toEqual({ userId, pending: original });
        expect(await store.totp.confirm(userId, original.sealedSecret, 100, at(MIN))).toBe(true);

        const now = at(MIN);
        const active = await store.totp.get(userId);
        active!.active!.lastUsedStep = 1_000_000;
        active!.active!.sealedSecret = 'mutated';
        active!.active!.confirmedAt.setTime(0);
        expect(await store.totp.get(userId)).toEqual({ userId, active: { sealedSecret: original.sealedSecret, lastUsedStep: 100, confirmedAt: now } });
        expect(await store.totp.useStep(userId, original.sealedSecret, 101)).toBe(true);
      }));

    it('totp: mutating the Date passed to confirm afterwards does not change confirmedAt', () =>
      withStore(async (store) => {
        const userId = id(32);
        const p = pending();
        await store.totp.setPending(userId, p);
        const now = at(MIN);
        expect(await store.totp.confirm(userId, p.sealedSecret, 1, now)).toBe(true);
        now.setTime(0);
        expectDate((await store.totp.get(userId))!.active!.confirmedAt, T0 + MIN);
      }));

    it('recoveryCodes: mutating the replaced set or a returned set does not change the store', () =>
      withStore(async (store) => {
        const s: RecoveryCodeSet = { userId: id(32), hashes: [id(32), id(32), id(32)], generatedAt: at(9) };
        const original = structuredClone(s);
        await store.recoveryCodes.replace(s);
        s.hashes.push('attacker-hash');
        s.hashes[0] = 'mutated';
        s.generatedAt.setTime(0);
        const got = await store.recoveryCodes.get(original.userId);
        expect(got).toEqual(original);
        got!.hashes.length = 0;
        got!.hashes.push('attacker-hash');
        got!.generatedAt.setTime(0);
        expect(await store.recoveryCodes.get(original.userId)).toEqual(original);
        expect(await store.recoveryCodes.consume(original.userId, 'attacker-hash')).toBe(false);
        expect(await store.recoveryCodes.consume(original.userId, original.hashes[0]!)).toBe(true);
      }));

    it('lockouts: mutating the Date passed to reserve or fail afterwards does not change the record', () =>
      withStore(async (store) => {
        const opts = { threshold: 1, decayMs: 10_000 };
        const now = at(0);
        await store.lockouts.reserve('user:n', now, opts);
        now.setTime(T0 - 1_000_000);
        const failAt = at(1);
        expect(await store.lockouts.fail('user:n', failAt, { ...opts, lockMs: () => MIN })).toBe(true);
        failAt.setTime(0);
        const r = await store.lockouts.reserve('user:n', at(2), opts);
        expect((r as { retryAt: Date }).retryAt.getTime()).toBe(T0 + 1 + MIN);
      }));
  });
});
