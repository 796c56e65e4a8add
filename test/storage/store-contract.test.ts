/**
 * The storage contract of server/src/storage/ports.ts, checked as behaviour on every
 * adapter (memory always; MongoDB when the global setup started the shared test server).
 * Each test opens a fresh, empty store and closes it. Failures are matched on `code`.
 */
import { randomBytes } from 'node:crypto';
import { types } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { ConflictError, KeygateError } from '../../server/src/errors/keygate-error.js';
import type { AuditEvent, Ceremony, Session, Store, StoredCredential, User } from '../../server/src/storage/ports.js';
import { testStores, type StoreFactory } from '../helpers/test-stores.js';

import { T0, at, id, newCredential, newUser } from '../helpers/store-fixtures.js';

/** What recordUse compares: the registration (owner, createdAt) and the counter verified against. */
function expecting(c: StoredCredential, counter: number): { counter: number; userId: string; createdAt: Date } {
  return { counter, userId: c.userId, createdAt: c.createdAt };
}

function newCeremony(o: Partial<Ceremony> = {}): Ceremony {
  return {
    id: id(32),
    kind: 'registration',
    challenge: id(32),
    userVerification: 'preferred',
    userId: id(32),
    username: 'alice',
    displayName: 'Alice',
    newUser: true,
    createdAt: at(0),
    expiresAt: at(300_000),
    ...o,
  };
}

function newSession(o: Partial<Session> = {}): Session {
  return { id: id(32), userId: id(32), credentialId: id(), amr: ['swk', 'user', 'mfa'], acr: 'urn:keygate:acr:phr', authenticatedAt: at(0), expiresAt: at(3_600_000), ...o };
}

/** The rejection of `p` (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the operation to reject, but it resolved');
}

/**
 * Realm-independent checks: under jest's vm context the memory store's `structuredClone`
 * returns Dates and Uint8Arrays of the outer realm, so `instanceof` would be misleading.
 */
function expectDate(actual: unknown): void {
  expect(types.isDate(actual)).toBe(true);
}

function expectBytes(actual: unknown, expected: Uint8Array): void {
  expect(types.isUint8Array(actual)).toBe(true);
  expect(Buffer.from(actual as Uint8Array).equals(Buffer.from(expected))).toBe(true);
}

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

  it('opens with its kind and answers ping', () =>
    withStore(async (store) => {
      expect(store.kind).toBe(factory.name);
      await expect(store.ping()).resolves.toBeUndefined();
    }));

  describe('users', () => {
    it('inserts and finds by id and by username', () =>
      withStore(async (store) => {
        const u = newUser();
        await store.users.insert(u);
        const byId = await store.users.findById(u.id);
        expect(byId).toEqual(u);
        expectDate(byId!.createdAt);
        expect(byId).not.toHaveProperty('_id');
        expect(await store.users.findByUsername(u.username)).toEqual(u);
      }));

    it("findWithCredentials: the user and only their credentials, oldest first, in one read; undefined for an unknown username", () =>
      withStore(async (store) => {
        const u = newUser();
        const other = newUser();
        await store.users.insert(u);
        await store.users.insert(other);
        await store.credentials.insert(newCredential(u.id, { name: 'middle', createdAt: at(2000) }));
        await store.credentials.insert(newCredential(other.id, { name: 'other', createdAt: at(1500) }));
        await store.credentials.insert(newCredential(u.id, { name: 'newest', createdAt: at(3000) }));
        const oldest = newCredential(u.id, { name: 'oldest', createdAt: at(1000) });
        await store.credentials.insert(oldest);
        const got = await store.users.findWithCredentials(u.username);
        expect(got!.user).toEqual(u);
        expect(got!.user).not.toHaveProperty('_id');
        expect(got!.user).not.toHaveProperty('credentials');
        expect(got!.credentials.map((c) => c.name)).toEqual(['oldest', 'middle', 'newest']);
        expect(got!.credentials.map((c) => c.name)).toEqual((await store.credentials.listByUser(u.id)).map((c) => c.name));
        const { publicKey, attestationObject, ...rest } = got!.credentials[0]!;
        const { publicKey: pk, attestationObject: ao, ...expected } = oldest;
        expect(rest).toEqual(expected);
        expectBytes(publicKey, pk);
        expectBytes(attestationObject, ao);
        const lonely = newUser();
        await store.users.insert(lonely);
        expect(await store.users.findWithCredentials(lonely.username)).toEqual({ user: lonely, credentials: [] });
        expect(await store.users.findWithCredentials('nobody')).toBeUndefined();
        // Copies: mutating the answer changes nothing stored.
        got!.credentials[0]!.counter = 99;
        got!.user.displayName = 'changed';
        const again = await store.users.findWithCredentials(u.username);
        expect(again!.credentials[0]!.counter).toBe(oldest.counter);
        expect(again!.user.displayName).toBe(u.displayName);
      }));

    it('returns undefined for unknown ids and usernames', () =>
      withStore(async (store) => {
        await store.users.insert(newUser());
        expect(await store.users.findById(id(32))).toBeUndefined();
        expect(await store.users.findByUsername('nobody')).toBeUndefined();
      }));

    it('refuses a duplicate username with ConflictError username_taken and keeps the first record', () =>
      withStore(async (store) => {
        const first = newUser({ username: 'alice', displayName: 'First Alice' });
        await store.users.insert(first);
        const second = newUser({ username: 'alice', displayName: 'Second Alice', createdAt: at(1000) });
        const err = await rejection(store.users.insert(second));
        expect(err).toBeInstanceOf(ConflictError);
        expect(err).toMatchObject({ code: 'username_taken', status: 409 });
        expect(await store.users.findByUsername('alice')).toEqual(first);
        expect(await store.users.findById(second.id)).toBeUndefined();
        expect(await store.users.findById(first.id)).toEqual(first);
      }));

    it('deletes: true once, then false; the username becomes free again', () =>
      withStore(async (store) => {
        const u = newUser({ username: 'bob' });
        await store.users.insert(u);
        expect(await store.users.delete(u.id)).toBe(true);
        expect(await store.users.findById(u.id)).toBeUndefined();
        expect(await store.users.findByUsername('bob')).toBeUndefined();
        expect(await store.users.delete(u.id)).toBe(false);
        expect(await store.users.delete(id(32))).toBe(false);
        const again = newUser({ username: 'bob' });
        await store.users.insert(again);
        expect(await store.users.findByUsername('bob')).toEqual(again);
      }));
  });

  describe('credentials', () => {
    it('round-trips every field (bytes byte-equal, dates as Date)', () =>
      withStore(async (store) => {
        const c = newCredential(id(32), {
          alg: -257,
          counter: 4_000_000_000,
          transports: ['internal', 'hybrid'],
          fmt: 'tpm',
          backupEligible: true,
          backedUp: true,
          userVerified: false,
          discoverable: false,
          possiblyCloned: true,
          disabled: true,
        });
        await store.credentials.insert(c);
        const got = await store.credentials.findById(c.id);
        expect(got).toBeDefined();
        expect(got).not.toHaveProperty('_id');
        const { publicKey, attestationObject, ...rest } = got!;
        const { publicKey: pk, attestationObject: ao, ...expected } = c;
        expect(rest).toEqual(expected);
        expectBytes(publicKey, pk);
        expectBytes(attestationObject, ao);
        expectDate(got!.createdAt);
        expectDate(got!.lastUsedAt);
        expect(got!.discoverable).toBe(false);
      }));

    it('keeps absent optional fields absent (not null)', () =>
      withStore(async (store) => {
        // Exactly how finish-registration builds a credential when credProps was not reported.
        const c = newCredential(id(32), { discoverable: undefined, lastUsedAt: undefined });
        await store.credentials.insert(c);
        const got = await store.credentials.findById(c.id);
        expect(got!.discoverable).toBeUndefined();
        expect(got!.lastUsedAt).toBeUndefined();
        const [listed] = await store.credentials.listByUser(c.userId);
        expect(listed!.discoverable).toBeUndefined();
        expect(listed!.lastUsedAt).toBeUndefined();
      }));

    it('round-trips empty byte arrays and empty transports', () =>
      withStore(async (store) => {
        const c = newCredential(id(32), { publicKey: new Uint8Array(0), attestationObject: new Uint8Array(0), transports: [] });
        await store.credentials.insert(c);
        const got = await store.credentials.findById(c.id);
        expectBytes(got!.publicKey, new Uint8Array(0));
        expectBytes(got!.attestationObject, new Uint8Array(0));
        expect(got!.transports).toEqual([]);
      }));

    it('stores bytes given as a view into a larger buffer as exactly the viewed bytes', () =>
      withStore(async (store) => {
        const backing = new Uint8Array(randomBytes(64));
        const c = newCredential(id(32), { publicKey: backing.subarray(8, 40) });
        await store.credentials.insert(c);
        const got = await store.credentials.findById(c.id);
        expectBytes(got!.publicKey, backing.slice(8, 40));
      }));

    it('returns undefined for an unknown id', () =>
      withStore(async (store) => {
        expect(await store.credentials.findById(id())).toBeUndefined();
      }));

    it('refuses a duplicate credential id for the same user with credential_exists', () =>
      withStore(async (store) => {
        const userId = id(32);
        const c = newCredential(userId, { name: 'first' });
        await store.credentials.insert(c);
        const err = await rejection(store.credentials.insert({ ...newCredential(userId), id: c.id, name: 'second' }));
        expect(err).toBeInstanceOf(ConflictError);
        expect(err).toMatchObject({ code: 'credential_exists', status: 409 });
        expect((await store.credentials.listByUser(userId)).map((x) => x.name)).toEqual(['first']);
        expect((await store.credentials.findById(c.id))!.name).toBe('first');
      }));

    it('refuses a credential id registered to ANOTHER user with credential_exists and writes nothing', () =>
      withStore(async (store) => {
        const alice = id(32);
        const mallory = id(32);
        const c = newCredential(alice);
        await store.credentials.insert(c);
        const err = await rejection(store.credentials.insert(newCredential(mallory, { id: c.id, counter: 0 })));
        expect(err).toBeInstanceOf(ConflictError);
        expect(err).toMatchObject({ code: 'credential_exists' });
        expect(await store.credentials.listByUser(mallory)).toEqual([]);
        const stored = await store.credentials.findById(c.id);
        expect(stored!.userId).toBe(alice);
        expect(stored!.counter).toBe(5);
        expect(await store.credentials.listByUser(alice)).toHaveLength(1);
      }));

    it("lists only the user's credentials, oldest first", () =>
      withStore(async (store) => {
        const userId = id(32);
        const other = id(32);
        // Inserted out of order on purpose.
        await store.credentials.insert(newCredential(userId, { name: 'middle', createdAt: at(2000) }));
        await store.credentials.insert(newCredential(other, { name: 'other', createdAt: at(1500) }));
        await store.credentials.insert(newCredential(userId, { name: 'newest', createdAt: at(3000) }));
        await store.credentials.insert(newCredential(userId, { name: 'oldest', createdAt: at(1000) }));
        const list = await store.credentials.listByUser(userId);
        expect(list.map((c) => c.name)).toEqual(['oldest', 'middle', 'newest']);
        expect(list.every((c) => c.userId === userId)).toBe(true);
        expect(list.every((c) => types.isUint8Array(c.publicKey) && types.isDate(c.createdAt))).toBe(true);
        expect((await store.credentials.listByUser(other)).map((c) => c.name)).toEqual(['other']);
        expect(await store.credentials.listByUser(id(32))).toEqual([]);
      }));

    describe('recordUse (compare-and-set)', () => {
      it('with the current counter: true, and counter, lastUsedAt and backedUp are set', () =>
        withStore(async (store) => {
          const c = newCredential(id(32), { counter: 5, backedUp: false, lastUsedAt: undefined });
          await store.credentials.insert(c);
          const lastUsedAt = at(60_000);
          expect(await store.credentials.recordUse(c.id, expecting(c, 5), { counter: 9, lastUsedAt, backedUp: true })).toBe(true);
          const got = await store.credentials.findById(c.id);
          expect(got!.counter).toBe(9);
          expectDate(got!.lastUsedAt);
          expect(got!.lastUsedAt!.getTime()).toBe(lastUsedAt.getTime());
          expect(got!.backedUp).toBe(true);
          // Nothing else changed.
          const { counter: _a, lastUsedAt: _b, backedUp: _c, publicKey, attestationObject, ...rest } = got!;
          const { counter: _d, lastUsedAt: _e, backedUp: _f, publicKey: pk, attestationObject: ao, ...expected } = c;
          expect(rest).toEqual(expected);
          expectBytes(publicKey, pk);
          expectBytes(attestationObject, ao);
        }));

      it('with a stale counter: false, and nothing changes', () =>
        withStore(async (store) => {
          const c = newCredential(id(32), { counter: 5 });
          await store.credentials.insert(c);
          const before = await store.credentials.findById(c.id);
          expect(await store.credentials.recordUse(c.id, expecting(c, 4), { counter: 7, lastUsedAt: at(99_000), backedUp: true })).toBe(false);
          expect(await store.credentials.recordUse(c.id, expecting(c, 6), { counter: 7, lastUsedAt: at(99_000), backedUp: true })).toBe(false);
          expect(await store.credentials.findById(c.id)).toEqual(before);
        }));

      it('the second use with the same expected counter loses', () =>
        withStore(async (store) => {
          const c = newCredential(id(32), { counter: 5 });
          await store.credentials.insert(c);
          expect(await store.credentials.recordUse(c.id, expecting(c, 5), { counter: 6, lastUsedAt: at(1), backedUp: false })).toBe(true);
          expect(await store.credentials.recordUse(c.id, expecting(c, 5), { counter: 7, lastUsedAt: at(2), backedUp: false })).toBe(false);
          expect((await store.credentials.findById(c.id))!.counter).toBe(6);
          expect(await store.credentials.recordUse(c.id, expecting(c, 6), { counter: 7, lastUsedAt: at(3), backedUp: false })).toBe(true);
        }));

      it('false for an unknown id', () =>
        withStore(async (store) => {
          expect(await store.credentials.recordUse(id(), { counter: 0, userId: id(32), createdAt: at(0) }, { counter: 1, lastUsedAt: at(1), backedUp: false })).toBe(false);
        }));

      it('of 20 concurrent callers with the same expected counter exactly one wins', () =>
        withStore(async (store) => {
          const c = newCredential(id(32), { counter: 5 });
          await store.credentials.insert(c);
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) => store.credentials.recordUse(c.id, expecting(c, 5), { counter: 6 + i, lastUsedAt: at(i), backedUp: false })),
          );
          expect(results.filter(Boolean)).toHaveLength(1);
          const winner = results.indexOf(true);
          expect((await store.credentials.findById(c.id))!.counter).toBe(6 + winner);
        }));

      it('loses, changing nothing, once the credential is disabled or flagged possibly cloned', () =>
        withStore(async (store) => {
          const c = newCredential(id(32), { counter: 5 });
          await store.credentials.insert(c);
          await store.credentials.setDisabled(c.id, true);
          expect(await store.credentials.recordUse(c.id, expecting(c, 5), { counter: 6, lastUsedAt: at(1), backedUp: false })).toBe(false);
          await store.credentials.setDisabled(c.id, false);
          await store.credentials.markPossiblyCloned(c.id);
          expect(await store.credentials.recordUse(c.id, expecting(c, 5), { counter: 6, lastUsedAt: at(1), backedUp: false })).toBe(false);
          expect((await store.credentials.findById(c.id))!.counter).toBe(5);
        }));

      it('loses for another registration of the same id (removed and registered again, by anyone)', () =>
        withStore(async (store) => {
          const c = newCredential(id(32), { counter: 5, createdAt: at(0) });
          await store.credentials.insert(c);
          await store.credentials.delete(c.id, c.userId);
          const again = { ...c, userId: id(32), createdAt: at(10_000) };
          await store.credentials.insert(again);
          expect(await store.credentials.recordUse(c.id, expecting(c, 5), { counter: 6, lastUsedAt: at(1), backedUp: false })).toBe(false);
          expect(await store.credentials.recordUse(c.id, { ...expecting(c, 5), userId: again.userId }, { counter: 6, lastUsedAt: at(1), backedUp: false })).toBe(false);
          expect(await store.credentials.recordUse(c.id, { ...expecting(c, 5), createdAt: again.createdAt }, { counter: 6, lastUsedAt: at(1), backedUp: false })).toBe(false);
          expect((await store.credentials.findById(c.id))!.counter).toBe(5);
          expect(await store.credentials.recordUse(c.id, expecting(again, 5), { counter: 6, lastUsedAt: at(1), backedUp: false })).toBe(true);
        }));

      it('racing a disable: either the use won before it, or it lost and the counter is unchanged', () =>
        withStore(async (store) => {
          for (let round = 0; round < 10; round++) {
            const c = newCredential(id(32), { counter: 5 });
            await store.credentials.insert(c);
            const [won] = await Promise.all([
              store.credentials.recordUse(c.id, expecting(c, 5), { counter: 6, lastUsedAt: at(1), backedUp: false }),
              store.credentials.setDisabled(c.id, true),
            ]);
            const after = await store.credentials.findById(c.id);
            expect(after!.disabled).toBe(true);
            expect(after!.counter).toBe(won ? 6 : 5);
          }
        }));
    });

    describe('findWithOwner (one read)', () => {
      it('the credential and its owner; owner absent when the user record is gone; undefined for an unknown id', () =>
        withStore(async (store) => {
          const u = newUser();
          await store.users.insert(u);
          const c = newCredential(u.id);
          await store.credentials.insert(c);
          const got = await store.credentials.findWithOwner(c.id);
          expect(got!.owner).toEqual(u);
          expect(got!.owner).not.toHaveProperty('_id');
          const { publicKey, attestationObject, ...rest } = got!.credential;
          const { publicKey: pk, attestationObject: ao, ...expected } = c;
          expect(rest).toEqual(expected);
          expect(got!.credential).not.toHaveProperty('owner');
          expectBytes(publicKey, pk);
          expectBytes(attestationObject, ao);
          expectDate(got!.credential.createdAt);
          expectDate(got!.owner!.createdAt);
          const orphan = newCredential(id(32));
          await store.credentials.insert(orphan);
          const lone = await store.credentials.findWithOwner(orphan.id);
          expect(lone!.credential.id).toBe(orphan.id);
          expect(lone!.owner).toBeUndefined();
          expect(await store.credentials.findWithOwner(id())).toBeUndefined();
        }));

      it('copies: mutating the answer does not change the store', () =>
        withStore(async (store) => {
          const u = newUser();
          await store.users.insert(u);
          const c = newCredential(u.id, { counter: 5 });
          await store.credentials.insert(c);
          const got = await store.credentials.findWithOwner(c.id);
          got!.credential.counter = 99;
          got!.credential.publicKey[0] = (got!.credential.publicKey[0]! + 1) % 256;
          got!.owner!.username = 'mallory';
          const again = await store.credentials.findWithOwner(c.id);
          expect(again!.credential.counter).toBe(5);
          expectBytes(again!.credential.publicKey, c.publicKey);
          expect(again!.owner!.username).toBe(u.username);
        }));
    });

    it('markPossiblyCloned: true and flagged; false for an unknown id', () =>
      withStore(async (store) => {
        const c = newCredential(id(32), { possiblyCloned: false });
        await store.credentials.insert(c);
        expect(await store.credentials.markPossiblyCloned(c.id)).toBe(true);
        expect((await store.credentials.findById(c.id))!.possiblyCloned).toBe(true);
        expect(await store.credentials.markPossiblyCloned(id())).toBe(false);
        expect(await store.credentials.findById(c.id)).toMatchObject({ disabled: false, counter: 5 });
      }));

    it('setDisabled: toggles both ways; false for an unknown id', () =>
      withStore(async (store) => {
        const c = newCredential(id(32), { disabled: false });
        await store.credentials.insert(c);
        expect(await store.credentials.setDisabled(c.id, true)).toBe(true);
        expect((await store.credentials.findById(c.id))!.disabled).toBe(true);
        expect(await store.credentials.setDisabled(c.id, false)).toBe(true);
        expect((await store.credentials.findById(c.id))!.disabled).toBe(false);
        expect(await store.credentials.setDisabled(id(), true)).toBe(false);
      }));

    it("rename: the owner's credential only; false and unchanged for others' or unknown ids", () =>
      withStore(async (store) => {
        const owner = id(32);
        const c = newCredential(owner, { name: 'old name' });
        await store.credentials.insert(c);
        expect(await store.credentials.rename(c.id, id(32), 'hijacked')).toBe(false);
        expect((await store.credentials.findById(c.id))!.name).toBe('old name');
        expect(await store.credentials.rename(id(), owner, 'nothing')).toBe(false);
        expect(await store.credentials.rename(c.id, owner, 'My YubiKey')).toBe(true);
        expect((await store.credentials.findById(c.id))!.name).toBe('My YubiKey');
      }));

    it("delete: the owner's credential only; false and still there for others' or unknown ids", () =>
      withStore(async (store) => {
        const owner = id(32);
        const c = newCredential(owner);
        const keep = newCredential(owner, { createdAt: at(10) });
        await store.credentials.insert(c);
        await store.credentials.insert(keep);
        expect(await store.credentials.delete(c.id, id(32))).toBe(false);
        expect(await store.credentials.findById(c.id)).toBeDefined();
        expect(await store.credentials.delete(id(), owner)).toBe(false);
        expect(await store.credentials.delete(c.id, owner)).toBe(true);
        expect(await store.credentials.findById(c.id)).toBeUndefined();
        expect((await store.credentials.listByUser(owner)).map((x) => x.id)).toEqual([keep.id]);
        expect(await store.credentials.delete(c.id, owner)).toBe(false);
      }));

    it('a deleted credential id can be registered again', () =>
      withStore(async (store) => {
        const c = newCredential(id(32));
        await store.credentials.insert(c);
        expect(await store.credentials.delete(c.id, c.userId)).toBe(true);
        await store.credentials.insert({ ...c, name: 'again' });
        expect((await store.credentials.findById(c.id))!.name).toBe('again');
      }));
  });

  describe('ceremonies', () => {
    const KEEP = 5;
    const put = (store: Store, c: Ceremony) => store.ceremonies.put(c, KEEP);
    const take = (store: Store, c: Pick<Ceremony, 'id' | 'challenge'>, now: Date) => store.ceremonies.take(c.id, c.challenge, now);

    it('concurrent puts (MongoDB sends them as one command) each take effect as alone, in call order', () =>
      withStore(async (store) => {
        const sessionId = id(32);
        const mine = Array.from({ length: 8 }, (_, i) => newCeremony({ id: sessionId, createdAt: at(i), expiresAt: at(60_000 + i) }));
        const others = Array.from({ length: 8 }, () => newCeremony());
        await Promise.all([...mine, ...others].map((c) => put(store, c)));
        for (const c of others) expect(await take(store, c, at(1000))).toEqual(c);
        // One session keeps its newest KEEP, as when put one by one.
        const kept = [];
        for (const c of mine) if (await take(store, c, at(1000))) kept.push(c.challenge);
        expect(kept).toEqual(mine.slice(-KEEP).map((c) => c.challenge));
      }));

    it('put then take returns it once; a second take is undefined', () =>
      withStore(async (store) => {
        const c = newCeremony();
        await put(store, c);
        const taken = await take(store, c, at(1000));
        expect(taken).toEqual(c);
        expect(taken).not.toHaveProperty('_id');
        expectDate(taken!.expiresAt);
        expectDate(taken!.createdAt);
        expect(await take(store, c, at(1000))).toBeUndefined();
      }));

    it('round-trips an authentication ceremony with its optional fields absent (not null)', () =>
      withStore(async (store) => {
        // Exactly how start-authentication stores a usernameless ceremony.
        const c = newCeremony({ kind: 'authentication', userId: undefined, username: undefined, displayName: undefined, newUser: undefined, allowCredentialIds: undefined });
        await put(store, c);
        const taken = await take(store, c, at(1));
        expect(taken).toEqual(c);
        expect(taken!.userId).toBeUndefined();
        expect(taken!.allowCredentialIds).toBeUndefined();
        expect(taken!.newUser).toBeUndefined();
      }));

    it('round-trips a snapshot (user and credentials, bytes and dates intact)', () =>
      withStore(async (store) => {
        const u = newUser();
        // As start-authentication snapshots them: without the attestation bytes.
        const creds = [newCredential(u.id), newCredential(u.id, { discoverable: undefined, lastUsedAt: undefined, counter: 0 })].map(({ attestationObject: _bytes, ...x }) => x);
        const c = newCeremony({ kind: 'authentication', userId: u.id, username: undefined, displayName: undefined, newUser: undefined, allowCredentialIds: creds.map((x) => x.id), snapshot: { user: u, credentials: creds } });
        await put(store, c);
        const taken = await take(store, c, at(1));
        const { snapshot, ...rest } = taken!;
        const { snapshot: expectedSnapshot, ...expected } = c;
        expect(rest).toEqual(expected);
        expect(snapshot!.user).toEqual(expectedSnapshot!.user);
        expectDate(snapshot!.user.createdAt);
        snapshot!.credentials.forEach((got, i) => {
          const want = expectedSnapshot!.credentials[i]!;
          const { publicKey, ...r } = got;
          const { publicKey: pk, ...e } = want;
          expect(r).toEqual(e);
          expectBytes(publicKey, pk);
          expectDate(got.createdAt);
        });
        expect(snapshot!.credentials[1]!.discoverable).toBeUndefined();
        expect(snapshot!.credentials[1]!.lastUsedAt).toBeUndefined();
      }));

    it('round-trips allowCredentialIds', () =>
      withStore(async (store) => {
        const c = newCeremony({ kind: 'authentication', allowCredentialIds: [id(), id()], userVerification: 'required' });
        await put(store, c);
        expect(await take(store, c, at(1))).toEqual(c);
      }));

    it('take for an unknown session or an unknown challenge is undefined, and consumes nothing', () =>
      withStore(async (store) => {
        const c = newCeremony();
        await put(store, c);
        expect(await store.ceremonies.take(id(32), c.challenge, at(1))).toBeUndefined();
        expect(await store.ceremonies.take(c.id, id(32), at(1))).toBeUndefined();
        expect(await take(store, c, at(1))).toEqual(c);
      }));

    it('take at or after expiresAt is undefined', () =>
      withStore(async (store) => {
        const exactly = newCeremony({ expiresAt: at(300_000) });
        const after = newCeremony({ expiresAt: at(300_000) });
        const before = newCeremony({ expiresAt: at(300_000) });
        for (const c of [exactly, after, before]) await put(store, c);
        expect(await take(store, exactly, at(300_000))).toBeUndefined();
        expect(await take(store, after, at(300_001))).toBeUndefined();
        expect(await take(store, before, at(299_999))).toEqual(before);
        // An expired ceremony never comes back, whatever clock a later caller passes.
        expect(await take(store, exactly, at(1))).toBeUndefined();
      }));

    it('a session keeps several pending ceremonies, each taken by its own challenge', () =>
      withStore(async (store) => {
        const sessionId = id(32);
        const registration = newCeremony({ id: sessionId, kind: 'registration', challenge: id(32), createdAt: at(0) });
        const autofill = newCeremony({ id: sessionId, kind: 'authentication', challenge: id(32), userId: undefined, username: undefined, displayName: undefined, newUser: undefined, createdAt: at(1) });
        await put(store, registration);
        await put(store, autofill);
        expect(await take(store, registration, at(2))).toEqual(registration);
        expect(await take(store, registration, at(2))).toBeUndefined();
        const taken = await take(store, autofill, at(2));
        expect(taken).toEqual(autofill);
        expect(taken!.username).toBeUndefined();
        expect(await take(store, autofill, at(2))).toBeUndefined();
      }));

    it(`keeps at most "keep" per session: the oldest are dropped`, () =>
      withStore(async (store) => {
        const sessionId = id(32);
        const all = Array.from({ length: KEEP + 2 }, (_, i) => newCeremony({ id: sessionId, challenge: id(32), createdAt: at(i) }));
        for (const c of all) await put(store, c);
        const other = newCeremony();
        await put(store, other);
        expect(await take(store, all[0]!, at(100))).toBeUndefined();
        expect(await take(store, all[1]!, at(100))).toBeUndefined();
        for (const c of all.slice(2)) expect(await take(store, c, at(100))).toEqual(c);
        expect(await take(store, other, at(100))).toEqual(other);
      }));

    it('discard ends every pending ceremony of one session only', () =>
      withStore(async (store) => {
        const sessionId = id(32);
        const a = newCeremony({ id: sessionId, challenge: id(32) });
        const b = newCeremony({ id: sessionId, challenge: id(32) });
        const other = newCeremony();
        for (const c of [a, b, other]) await put(store, c);
        await store.ceremonies.discard(sessionId);
        await store.ceremonies.discard(id(32));
        expect(await take(store, a, at(1))).toBeUndefined();
        expect(await take(store, b, at(1))).toBeUndefined();
        expect(await take(store, other, at(1))).toEqual(other);
      }));

    it('of 10 concurrent takes exactly one gets the ceremony, and a sibling stays', () =>
      withStore(async (store) => {
        const c = newCeremony();
        const sibling = newCeremony({ id: c.id, challenge: id(32) });
        await put(store, c);
        await put(store, sibling);
        const results = await Promise.all(Array.from({ length: 10 }, () => take(store, c, at(1))));
        const got = results.filter((r) => r !== undefined);
        expect(got).toHaveLength(1);
        expect(got[0]).toEqual(c);
        expect(await take(store, sibling, at(1))).toEqual(sibling);
      }));

    it("sessions' ceremonies are independent", () =>
      withStore(async (store) => {
        const a = newCeremony();
        const b = newCeremony({ challenge: a.challenge });
        await put(store, a);
        await put(store, b);
        expect(await take(store, a, at(1))).toEqual(a);
        expect(await take(store, b, at(1))).toEqual(b);
      }));
  });

  describe('sessions', () => {
    it('put then get before expiry', () =>
      withStore(async (store) => {
        const s = newSession();
        await store.sessions.put(s);
        const got = await store.sessions.get(s.id, at(1000));
        expect(got).toEqual(s);
        expect(got).not.toHaveProperty('_id');
        expectDate(got!.expiresAt);
        expectDate(got!.authenticatedAt);
        expect(await store.sessions.get(s.id, at(3_599_999))).toEqual(s);
        expect(await store.sessions.get(id(32), at(1000))).toBeUndefined();
      }));

    it('deleteByCredential ends the sessions of one credential, sparing exceptId', () =>
      withStore(async (store) => {
        const a1 = newSession({ credentialId: 'cred-a' });
        const a2 = newSession({ credentialId: 'cred-a' });
        const a3 = newSession({ credentialId: 'cred-a' });
        const b = newSession({ credentialId: 'cred-b' });
        for (const x of [a1, a2, a3, b]) await store.sessions.put(x);
        expect(await store.sessions.deleteByCredential('cred-a', a3.id)).toBe(2);
        expect(await store.sessions.get(a1.id, at(1))).toBeUndefined();
        expect(await store.sessions.get(a2.id, at(1))).toBeUndefined();
        expect(await store.sessions.get(a3.id, at(1))).toEqual(a3);
        expect(await store.sessions.get(b.id, at(1))).toEqual(b);
        expect(await store.sessions.deleteByCredential('cred-a')).toBe(1);
        expect(await store.sessions.deleteByCredential('nothing')).toBe(0);
      }));

    it('detachCredential unties a live session from its credential and never recreates a deleted one', () =>
      withStore(async (store) => {
        const s = newSession({ credentialId: 'cred-a' });
        await store.sessions.put(s);
        expect(await store.sessions.detachCredential(s.id, 'cred-b')).toBe(false);
        expect((await store.sessions.get(s.id, at(1)))!.credentialId).toBe('cred-a');
        expect(await store.sessions.detachCredential(s.id, 'cred-a')).toBe(true);
        const got = await store.sessions.get(s.id, at(1));
        expect(got).toEqual({ ...s, credentialId: undefined });
        expect(got!.credentialId).toBeUndefined();
        expect(await store.sessions.detachCredential(s.id, 'cred-a')).toBe(false);
        const gone = newSession({ credentialId: 'cred-a' });
        await store.sessions.put(gone);
        await store.sessions.delete(gone.id);
        expect(await store.sessions.detachCredential(gone.id, 'cred-a')).toBe(false);
        expect(await store.sessions.get(gone.id, at(1))).toBeUndefined();
      }));

    it('concurrent rotations (MongoDB sends them as one command) each take effect as alone', () =>
      withStore(async (store) => {
        const olds = Array.from({ length: 20 }, () => newSession({ credentialId: 'cred-c' }));
        for (const o of olds) await store.sessions.put(o);
        const nexts = olds.map((o) => newSession({ userId: o.userId, credentialId: 'cred-c' }));
        await Promise.all(nexts.map((n, i) => store.sessions.rotate(n, olds[i]!.id)));
        for (const [i, n] of nexts.entries()) {
          expect(await store.sessions.get(n.id, at(1))).toEqual(n);
          expect(await store.sessions.get(olds[i]!.id, at(1))).toBeUndefined();
        }
        expect(await store.sessions.deleteByCredential('cred-c')).toBe(20);
      }));

    describe('rotate (one operation)', () => {
      it('stores the new session and ends the old one: it no longer reads, deletes, detaches or counts', () =>
        withStore(async (store) => {
          const old = newSession({ credentialId: 'cred-r' });
          await store.sessions.put(old);
          const next = newSession({ userId: old.userId, credentialId: 'cred-r' });
          await store.sessions.rotate(next, old.id);
          expect(await store.sessions.get(next.id, at(1))).toEqual(next);
          expect(await store.sessions.get(old.id, at(1))).toBeUndefined();
          expect(await store.sessions.delete(old.id)).toBe(false);
          expect(await store.sessions.detachCredential(old.id, 'cred-r')).toBe(false);
          expect(await store.sessions.deleteByCredential('cred-r', next.id)).toBe(0);
          expect(await store.sessions.deleteByUser(old.userId, next.id)).toBe(0);
          expect(await store.sessions.get(next.id, at(1))).toEqual(next);
        }));

      it('with no previous session (an anonymous id) or none given: only stores the new one', () =>
        withStore(async (store) => {
          const other = newSession();
          await store.sessions.put(other);
          const a = newSession();
          await store.sessions.rotate(a, id(32));
          const b = newSession();
          await store.sessions.rotate(b);
          expect(await store.sessions.get(a.id, at(1))).toEqual(a);
          expect(await store.sessions.get(b.id, at(1))).toEqual(b);
          expect(await store.sessions.get(other.id, at(1))).toEqual(other);
          // The same id as previous: kept (never deletes what it just wrote).
          const c = newSession();
          await store.sessions.rotate(c, c.id);
          expect(await store.sessions.get(c.id, at(1))).toEqual(c);
        }));

      it('the ended id can be used again later by a new session (put)', () =>
        withStore(async (store) => {
          const old = newSession();
          await store.sessions.put(old);
          await store.sessions.rotate(newSession(), old.id);
          const reborn = newSession({ id: old.id });
          await store.sessions.put(reborn);
          expect(await store.sessions.get(old.id, at(1))).toEqual(reborn);
        }));

      it('concurrent rotations of one old session: each new session is stored, the old one ends', () =>
        withStore(async (store) => {
          const old = newSession();
          await store.sessions.put(old);
          const news = Array.from({ length: 10 }, () => newSession({ userId: old.userId }));
          await Promise.all(news.map((s) => store.sessions.rotate(s, old.id)));
          expect(await store.sessions.get(old.id, at(1))).toBeUndefined();
          for (const s of news) expect(await store.sessions.get(s.id, at(1))).toEqual(s);
        }));

      it('copies: mutating the rotated session afterwards does not change the store', () =>
        withStore(async (store) => {
          const s = newSession();
          await store.sessions.rotate(s);
          const before = structuredClone(s);
          s.amr.push('x');
          s.expiresAt.setTime(0);
          expect(await store.sessions.get(s.id, at(1))).toEqual(before);
        }));
    });

    it('keeps an absent credentialId absent (not null)', () =>
      withStore(async (store) => {
        const s = newSession({ credentialId: undefined, amr: ['pwd', 'otp', 'mfa'] });
        await store.sessions.put(s);
        const got = await store.sessions.get(s.id, at(1));
        expect(got).toEqual(s);
        expect(got!.credentialId).toBeUndefined();
      }));

    it('get at or after expiresAt is undefined', () =>
      withStore(async (store) => {
        const s = newSession({ expiresAt: at(3_600_000) });
        await store.sessions.put(s);
        expect(await store.sessions.get(s.id, at(3_600_000))).toBeUndefined();
        expect(await store.sessions.get(s.id, at(3_600_001))).toBeUndefined();
        expect(await store.sessions.get(s.id, at(7_200_000))).toBeUndefined();
      }));

    it('delete: true once, then false; deleted sessions are gone', () =>
      withStore(async (store) => {
        const s = newSession();
        const other = newSession();
        await store.sessions.put(s);
        await store.sessions.put(other);
        expect(await store.sessions.delete(s.id)).toBe(true);
        expect(await store.sessions.get(s.id, at(1))).toBeUndefined();
        expect(await store.sessions.delete(s.id)).toBe(false);
        expect(await store.sessions.delete(id(32))).toBe(false);
        expect(await store.sessions.get(other.id, at(1))).toEqual(other);
      }));
  });

  describe('locks', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const later = (ms: number) => new Date(now.getTime() + ms);

    it('gives a lock to one caller until its owner releases it or it expires', () =>
      withStore(async (store) => {
        const a = await store.locks.acquire('account:a', 10_000, now);
        expect(a).toEqual(expect.any(String));
        expect(await store.locks.acquire('account:a', 10_000, later(5_000))).toBeUndefined();
        expect(await store.locks.acquire('account:b', 10_000, now)).toEqual(expect.any(String));
        await store.locks.release('account:a', a!);
        const again = await store.locks.acquire('account:a', 10_000, now);
        expect(again).toEqual(expect.any(String));
        // A holder that died: the lock frees itself at its expiry.
        expect(await store.locks.acquire('account:a', 10_000, later(10_000))).toEqual(expect.any(String));
      }));

    it('ignores a release by a holder whose lock expired and was taken by another', () =>
      withStore(async (store) => {
        const slow = await store.locks.acquire('account:s', 10_000, now);
        const next = await store.locks.acquire('account:s', 10_000, later(11_000));
        expect(next).toEqual(expect.any(String));
        await store.locks.release('account:s', slow!);
        expect(await store.locks.acquire('account:s', 10_000, later(12_000))).toBeUndefined();
        await store.locks.release('account:s', next!);
        expect(await store.locks.acquire('account:s', 10_000, later(12_000))).toEqual(expect.any(String));
      }));

    it('lets exactly one of 20 concurrent callers take a lock', () =>
      withStore(async (store) => {
        const got = await Promise.all(Array.from({ length: 20 }, () => store.locks.acquire('account:c', 10_000, now)));
        expect(got.filter((t) => t !== undefined)).toHaveLength(1);
      }));
  });

  describe('rate limits', () => {
    const MINUTE = 60_000;
    const t0 = new Date(Math.floor(Date.now() / MINUTE) * MINUTE + 5_000);

    it('counts hits per key within a fixed window and starts again in the next', () =>
      withStore(async (store) => {
        expect(await store.rateLimits.hit('ip:a', MINUTE, t0)).toEqual({ count: 1, resetAt: new Date(t0.getTime() - 5_000 + MINUTE) });
        expect((await store.rateLimits.hit('ip:a', MINUTE, new Date(t0.getTime() + 10_000))).count).toBe(2);
        expect((await store.rateLimits.hit('ip:b', MINUTE, t0)).count).toBe(1);
        const next = await store.rateLimits.hit('ip:a', MINUTE, new Date(t0.getTime() + MINUTE));
        expect(next.count).toBe(1);
        expect(next.resetAt.getTime()).toBe(t0.getTime() - 5_000 + 2 * MINUTE);
      }));

    it('counts several hits in one call (a ceremony start prepaying its result)', () =>
      withStore(async (store) => {
        expect(await store.rateLimits.hit('ip:m', MINUTE, t0, 2)).toEqual({ count: 2, resetAt: new Date(t0.getTime() - 5_000 + MINUTE) });
        expect((await store.rateLimits.hit('ip:m', MINUTE, t0)).count).toBe(3);
        expect((await store.rateLimits.hit('ip:m', MINUTE, t0, 2)).count).toBe(5);
        expect((await store.rateLimits.hit('ip:m', MINUTE, new Date(t0.getTime() + MINUTE), 2)).count).toBe(2);
      }));

    it('never loses one of concurrent multi-hits', () =>
      withStore(async (store) => {
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.rateLimits.hit('ip:mc', MINUTE, t0, 1 + (i % 2))));
        const counts = results.map((r) => r.count).sort((x, y) => x - y);
        expect(Math.max(...counts)).toBe(15);
        counts.forEach((c, i) => expect(c).toBeGreaterThanOrEqual(i + 1));
        expect((await store.rateLimits.hit('ip:mc', MINUTE, t0)).count).toBe(16);
      }));

    it('never loses a concurrent hit and never under-counts', () =>
      withStore(async (store) => {
        const results = await Promise.all(Array.from({ length: 20 }, () => store.rateLimits.hit('ip:c', MINUTE, t0)));
        // Real MongoDB (and the memory store) return exactly 1..20; mongo-java-server's
        // findAndModify may hand two callers the same later post-image, so only the safe
        // direction is part of the contract: a hit sees at least its own position.
        const counts = results.map((r) => r.count).sort((x, y) => x - y);
        counts.forEach((c, i) => expect(c).toBeGreaterThanOrEqual(i + 1));
        expect(Math.max(...counts)).toBe(20);
        expect((await store.rateLimits.hit('ip:c', MINUTE, t0)).count).toBe(21);
      }));
  });

  describe('audit', () => {
    const events = (alice: string, bob: string): AuditEvent[] => [
      { id: id(), type: 'registration.succeeded', at: at(1000), outcome: 'success', userId: alice, credentialId: 'c1', ip: '127.0.0.1', data: { fmt: 'packed', aaguid: 'x' } },
      { id: id(), type: 'authentication.failed', at: at(2000), outcome: 'failure', userId: alice, credentialId: 'c1', code: 'bad_signature', data: { detail: 'nope' } },
      { id: id(), type: 'registration.succeeded', at: at(3000), outcome: 'success', userId: bob, credentialId: 'c2' },
      { id: id(), type: 'authentication.succeeded', at: at(4000), outcome: 'success', userId: alice, credentialId: 'c1', data: { userVerified: true } },
      { id: id(), type: 'authentication.failed', at: at(5000), outcome: 'failure', credentialId: 'unknown', code: 'unknown_credential' },
    ];

    it('lists newest first and round-trips every field', () =>
      withStore(async (store) => {
        const alice = id(32);
        const bob = id(32);
        const all = events(alice, bob);
        for (const e of all) await store.audit.appendMany([e]);
        const listed = await store.audit.list({ limit: 100 });
        expect(listed).toEqual([...all].reverse());
        for (const e of listed) {
          expect(e).not.toHaveProperty('_id');
          expectDate(e.at);
        }
        // Absent optional fields stay absent.
        expect(listed[0]!.userId).toBeUndefined();
        expect(listed[0]!.data).toBeUndefined();
        expect(listed[2]!.code).toBeUndefined();
      }));

    it('filters by userId, by type and by both', () =>
      withStore(async (store) => {
        const alice = id(32);
        const bob = id(32);
        for (const e of events(alice, bob)) await store.audit.appendMany([e]);
        expect((await store.audit.list({ userId: alice, limit: 100 })).map((e) => e.at.getTime() - T0)).toEqual([4000, 2000, 1000]);
        expect((await store.audit.list({ userId: bob, limit: 100 })).map((e) => e.type)).toEqual(['registration.succeeded']);
        expect((await store.audit.list({ type: 'authentication.failed', limit: 100 })).map((e) => e.at.getTime() - T0)).toEqual([5000, 2000]);
        expect((await store.audit.list({ userId: alice, type: 'registration.succeeded', limit: 100 })).map((e) => e.credentialId)).toEqual(['c1']);
        expect(await store.audit.list({ userId: id(32), limit: 100 })).toEqual([]);
        expect(await store.audit.list({ type: 'nothing.happened', limit: 100 })).toEqual([]);
      }));

    it('pages by (at, id) without gaps or repeats, also within one millisecond', () =>
      withStore(async (store) => {
        const alice = id(32);
        const all: AuditEvent[] = [];
        for (let i = 0; i < 7; i++) all.push({ id: id(), type: 'authentication.succeeded', at: at(i < 4 ? 1000 : 2000), outcome: 'success', userId: alice });
        for (const e of all) await store.audit.appendMany([e]);
        await store.audit.appendMany([{ id: id(), type: 'authentication.succeeded', at: at(1500), outcome: 'success', userId: id(32) }]);
        const seen: AuditEvent[] = [];
        let before: { at: Date; id: string } | undefined;
        for (;;) {
          const page = await store.audit.list({ userId: alice, before, limit: 3 });
          seen.push(...page);
          if (page.length < 3) break;
          before = { at: page[2]!.at, id: page[2]!.id };
        }
        expect(seen.map((e) => e.id).sort()).toEqual(all.map((e) => e.id).sort());
        expect(new Set(seen.map((e) => e.id)).size).toBe(7);
        const order = seen.map((e) => [e.at.getTime(), e.id] as const);
        expect(order).toEqual([...order].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : -1)));
      }));

    it('filters by time range [from, to) and leaves out events past their retention when given now', () =>
      withStore(async (store) => {
        const alice = id(32);
        for (const e of events(alice, id(32))) await store.audit.appendMany([e]);
        await store.audit.appendMany([{ id: id(), type: 'lockout.locked', at: at(6000), expiresAt: at(10_000), outcome: 'failure', userId: alice }]);
        const times = async (q: Partial<Parameters<Store['audit']['list']>[0]>) => (await store.audit.list({ limit: 100, ...q })).map((e) => e.at.getTime() - T0);
        expect(await times({ from: at(2000), to: at(5000) })).toEqual([4000, 3000, 2000]);
        expect(await times({ userId: alice, from: at(2001) })).toEqual([6000, 4000]);
        expect(await times({ userId: alice, now: at(9_999) })).toEqual([6000, 4000, 2000, 1000]);
        expect(await times({ userId: alice, now: at(10_000) })).toEqual([4000, 2000, 1000]);
        const [kept] = await store.audit.list({ type: 'lockout.locked', limit: 1 });
        expect(kept!.expiresAt).toEqual(at(10_000));
      }));

    it('limit keeps the newest', () =>
      withStore(async (store) => {
        const alice = id(32);
        for (const e of events(alice, id(32))) await store.audit.appendMany([e]);
        expect((await store.audit.list({ limit: 2 })).map((e) => e.at.getTime() - T0)).toEqual([5000, 4000]);
        expect((await store.audit.list({ limit: 1, userId: alice })).map((e) => e.at.getTime() - T0)).toEqual([4000]);
        expect((await store.audit.list({ limit: 1, type: 'authentication.failed' })).map((e) => e.at.getTime() - T0)).toEqual([5000]);
      }));
  });

  describe('copy semantics', () => {
    it('users: mutating the inserted or a returned object does not change the store', () =>
      withStore(async (store) => {
        const u = newUser({ username: 'carol', displayName: 'Carol' });
        const original = structuredClone(u);
        await store.users.insert(u);
        u.displayName = 'Mutated';
        u.createdAt.setTime(0);
        const got = await store.users.findById(original.id);
        expect(got).toEqual(original);
        got!.displayName = 'Mutated again';
        got!.createdAt.setTime(1);
        expect(await store.users.findByUsername('carol')).toEqual(original);
      }));

    it('credentials: mutating the inserted or a returned object (bytes, arrays, dates) does not change the store', () =>
      withStore(async (store) => {
        const c = newCredential(id(32));
        const original = structuredClone(c);
        await store.credentials.insert(c);
        c.publicKey.fill(0);
        c.attestationObject.fill(0);
        c.transports.push('ble');
        c.createdAt.setTime(0);
        c.name = 'mutated';
        const check = async () => {
          const got = await store.credentials.findById(original.id);
          const { publicKey, attestationObject, ...rest } = got!;
          const { publicKey: pk, attestationObject: ao, ...expected } = original;
          expect(rest).toEqual(expected);
          expectBytes(publicKey, pk);
          expectBytes(attestationObject, ao);
          return got!;
        };
        const got = await check();
        got.publicKey.fill(1);
        got.attestationObject.fill(1);
        got.transports.length = 0;
        got.lastUsedAt!.setTime(0);
        got.counter = 1000;
        await check();
        const [listed] = await store.credentials.listByUser(original.userId);
        listed!.publicKey.fill(2);
        listed!.transports.push('hybrid');
        listed!.createdAt.setTime(5);
        await check();
      }));

    it('recordUse: mutating the update afterwards does not change the store', () =>
      withStore(async (store) => {
        const c = newCredential(id(32), { counter: 5 });
        await store.credentials.insert(c);
        const update = { counter: 6, lastUsedAt: at(42_000), backedUp: false };
        expect(await store.credentials.recordUse(c.id, expecting(c, 5), update)).toBe(true);
        update.lastUsedAt.setTime(0);
        update.counter = 99;
        const got = await store.credentials.findById(c.id);
        expect(got!.lastUsedAt!.getTime()).toBe(T0 + 42_000);
        expect(got!.counter).toBe(6);
      }));

    it('ceremonies: mutating the object after put does not change what take returns', () =>
      withStore(async (store) => {
        const c = newCeremony({ kind: 'authentication', allowCredentialIds: ['a', 'b'] });
        const original = structuredClone(c);
        await store.ceremonies.put(c, 5);
        c.challenge = 'mutated';
        c.allowCredentialIds!.push('c');
        c.expiresAt.setTime(0);
        expect(await store.ceremonies.take(original.id, original.challenge, at(1))).toEqual(original);
      }));

    it('sessions: mutating the put or a returned object does not change the store', () =>
      withStore(async (store) => {
        const s = newSession();
        const original = structuredClone(s);
        await store.sessions.put(s);
        s.userId = 'mutated';
        s.expiresAt.setTime(T0 + 10);
        const got = await store.sessions.get(original.id, at(1000));
        expect(got).toEqual(original);
        got!.userId = 'mutated again';
        got!.expiresAt.setTime(0);
        expect(await store.sessions.get(original.id, at(1000))).toEqual(original);
      }));

    it('audit: mutating the appended or a returned event does not change the store', () =>
      withStore(async (store) => {
        const e: AuditEvent = { id: id(), type: 'credential.renamed', at: at(1), outcome: 'success', userId: 'u', data: { name: 'old', nested: { list: [1, 2] } } };
        const original = structuredClone(e);
        await store.audit.appendMany([e]);
        e.type = 'mutated';
        (e.data!.nested as { list: number[] }).list.push(3);
        e.at.setTime(0);
        const [got] = await store.audit.list({ limit: 10 });
        expect(got).toEqual(original);
        got!.data!.name = 'mutated';
        got!.at.setTime(0);
        expect(await store.audit.list({ limit: 10 })).toEqual([original]);
      }));
  });

  it('errors are KeygateErrors with stable codes, not driver errors', () =>
    withStore(async (store) => {
      const u = newUser();
      await store.users.insert(u);
      const err = await rejection(store.users.insert({ ...newUser(), username: u.username }));
      expect(err).toBeInstanceOf(KeygateError);
      expect((err as KeygateError).code).toBe('username_taken');
    }));
});
