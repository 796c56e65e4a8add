/**
 * The storage contract of what attestation trust and the admin API need (server/src/storage/ports.ts:
 * MetadataStore, LinkStore, UserStore.setRole/list, CredentialStore.setDisabled with its reason,
 * clearPossiblyCloned, deleteAny, scan), checked as behaviour on every adapter: memory always,
 * MongoDB when the global setup started the shared test server. Races fire 20 calls at once.
 */
import { describe, expect, it } from '@jest/globals';
import type { MetadataCache, OneTimeLink, Store, StoredCredential } from '../../server/src/storage/ports.js';
import { testStores, type StoreFactory } from '../helpers/test-stores.js';

import { at, id, newCredential, newUser } from '../helpers/store-fixtures.js';

function blob(no: number): MetadataCache {
  return {
    no,
    nextUpdate: '2030-02-01',
    source: 'file:/tmp/blob.jwt',
    storedAt: at(no),
    entries: [{ aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8', description: `Model ${no}`, statusReports: [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2029-01-01' }], attestationRootCertificates: ['MIIB'] }],
  };
}

function link(userId: string, o: Partial<OneTimeLink> = {}): OneTimeLink {
  return { id: id(32), userId, purpose: 'recovery', createdBy: 'admin-id', createdAt: at(0), expiresAt: at(60_000), ...o };
}

const stores = testStores().map((f) => [f.name, f] as [string, StoreFactory]);

describe.each(stores)('%s store', (_name, factory) => {
  async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
    const store = await factory.open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe('MetadataStore', () => {
    it('keeps only a BLOB with a higher no, round-tripping it exactly', () =>
      withStore(async (s) => {
        expect(await s.metadata.get()).toBeUndefined();
        expect(await s.metadata.putIfNewer(blob(5))).toBe(true);
        expect(await s.metadata.putIfNewer(blob(5))).toBe(false);
        expect(await s.metadata.putIfNewer(blob(4))).toBe(false);
        expect(await s.metadata.get()).toEqual(blob(5));
        expect(await s.metadata.putIfNewer(blob(6))).toBe(true);
        expect((await s.metadata.get())?.no).toBe(6);
      }));

    it('of 20 instances storing the same new BLOB at once exactly one wins', () =>
      withStore(async (s) => {
        await s.metadata.putIfNewer(blob(1));
        const wins = await Promise.all(Array.from({ length: 20 }, () => s.metadata.putIfNewer(blob(2))));
        expect(wins.filter(Boolean)).toHaveLength(1);
      }));

    it('records the last refresh, replacing the previous one', () =>
      withStore(async (s) => {
        expect(await s.metadata.lastRefresh()).toBeUndefined();
        await s.metadata.recordRefresh({ at: at(1), no: 3, error: 'BLOB no 3 is not above the cached no 5: ignored' });
        expect(await s.metadata.lastRefresh()).toEqual({ at: at(1), no: 3, error: 'BLOB no 3 is not above the cached no 5: ignored' });
        await s.metadata.recordRefresh({ at: at(2), no: 6 });
        expect(await s.metadata.lastRefresh()).toEqual({ at: at(2), no: 6 });
        expect((await s.metadata.get())).toBeUndefined();
      }));
  });

  describe('LinkStore', () => {
    it('reads an unexpired link without using it, takes it once, and never returns an expired one', () =>
      withStore(async (s) => {
        const l = link('u1');
        await s.links.insert(l);
        expect(await s.links.get(l.id, at(1))).toEqual(l);
        expect(await s.links.get(l.id, at(60_000))).toBeUndefined();
        expect(await s.links.take(l.id, at(1))).toEqual(l);
        expect(await s.links.take(l.id, at(1))).toBeUndefined();
        const old = link('u1');
        await s.links.insert(old);
        expect(await s.links.take(old.id, at(60_000))).toBeUndefined();
        expect(await s.links.get(old.id, at(1))).toBeUndefined();
      }));

    it('gives a link to exactly one of 20 concurrent takers', () =>
      withStore(async (s) => {
        const l = link('u1');
        await s.links.insert(l);
        const got = await Promise.all(Array.from({ length: 20 }, () => s.links.take(l.id, at(1))));
        expect(got.filter(Boolean)).toHaveLength(1);
      }));

    it('deletes every link of a user and no other', () =>
      withStore(async (s) => {
        const [a, b, c] = [link('u1'), link('u1', { purpose: 'first_key', createdBy: undefined }), link('u2')];
        for (const l of [a, b, c]) await s.links.insert(l);
        expect(await s.links.deleteByUser('u1')).toBe(2);
        expect(await s.links.get(a.id, at(1))).toBeUndefined();
        expect(await s.links.get(c.id, at(1))).toEqual(c);
      }));
  });

  describe('UserStore roles and listing', () => {
    it('sets a role; an unknown user answers false', () =>
      withStore(async (s) => {
        const u = newUser();
        await s.users.insert(u);
        expect(await s.users.setRole(u.id, 'admin')).toBe(true);
        expect((await s.users.findById(u.id))?.role).toBe('admin');
        expect(await s.users.setRole('nobody', 'admin')).toBe(false);
      }));

    it('lists by username ascending, pages after a username, filters by role (absent = user) and search', () =>
      withStore(async (s) => {
        const names = ['carol', 'alice', 'bob', 'dave'];
        for (const n of names) await s.users.insert(newUser({ username: n, displayName: `${n.toUpperCase()} Example`, ...(n === 'bob' ? { role: 'admin' } : {}) }));
        expect((await s.users.list({ limit: 10 })).map((u) => u.username)).toEqual(['alice', 'bob', 'carol', 'dave']);
        expect((await s.users.list({ limit: 2 })).map((u) => u.username)).toEqual(['alice', 'bob']);
        expect((await s.users.list({ limit: 2, afterUsername: 'bob' })).map((u) => u.username)).toEqual(['carol', 'dave']);
        expect((await s.users.list({ limit: 10, role: 'admin' })).map((u) => u.username)).toEqual(['bob']);
        expect((await s.users.list({ limit: 10, role: 'user' })).map((u) => u.username)).toEqual(['alice', 'carol', 'dave']);
        expect((await s.users.list({ limit: 10, search: 'AR' })).map((u) => u.username)).toEqual(['carol']);
        expect((await s.users.list({ limit: 10, search: 'dave example' })).map((u) => u.username)).toEqual(['dave']);
        // A search is text, not a pattern.
        expect(await s.users.list({ limit: 10, search: '.*' })).toEqual([]);
      }));
  });

  describe('CredentialStore administration', () => {
    it('disables with who and why, and enabling clears them', () =>
      withStore(async (s) => {
        const c = newCredential('u1');
        await s.credentials.insert(c);
        expect(await s.credentials.setDisabled(c.id, true, { by: 'policy', reason: 'mdsStatus: REVOKED', at: at(5) })).toBe(true);
        const off = await s.credentials.findById(c.id);
        expect(off).toMatchObject({ disabled: true, disabledBy: 'policy', disabledReason: 'mdsStatus: REVOKED', disabledAt: at(5) });
        expect(await s.credentials.setDisabled(c.id, false)).toBe(true);
        const on = await s.credentials.findById(c.id);
        expect(on?.disabled).toBe(false);
        expect(on).not.toHaveProperty('disabledBy');
        expect(on).not.toHaveProperty('disabledReason');
        expect(on).not.toHaveProperty('disabledAt');
        expect(await s.credentials.setDisabled('nope', true)).toBe(false);
      }));

    it('re-enables only what the named party disabled (onlyIfDisabledBy)', () =>
      withStore(async (s) => {
        const byAdmin = newCredential('u1');
        const byPolicy = newCredential('u1');
        const enabled = newCredential('u1');
        for (const c of [byAdmin, byPolicy, enabled]) await s.credentials.insert(c);
        await s.credentials.setDisabled(byAdmin.id, true, { by: 'admin', reason: 'lost', at: at(1) });
        await s.credentials.setDisabled(byPolicy.id, true, { by: 'policy', reason: 'trustRequired', at: at(1) });
        expect(await s.credentials.setDisabled(byAdmin.id, false, undefined, { onlyIfDisabledBy: 'policy' })).toBe(false);
        expect(await s.credentials.setDisabled(enabled.id, false, undefined, { onlyIfDisabledBy: 'policy' })).toBe(false);
        expect(await s.credentials.setDisabled(byPolicy.id, false, undefined, { onlyIfDisabledBy: 'policy' })).toBe(true);
        expect((await s.credentials.findById(byAdmin.id))?.disabled).toBe(true);
        expect((await s.credentials.findById(byPolicy.id))?.disabled).toBe(false);
      }));

    it('clears a possibly-cloned flag once, and only a set one', () =>
      withStore(async (s) => {
        const c = newCredential('u1');
        await s.credentials.insert(c);
        expect(await s.credentials.clearPossiblyCloned(c.id)).toBe(false);
        await s.credentials.markPossiblyCloned(c.id);
        expect(await s.credentials.clearPossiblyCloned(c.id)).toBe(true);
        expect((await s.credentials.findById(c.id))?.possiblyCloned).toBe(false);
        expect(await s.credentials.clearPossiblyCloned(c.id)).toBe(false);
      }));

    it('deletes any user\'s credential by id', () =>
      withStore(async (s) => {
        const c = newCredential('u1');
        await s.credentials.insert(c);
        expect(await s.credentials.deleteAny(c.id)).toBe(true);
        expect(await s.credentials.findById(c.id)).toBeUndefined();
        expect(await s.credentials.listByUser('u1')).toEqual([]);
        expect(await s.credentials.deleteAny(c.id)).toBe(false);
      }));

    it('scans every credential by id in pages, attestation verdict included', () =>
      withStore(async (s) => {
        const all = Array.from({ length: 7 }, (_, i) =>
          newCredential(`u${i % 3}`, { attestation: { trusted: i % 2 === 0, reason: `r${i}`, evaluatedAt: at(i), ...(i % 2 === 0 ? { source: 'anchor' as const, anchor: 'CN=Root sha256:AA' } : {}) } }),
        );
        for (const c of all) await s.credentials.insert(c);
        const seen: StoredCredential[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await s.credentials.scan(after, 3);
          if (page.length === 0) break;
          seen.push(...page);
          after = page[page.length - 1]!.id;
        }
        expect(seen.map((c) => c.id)).toEqual(all.map((c) => c.id).sort());
        const byId = new Map(all.map((c) => [c.id, c]));
        for (const c of seen) expect(c).toEqual(byId.get(c.id));
      }));
  });
});
