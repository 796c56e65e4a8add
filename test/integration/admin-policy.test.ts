/**
 * Issue 8's "done when", through HTTP on both stores: with an admin policy that requires
 * trusted attestation of an allow-listed model (POLICY_FILE roles.admin.aaguidAllow), a key of
 * an allowed model chained to its configured root registers for an admin (through the
 * one-time link createAdmin issues); a self-attested key, a `none` attestation, a synced
 * passkey, a key of a model not on the list and a model the MDS3 BLOB marks REVOKED are each
 * refused with 403 `policy_violation` naming the failing rule, nothing is stored and the link
 * stays usable (the policy decides before the link is taken). A `user` still registers a
 * `none` passkey. And TOTP never counts for an admin (rule `secondFactors`).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAdmin } from '../../server/src/admin/bootstrap-admin.js';
import { linkIdOf } from '../../server/src/admin/one-time-links.js';
import type { Store } from '../../server/src/storage/ports.js';
import {
  ADMIN_ALLOW_POLICY,
  TEST_MDS_AAGUIDS,
  auditEvents,
  createAdminHarness,
  createAdminWithKey,
  keyOf,
  linkOptions,
  linkSecret,
  registerThroughLink,
  signInWith,
  type AdminHarness,
  type LinkRegistrationOptions,
} from '../helpers/admin-flows.js';
import { register } from '../helpers/harness.js';
import { expectStatus, passwordThenTotp, sessionOf, signUpWithTotp } from '../helpers/second-factor-flows.js';
import { createTestCa } from '../helpers/test-ca.js';
import { createTestMds, testEntries, type TestMds } from '../helpers/test-mds.js';
import { testStores } from '../helpers/test-stores.js';

describe.each(testStores().map((f) => [f.name, f] as const))('admin authenticator policy on the %s store', (_name, factory) => {
  let store: Store;
  let mds: TestMds;
  let h: AdminHarness;

  beforeAll(async () => {
    store = await factory.open();
    mds = await createTestMds();
    mds.serveBlob(await mds.blob({ no: 1, entries: testEntries([]) }));
    h = createAdminHarness(store, { ca: await createTestCa(), mds, policy: ADMIN_ALLOW_POLICY, env: { PASSWORD_LOGIN: 'true' } });
    const refreshed = await h.deps.metadata.refresh();
    expect(refreshed.error).toBeUndefined();
  });
  afterAll(async () => {
    await store?.close();
    await mds?.close();
    h?.cleanup();
  });

  it('registers an allowed model chained to its configured root for an admin, trusted, and the key administers', async () => {
    const { agent, auth, userId, credentialId, link } = await createAdminWithKey(h, 'root-admin');
    const stored = await store.credentials.findById(credentialId);
    expect(stored).toMatchObject({ userId, aaguid: TEST_MDS_AAGUIDS.allowed, fmt: 'packed', backupEligible: false });
    expect(stored!.attestation).toMatchObject({ trusted: true });
    expect(await sessionOf(agent)).toMatchObject({ signedIn: true, user: { id: userId } });
    expect((await agent.get('/admin/users')).status).toBe(200);
    // The link is taken: it registers one key.
    expect(await auditEvents(h, 'link.used', userId)).toHaveLength(1);
    expect(await store.links.get(linkIdOf(linkSecret(link.url)), h.clock.now())).toBeUndefined();
    // And the key signs in again later as an admin.
    const again = await signInWith(h, 'root-admin', auth, { credentialId });
    expect(again.result.status).toBe(200);
    expect((await again.agent.get('/admin/mds')).status).toBe(200);
  });

  const refused: [what: string, rule: string, aaguid: string, o: LinkRegistrationOptions][] = [
    ['a self-attested key (packed, no x5c)', 'trustRequired', TEST_MDS_AAGUIDS.allowed, { attestation: 'packed-self' }],
    ['a none attestation', 'attestationFormats', TEST_MDS_AAGUIDS.allowed, { attestation: 'none' }],
    ['a synced passkey (BE set) of an allowed model', 'syncedAllowed', TEST_MDS_AAGUIDS.allowed, { flags: { be: true, bs: true } }],
    ['a trusted key of a model not on the allow-list', 'aaguidAllow', TEST_MDS_AAGUIDS.unlisted, {}],
    ['a trusted key of a model the BLOB marks REVOKED', 'mdsStatus', TEST_MDS_AAGUIDS.revoked, {}],
  ];

  it.each(refused)('refuses %s for an admin: 403 policy_violation rule %s, nothing stored, the link still usable', async (_what, rule, aaguid, o) => {
    const username = `adm-${rule.toLowerCase()}`;
    const { userId, link } = await createAdmin(h.deps, username);
    const secret = linkSecret(link.url);
    const agent = h.agent();
    const reg = await registerThroughLink(agent, secret, keyOf(h, aaguid), o);
    expect(reg.options.status).toBe(200);
    expect(reg.result.status).toBe(403);
    expect(reg.result.body).toMatchObject({ status: 'failed', code: 'policy_violation', rule });
    expect(await store.credentials.listByUser(userId)).toEqual([]);
    expect(await sessionOf(agent)).toMatchObject({ signedIn: false });
    const failed = await auditEvents(h, 'registration.failed', userId);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ code: 'policy_violation' });
    expect(await auditEvents(h, 'link.used', userId)).toEqual([]);
    // The refusal happened before the link was taken: it still registers a good key.
    const retry = await registerThroughLink(h.agent(), secret, keyOf(h));
    expect(retry.result.status).toBe(200);
    expect(await store.credentials.listByUser(userId)).toHaveLength(1);
  });

  it('asks for direct attestation and UV in the link options of an admin', async () => {
    const { link } = await createAdmin(h.deps, 'adm-options');
    const options = await linkOptions(h.agent(), linkSecret(link.url));
    expect(options.status).toBe(200);
    expect(options.body).toMatchObject({ attestation: 'direct', authenticatorSelection: { userVerification: 'required' }, user: { name: 'adm-options' } });
  });

  it('still registers a none synced passkey for a user (no regression), and refuses a REVOKED model there too (mdsStatus)', async () => {
    const agent = h.agent();
    const reg = await register(agent, h.authenticator(), { username: 'plain-user', attestation: 'none', credential: { attestation: 'none', flags: { be: true, bs: true } } });
    expect(reg.result.status).toBe(200);
    const stored = await store.credentials.findById(reg.credentialId!);
    expect(stored).toMatchObject({ fmt: 'none', backupEligible: true });
    expect(stored!.attestation).toMatchObject({ trusted: false });

    const revoked = await register(h.agent(), keyOf(h, TEST_MDS_AAGUIDS.revoked), { username: 'revoked-user', credential: { attestation: 'packed-full' } });
    expect(revoked.result.status).toBe(403);
    expect(revoked.result.body).toMatchObject({ code: 'policy_violation', rule: 'mdsStatus' });
    expect(await store.users.findByUsername('revoked-user')).toBeUndefined();
    expect(await store.credentials.findById(revoked.credentialId!)).toBeUndefined();
  });

  describe('TOTP does not count for admins', () => {
    it('refuses password + TOTP for an admin with 403 policy_violation rule secondFactors; a user still signs in with it', async () => {
      const user = await signUpWithTotp(h, 'totp-user');
      const admin = await signUpWithTotp(h, 'totp-admin');
      await store.users.setRole(admin.userId, 'admin');

      const ok = await passwordThenTotp(h, 'totp-user', user.secret);
      expectStatus(ok.totp, 200, 'a user signs in with password + TOTP');

      const refusedLogin = await passwordThenTotp(h, 'totp-admin', admin.secret);
      expect(refusedLogin.totp.status).toBe(403);
      expect(refusedLogin.totp.body).toMatchObject({ code: 'policy_violation', rule: 'secondFactors' });
      expect(await sessionOf(refusedLogin.agent)).toMatchObject({ signedIn: false });
      const failed = await auditEvents(h, 'totp.failed', admin.userId);
      expect(failed.at(-1)).toMatchObject({ code: 'policy_violation', data: { rule: 'secondFactors' } });
      // And the admin API stays closed to that account (no admin session was ever made).
      expect((await refusedLogin.agent.get('/admin/users')).status).toBe(401);
    });

    it('refuses an admin enrolling an authenticator app (403 policy_violation rule secondFactors), storing nothing', async () => {
      const { agent, userId } = await createAdminWithKey(h, 'totp-enrol-admin');
      const res = await agent.post('/account/totp').send({});
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'policy_violation', rule: 'secondFactors' });
      expect(await store.totp.get(userId)).toBeUndefined();
    });
  });
});
