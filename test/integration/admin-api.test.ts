/**
 * The admin API (issue 8 point 5) through HTTP on both stores.
 *
 * Who gets in: anonymous → 401 not_signed_in; a `user` → 403 admin_required; an admin whose
 * sign-in is older than STEP_UP_MAX_AGE_SECONDS → 403 step_up_required (accepts webauthn);
 * an account made admin while holding only a synced or an unattested passkey cannot sign in
 * with it any more (the assertion re-checks the admin policy: 403 policy_violation naming the
 * rule), so it never reaches the API; and where a (looser) admin policy lets such a key sign
 * in, the session still falls short of the admin acr → 403 admin_required.
 *
 * What an admin does, each audited with data.by = the admin's id: list/search users, inspect a
 * user (attestation verdict, MDS status, policy verdict per credential), disable a credential
 * (its sessions end, it cannot sign in; re-evaluation leaves an admin's disable alone),
 * enable, clear the possibly-cloned flag (the key signs in again), delete, set a role
 * (unknown role → 400; the user's sessions end), issue a recovery link, query the audit log,
 * read the MDS status.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { reevaluateCredentials } from '../../server/src/admin/reevaluate-credentials.js';
import type { Store } from '../../server/src/storage/ports.js';
import {
  ADMIN_ALLOW_POLICY,
  auditEvents,
  createAdminHarness,
  createAdminWithKey,
  keyOf,
  linkSecret,
  registerThroughLink,
  signInWith,
  type AdminHarness,
} from '../helpers/admin-flows.js';
import { register, signIn, type Agent } from '../helpers/harness.js';
import { sessionOf } from '../helpers/second-factor-flows.js';
import type { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';
import { testStores } from '../helpers/test-stores.js';

/** A user signed up with a passkey (`none` attestation unless told), signed in. */
async function userWithPasskey(h: AdminHarness, username: string, o: { attestation?: 'none' | 'packed-full' | 'packed-self'; be?: boolean; auth?: SoftAuthenticator } = {}) {
  const agent = h.agent();
  const auth = o.auth ?? h.authenticator();
  const reg = await register(agent, auth, {
    username,
    attestation: o.attestation === 'none' || o.attestation === undefined ? 'none' : 'direct',
    userVerification: 'required',
    residentKey: 'required',
    credential: { attestation: o.attestation ?? 'none', flags: { uv: true, be: o.be ?? true, bs: o.be ?? true } },
  });
  if (reg.result.status !== 200) throw new Error(`registering ${username}: ${reg.result.status} ${JSON.stringify(reg.result.body)}`);
  return { agent, auth, credentialId: reg.credentialId!, userId: reg.options.body.user.id as string };
}

describe.each(testStores().map((f) => [f.name, f] as const))('the admin API on the %s store', (_name, factory) => {
  let store: Store;
  let ca: TestCa;
  let h: AdminHarness;
  let admin: { auth: SoftAuthenticator; userId: string; credentialId: string };
  let carol: Awaited<ReturnType<typeof userWithPasskey>>;

  /** A fresh admin sign-in (inside the step-up window whatever the clock did before). */
  const adminAgent = async (): Promise<Agent> => {
    const s = await signInWith(h, 'root-admin', admin.auth, { credentialId: admin.credentialId });
    if (s.result.status !== 200) throw new Error(`admin sign-in: ${s.result.status} ${JSON.stringify(s.result.body)}`);
    return s.agent;
  };

  beforeAll(async () => {
    store = await factory.open();
    ca = await createTestCa();
    h = createAdminHarness(store, { ca, policy: ADMIN_ALLOW_POLICY, env: { STEP_UP_MAX_AGE_SECONDS: '300' } });
    admin = await createAdminWithKey(h, 'root-admin');
    carol = await userWithPasskey(h, 'carol');
  });
  afterAll(async () => {
    await store?.close();
    h?.cleanup();
  });

  const endpoints = (id: string, credentialId: string): [string, (a: Agent) => ReturnType<Agent['get']>][] => [
    ['GET /admin/users', (a) => a.get('/admin/users')],
    ['GET /admin/users/:id', (a) => a.get(`/admin/users/${id}`)],
    ['PUT /admin/users/:id/role', (a) => a.put(`/admin/users/${id}/role`).send({ role: 'admin' })],
    ['POST /admin/users/:id/recovery-link', (a) => a.post(`/admin/users/${id}/recovery-link`).send({})],
    ['POST /admin/credentials/:id/disable', (a) => a.post(`/admin/credentials/${credentialId}/disable`).send({})],
    ['POST /admin/credentials/:id/enable', (a) => a.post(`/admin/credentials/${credentialId}/enable`).send({})],
    ['POST /admin/credentials/:id/clear-clone-flag', (a) => a.post(`/admin/credentials/${credentialId}/clear-clone-flag`).send({})],
    ['DELETE /admin/credentials/:id', (a) => a.delete(`/admin/credentials/${credentialId}`)],
    ['GET /admin/credentials/policy-disabled', (a) => a.get('/admin/credentials/policy-disabled')],
    ['GET /admin/audit', (a) => a.get('/admin/audit')],
    ['GET /admin/mds', (a) => a.get('/admin/mds')],
  ];

  describe('who gets in', () => {
    it('anonymous: 401 not_signed_in on every endpoint', async () => {
      for (const [what, call] of endpoints(carol.userId, carol.credentialId)) {
        const res = await call(h.agent());
        expect([what, res.status, res.body.code]).toEqual([what, 401, 'not_signed_in']);
      }
    });

    it('a user: 403 admin_required on every endpoint, and nothing changes', async () => {
      for (const [what, call] of endpoints(carol.userId, carol.credentialId)) {
        const res = await call(carol.agent);
        expect([what, res.status, res.body.code]).toEqual([what, 403, 'admin_required']);
      }
      expect((await store.users.findById(carol.userId))!.role ?? 'user').toBe('user');
      expect(await store.credentials.findById(carol.credentialId)).toMatchObject({ disabled: false });
      expect(await auditEvents(h, 'admin.role_changed')).toEqual([]);
    });

    it('an admin whose sign-in is older than STEP_UP_MAX_AGE_SECONDS: 403 step_up_required; signing in again lets them in', async () => {
      const agent = await adminAgent();
      expect((await agent.get('/admin/users')).status).toBe(200);
      h.clock.advance(301_000);
      const stale = await agent.get('/admin/users');
      expect(stale.status).toBe(403);
      expect(stale.body).toMatchObject({ code: 'step_up_required', stepUp: { accepts: ['webauthn'], maxAgeSeconds: 300 } });
      expect(await sessionOf(agent)).toMatchObject({ signedIn: true });
      await signInWith(h, 'root-admin', admin.auth, { agent, credentialId: admin.credentialId });
      expect((await agent.get('/admin/users')).status).toBe(200);
    });

    it('made admin while holding only a synced none passkey: its sign-in is refused (policy_violation attestationFormats)', async () => {
      const dave = await userWithPasskey(h, 'dave');
      const by = await adminAgent();
      const set = await by.put(`/admin/users/${dave.userId}/role`).send({ role: 'admin' });
      expect(set.status).toBe(200);
      expect(set.body.user).toMatchObject({ id: dave.userId, role: 'admin' });
      // The role change ended dave's session (it was judged under the user policy).
      expect(await sessionOf(dave.agent)).toMatchObject({ signedIn: false });
      const res = await signInWith(h, 'dave', dave.auth, { agent: dave.agent, credentialId: dave.credentialId });
      expect(res.result.status).toBe(403);
      expect(res.result.body).toMatchObject({ code: 'policy_violation', rule: 'attestationFormats' });
      expect(await sessionOf(dave.agent)).toMatchObject({ signedIn: false });
      expect((await dave.agent.get('/admin/users')).status).toBe(401);
      const refused = await auditEvents(h, 'credential.policy_refused', dave.userId);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ credentialId: dave.credentialId, data: { rule: 'attestationFormats' } });
    });

    it('made admin while holding a trusted but synced key: its sign-in is refused (policy_violation syncedAllowed)', async () => {
      const frank = await userWithPasskey(h, 'frank', { attestation: 'packed-full', be: true, auth: keyOf(h) });
      expect((await store.credentials.findById(frank.credentialId))!.attestation).toMatchObject({ trusted: true });
      await store.users.setRole(frank.userId, 'admin');
      const res = await signInWith(h, 'frank', frank.auth, { credentialId: frank.credentialId });
      expect(res.result.status).toBe(403);
      expect(res.result.body).toMatchObject({ code: 'policy_violation', rule: 'syncedAllowed' });
      expect((await res.agent.get('/admin/users')).status).toBe(401);
    });
  });

  describe('an admin policy loose enough to let an unattested passkey sign in', () => {
    let loose: AdminHarness;
    let looseStore: Store;
    beforeAll(async () => {
      looseStore = await factory.open();
      loose = createAdminHarness(looseStore, { ca, policy: { roles: { admin: { attestationFormats: 'any', trustRequired: false, syncedAllowed: true } } } });
    });
    afterAll(async () => {
      await looseStore?.close();
      loose?.cleanup();
    });

    it('still keeps it out of the admin API: 403 admin_required (the sign-in is below the admin acr)', async () => {
      const gina = await userWithPasskey(loose, 'gina');
      await looseStore.users.setRole(gina.userId, 'admin');
      const s = await signInWith(loose, 'gina', gina.auth, { credentialId: gina.credentialId });
      expect(s.result.status).toBe(200);
      const res = await s.agent.get('/admin/users');
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'admin_required' });
    });
  });

  describe('what an admin does', () => {
    let erin: Awaited<ReturnType<typeof userWithPasskey>>;
    beforeAll(async () => {
      erin = await userWithPasskey(h, 'erin');
    });

    it('lists and searches users, with paging', async () => {
      const by = await adminAgent();
      const all = await by.get('/admin/users');
      expect(all.status).toBe(200);
      const names = all.body.users.map((u: { username: string }) => u.username);
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining(['root-admin', 'carol', 'erin']));
      expect(all.body.users.find((u: { username: string }) => u.username === 'root-admin')).toMatchObject({ id: admin.userId, role: 'admin' });

      const search = await by.get('/admin/users').query({ search: 'car' });
      expect(search.body.users.map((u: { username: string }) => u.username)).toEqual(['carol']);
      const admins = await by.get('/admin/users').query({ role: 'admin' });
      expect(admins.body.users.every((u: { role: string }) => u.role === 'admin')).toBe(true);
      expect(admins.body.users.map((u: { username: string }) => u.username)).toContain('root-admin');

      const first = await by.get('/admin/users').query({ limit: 1 });
      expect(first.body.users).toHaveLength(1);
      expect(first.body.next).toBe(first.body.users[0].username);
      const second = await by.get('/admin/users').query({ limit: 1, after: first.body.next });
      expect(second.body.users).toHaveLength(1);
      expect(second.body.users[0].username > first.body.users[0].username).toBe(true);

      const bad = await by.get('/admin/users').query({ limit: 0 });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('invalid_request');
    });

    it('inspects a user: each credential with its attestation verdict, MDS status and policy verdict', async () => {
      const by = await adminAgent();
      const self = await by.get(`/admin/users/${admin.userId}`);
      expect(self.status).toBe(200);
      expect(self.body.user).toMatchObject({ id: admin.userId, username: 'root-admin', role: 'admin' });
      expect(self.body.credentials).toHaveLength(1);
      expect(self.body.credentials[0]).toMatchObject({
        id: admin.credentialId,
        userId: admin.userId,
        attestation: { trusted: true },
        mds: { listed: false, refused: false },
        policy: { ok: true, rule: null },
        disabledBy: null,
      });

      const user = await by.get(`/admin/users/${carol.userId}`);
      expect(user.body.user).toMatchObject({ role: 'user' });
      expect(user.body.credentials[0]).toMatchObject({ id: carol.credentialId, attestation: { trusted: false }, policy: { ok: true } });

      const missing = await by.get('/admin/users/no-such-user');
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('unknown_user');
    });

    it('disables a credential: its sessions end, it cannot sign in, and re-evaluation leaves it alone; then enables it', async () => {
      const by = await adminAgent();
      expect(await sessionOf(erin.agent)).toMatchObject({ signedIn: true });
      const starter = h.agent();
      const pending = await starter.post('/assertion/options').send({ username: 'erin' });
      const res = await by.post(`/admin/credentials/${erin.credentialId}/disable`).send({ reason: 'reported lost' });
      expect(res.status).toBe(200);
      expect(res.body.credential).toMatchObject({ id: erin.credentialId, disabledBy: 'admin', disabledReason: 'reported lost' });
      expect(await store.credentials.findById(erin.credentialId)).toMatchObject({ disabled: true, disabledBy: 'admin' });
      expect(await sessionOf(erin.agent)).toMatchObject({ signedIn: false });

      // A sign-in started before is refused as disabled; a new one no longer offers the key.
      const inFlight = await starter.post('/assertion/result').send(await erin.auth.getAssertion({ challenge: pending.body.challenge, credentialId: erin.credentialId }));
      expect(inFlight.status).toBe(403);
      expect(inFlight.body.code).toBe('credential_disabled');
      const refused = await signInWith(h, 'erin', erin.auth, { credentialId: erin.credentialId });
      expect(refused.options.body.allowCredentials.map((c: { id: string }) => c.id)).not.toContain(erin.credentialId);
      expect(refused.result.status).toBe(400);
      expect(refused.result.body.code).toBe('unknown_credential');

      expect(await reevaluateCredentials(h.deps)).toMatchObject({ reenabled: 0 });
      expect(await store.credentials.findById(erin.credentialId)).toMatchObject({ disabled: true, disabledBy: 'admin' });

      const ev = await auditEvents(h, 'admin.credential_disabled', erin.userId);
      expect(ev).toHaveLength(1);
      expect(ev[0]).toMatchObject({ credentialId: erin.credentialId, data: { by: admin.userId, changed: true, sessionsEnded: 1, reason: 'reported lost' } });

      const enabled = await by.post(`/admin/credentials/${erin.credentialId}/enable`).send({});
      expect(enabled.status).toBe(200);
      expect(enabled.body.credential).toMatchObject({ id: erin.credentialId, disabledBy: null });
      const back = await signInWith(h, 'erin', erin.auth, { credentialId: erin.credentialId });
      expect(back.result.status).toBe(200);
      erin.agent = back.agent;
      expect(await auditEvents(h, 'admin.credential_enabled', erin.userId)).toEqual([expect.objectContaining({ data: expect.objectContaining({ by: admin.userId, changed: true }) })]);
    });

    it('clears the possibly-cloned flag: the flagged key signs in again', async () => {
      const by = await adminAgent();
      expect(await store.credentials.markPossiblyCloned(erin.credentialId)).toBe(true);
      const flagged = await signInWith(h, 'erin', erin.auth, { credentialId: erin.credentialId });
      expect(flagged.result.status).toBeGreaterThanOrEqual(400);
      const cleared = await by.post(`/admin/credentials/${erin.credentialId}/clear-clone-flag`).send({});
      expect(cleared.status).toBe(200);
      expect((await store.credentials.findById(erin.credentialId))!.possiblyCloned).toBeFalsy();
      const back = await signInWith(h, 'erin', erin.auth, { credentialId: erin.credentialId });
      expect(back.result.status).toBe(200);
      erin.agent = back.agent;
      expect(await auditEvents(h, 'admin.credential_clone_flag_cleared', erin.userId)).toEqual([expect.objectContaining({ credentialId: erin.credentialId, data: expect.objectContaining({ by: admin.userId, changed: true }) })]);
    });

    it('sets a role (the user\'s sessions end); an unknown role is 400 and changes nothing', async () => {
      const by = await adminAgent();
      const unknown = await by.put(`/admin/users/${erin.userId}/role`).send({ role: 'superuser' });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toMatchObject({ code: 'invalid_request' });
      expect((await store.users.findById(erin.userId))!.role ?? 'user').toBe('user');
      expect(await sessionOf(erin.agent)).toMatchObject({ signedIn: true });

      const missing = await by.put('/admin/users/no-such-user/role').send({ role: 'admin' });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('unknown_user');

      const set = await by.put(`/admin/users/${erin.userId}/role`).send({ role: 'admin' });
      expect(set.status).toBe(200);
      expect(await store.users.findById(erin.userId)).toMatchObject({ role: 'admin' });
      expect(await sessionOf(erin.agent)).toMatchObject({ signedIn: false });
      const back = await by.put(`/admin/users/${erin.userId}/role`).send({ role: 'user' });
      expect(back.status).toBe(200);
      const ev = await auditEvents(h, 'admin.role_changed', erin.userId);
      // Same clock instant: the store orders them by id, so compare as a set.
      expect(ev).toHaveLength(2);
      expect(ev.map((e) => e.data)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ by: admin.userId, from: 'user', to: 'admin', sessionsEnded: expect.any(Number) }),
          expect.objectContaining({ by: admin.userId, from: 'admin', to: 'user', sessionsEnded: 0 }),
        ]),
      );
      expect(ev.find((e) => e.data?.to === 'admin')!.data!.sessionsEnded).toBeGreaterThanOrEqual(1);
      expect(set.body.credentials).toEqual([expect.objectContaining({ id: erin.credentialId, policy: expect.objectContaining({ ok: false, rule: 'attestationFormats' }) })]);
    });

    it('deletes a credential (its sessions end); a second delete is 404 credential_not_found', async () => {
      const by = await adminAgent();
      const s = await signInWith(h, 'erin', erin.auth, { credentialId: erin.credentialId });
      expect(s.result.status).toBe(200);
      const res = await by.delete(`/admin/credentials/${erin.credentialId}`);
      expect(res.status).toBe(200);
      expect(await store.credentials.findById(erin.credentialId)).toBeUndefined();
      expect(await sessionOf(s.agent)).toMatchObject({ signedIn: false });
      const again = await by.delete(`/admin/credentials/${erin.credentialId}`);
      expect(again.status).toBe(404);
      expect(again.body.code).toBe('credential_not_found');
      expect((await by.post(`/admin/credentials/${erin.credentialId}/disable`).send({})).body.code).toBe('credential_not_found');
      expect(await auditEvents(h, 'admin.credential_deleted', erin.userId)).toEqual([expect.objectContaining({ credentialId: erin.credentialId, data: expect.objectContaining({ by: admin.userId, sessionsEnded: 1 }) })]);
    });

    it('issues a recovery link that registers a new key for the user (who lost every key)', async () => {
      const by = await adminAgent();
      const res = await by.post(`/admin/users/${erin.userId}/recovery-link`).send({});
      expect(res.status).toBe(200);
      expect(res.body.url).toMatch(/^http:\/\/localhost:3000\/#link=[A-Za-z0-9_-]{43}$/);
      expect(new Date(res.body.expiresAt).getTime()).toBe(h.clock.now().getTime() + h.config.oneTimeLinkTtlSeconds * 1000);
      const agent = h.agent();
      const fresh = h.authenticator();
      const reg = await registerThroughLink(agent, linkSecret(res.body.url), fresh, { attestation: 'none', flags: { be: true, bs: true } });
      expect(reg.result.status).toBe(200);
      expect(await sessionOf(agent)).toMatchObject({ signedIn: true, user: { id: erin.userId } });
      expect(await auditEvents(h, 'admin.recovery_link_issued', erin.userId)).toEqual([expect.objectContaining({ data: expect.objectContaining({ by: admin.userId }) })]);
      expect(await auditEvents(h, 'link.issued', erin.userId)).toEqual([expect.objectContaining({ data: { purpose: 'recovery', by: admin.userId } })]);

      const missing = await by.post('/admin/users/no-such-user/recovery-link').send({});
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('unknown_user');
    });

    it('queries the audit log: every admin action of this suite is there, with data.by', async () => {
      const by = await adminAgent();
      const res = await by.get('/admin/audit').query({ userId: erin.userId, limit: 100 });
      expect(res.status).toBe(200);
      const adminEvents = res.body.events.filter((e: { type: string }) => e.type.startsWith('admin.'));
      expect(new Set(adminEvents.map((e: { type: string }) => e.type))).toEqual(
        new Set(['admin.credential_disabled', 'admin.credential_enabled', 'admin.credential_clone_flag_cleared', 'admin.role_changed', 'admin.credential_deleted', 'admin.recovery_link_issued']),
      );
      for (const e of adminEvents) expect(e).toMatchObject({ userId: erin.userId, outcome: 'success', data: { by: admin.userId } });
      expect(res.body.events.every((e: { userId: string }) => e.userId === erin.userId)).toBe(true);

      const typed = await by.get('/admin/audit').query({ type: 'admin.role_changed' });
      expect(typed.body.events.length).toBeGreaterThanOrEqual(3); // dave's and erin's two
      expect(typed.body.events.every((e: { type: string }) => e.type === 'admin.role_changed')).toBe(true);

      const page = await by.get('/admin/audit').query({ userId: erin.userId, limit: 2 });
      expect(page.body.events).toHaveLength(2);
      const next = await by.get('/admin/audit').query({ userId: erin.userId, limit: 2, before: page.body.next });
      expect(next.status).toBe(200);
      expect(next.body.events[0].id).not.toBe(page.body.events[0].id);
      expect(next.body.events[0].at <= page.body.events[1].at).toBe(true);
    });

    it('shows the MDS status (not configured here)', async () => {
      const by = await adminAgent();
      const res = await by.get('/admin/mds');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ configured: false, source: null, no: null, entries: 0 });
    });
  });
});
