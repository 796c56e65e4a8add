/**
 * Re-evaluation on an MDS3 change (issue 8 point 4), through HTTP on both stores: with
 * `reevaluateOnMetadataChange` wired as main.ts wires it, a newer BLOB (higher `no`) that marks
 * a model REVOKED disables every admin credential of that model (`disabledBy: policy`, the
 * rule as reason), ends the sessions signed in with it, refuses its sign-in
 * (`credential_disabled`) and audits `credential.disabled_by_policy` once: running
 * re-evaluation again changes nothing. Another admin lists it under
 * /admin/credentials/policy-disabled. A BLOB with a bad signature, or one whose `no` is not
 * above the cached one, is ignored and the error shows in GET /admin/mds. A later BLOB that
 * lifts the status re-enables what policy disabled.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { reevaluateCredentials, reevaluateOnMetadataChange } from '../../server/src/admin/reevaluate-credentials.js';
import type { Store } from '../../server/src/storage/ports.js';
import {
  ADMIN_ALLOW_POLICY,
  SECOND_ALLOWED_AAGUID,
  TEST_MDS_AAGUIDS,
  auditEvents,
  createAdminHarness,
  createAdminWithKey,
  signInWith,
  type AdminHarness,
} from '../helpers/admin-flows.js';
import type { Agent } from '../helpers/harness.js';
import { sessionOf } from '../helpers/second-factor-flows.js';
import { createTestCa } from '../helpers/test-ca.js';
import { createTestMds, mdsEntry, testEntries, type TestMds } from '../helpers/test-mds.js';
import { testStores } from '../helpers/test-stores.js';
import type { SoftAuthenticator } from '../helpers/soft-authenticator.js';

/** testEntries, with the allowed model REVOKED since 2022-01-01. */
const revokingEntries = () => [
  mdsEntry({
    aaguid: TEST_MDS_AAGUIDS.allowed,
    description: 'Keygate Allowed Key',
    statusReports: [
      { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2020-01-01' },
      { status: 'REVOKED', effectiveDate: '2022-01-01' },
    ],
  }),
  ...testEntries([]).slice(1),
];

describe.each(testStores().map((f) => [f.name, f] as const))('MDS3 re-evaluation on the %s store', (_name, factory) => {
  let store: Store;
  let mds: TestMds;
  let h: AdminHarness;
  // alice's key is of the model the next BLOB revokes; bob's is another allowed model.
  let alice: { agent: Agent; auth: SoftAuthenticator; userId: string; credentialId: string };
  let aliceSecond: Agent;
  let bob: { agent: Agent; userId: string; credentialId: string };

  beforeAll(async () => {
    store = await factory.open();
    mds = await createTestMds();
    mds.serveBlob(await mds.blob({ no: 1 }));
    h = createAdminHarness(store, { ca: await createTestCa(), mds, policy: ADMIN_ALLOW_POLICY });
    reevaluateOnMetadataChange(h.deps);
    expect((await h.deps.metadata.refresh()).error).toBeUndefined();
    alice = await createAdminWithKey(h, 'alice-admin', TEST_MDS_AAGUIDS.allowed);
    bob = await createAdminWithKey(h, 'bob-admin', SECOND_ALLOWED_AAGUID);
    const second = await signInWith(h, 'alice-admin', alice.auth, { credentialId: alice.credentialId });
    expect(second.result.status).toBe(200);
    aliceSecond = second.agent;
  });
  afterAll(async () => {
    h?.deps.metadata.stop();
    await store?.close();
    await mds?.close();
    h?.cleanup();
  });

  it('starts with BLOB no 1 in use and both admins signed in', async () => {
    const status = await bob.agent.get('/admin/mds');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ configured: true, no: 1, lastRefresh: { no: 1, error: null } });
    expect((await alice.agent.get('/admin/users')).status).toBe(200);
    expect(await auditEvents(h, 'credential.disabled_by_policy')).toEqual([]);
  });

  it('a newer BLOB revoking the model disables its admin credential, ends its sessions and refuses its sign-in', async () => {
    // A sign-in of alice's started before the BLOB arrives.
    const inFlight = h.agent();
    const pending = await inFlight.post('/assertion/options').send({ username: 'alice-admin', userVerification: 'required' });
    expect(pending.status).toBe(200);

    mds.serveBlob(await mds.blob({ no: 2, entries: revokingEntries() }));
    const refreshed = await h.deps.metadata.refresh();
    expect(refreshed).toMatchObject({ no: 2 });
    expect(refreshed.error).toBeUndefined();

    const stored = await store.credentials.findById(alice.credentialId);
    expect(stored).toMatchObject({ disabled: true, disabledBy: 'policy' });
    expect(stored!.disabledReason).toMatch(/^mdsStatus: /);
    expect(await store.credentials.findById(bob.credentialId)).toMatchObject({ disabled: false });

    // Both of alice's sessions are gone; bob's is untouched.
    expect(await sessionOf(alice.agent)).toMatchObject({ signedIn: false });
    expect(await sessionOf(aliceSecond)).toMatchObject({ signedIn: false });
    const closed = await alice.agent.get('/admin/users');
    expect(closed.status).toBe(401);
    expect(closed.body).toMatchObject({ code: 'not_signed_in' });
    expect(await sessionOf(bob.agent)).toMatchObject({ signedIn: true });

    // The sign-in in flight is refused as disabled; a new one no longer offers the key.
    const finished = await inFlight.post('/assertion/result').send(await alice.auth.getAssertion({ challenge: pending.body.challenge, credentialId: alice.credentialId }));
    expect(finished.status).toBe(403);
    expect(finished.body).toMatchObject({ code: 'credential_disabled' });
    expect(await sessionOf(inFlight)).toMatchObject({ signedIn: false });
    const again = await signInWith(h, 'alice-admin', alice.auth, { credentialId: alice.credentialId });
    expect(again.options.body.allowCredentials.map((c: { id: string }) => c.id)).not.toContain(alice.credentialId);
    expect(again.result.status).toBe(400);
    expect(again.result.body).toMatchObject({ code: 'unknown_credential' });

    const events = await auditEvents(h, 'credential.disabled_by_policy');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ userId: alice.userId, credentialId: alice.credentialId, code: 'policy_violation', data: { rule: 'mdsStatus', sessionsEnded: 2 } });
  });

  it('re-evaluating again changes nothing and audits nothing (idempotent)', async () => {
    expect(await reevaluateCredentials(h.deps)).toMatchObject({ disabled: 0, reenabled: 0 });
    expect(await reevaluateCredentials(h.deps)).toMatchObject({ disabled: 0, reenabled: 0 });
    expect(await auditEvents(h, 'credential.disabled_by_policy')).toHaveLength(1);
    expect(await auditEvents(h, 'credential.reenabled_by_policy')).toEqual([]);
  });

  it('lists the credential for another admin under /admin/credentials/policy-disabled, with the verdicts', async () => {
    const res = await bob.agent.get('/admin/credentials/policy-disabled');
    expect(res.status).toBe(200);
    expect(res.body.credentials).toHaveLength(1);
    expect(res.body.credentials[0]).toMatchObject({
      id: alice.credentialId,
      userId: alice.userId,
      disabledBy: 'policy',
      attestation: { trusted: true },
      mds: { listed: true, status: 'REVOKED', refused: true },
      policy: { ok: false, rule: 'mdsStatus' },
    });
  });

  it('ignores the same BLOB again (no not above the cached one), the error visible in GET /admin/mds', async () => {
    const refreshed = await h.deps.metadata.refresh();
    expect(refreshed.error).toMatch(/not above/);
    const status = await bob.agent.get('/admin/mds');
    expect(status.body).toMatchObject({ no: 2, lastRefresh: { no: 2 } });
    expect(status.body.lastRefresh.error).toMatch(/not above/);
    expect(await auditEvents(h, 'credential.disabled_by_policy')).toHaveLength(1);
  });

  it('ignores an older no and a BLOB with a bad signature, keeping no 2 in use, the error visible in GET /admin/mds', async () => {
    mds.serveBlob(await mds.blob({ no: 1 }));
    expect((await h.deps.metadata.refresh()).error).toMatch(/not above/);

    // A higher no, but the signature is another payload's.
    const good = await mds.blob({ no: 9 });
    const other = await mds.blob({ no: 10 });
    const [head, payload] = good.split('.');
    mds.serveBlob(`${head}.${payload}.${other.split('.')[2]}`);
    const refreshed = await h.deps.metadata.refresh();
    expect(refreshed.error).toEqual(expect.any(String));
    expect(refreshed.error).not.toMatch(/not above/);

    const status = await bob.agent.get('/admin/mds');
    expect(status.status).toBe(200);
    expect(status.body.no).toBe(2);
    expect(status.body.lastRefresh.error).toEqual(expect.any(String));
    expect(status.body.lastRefresh.error).not.toMatch(/not above/);
    expect(await store.credentials.findById(alice.credentialId)).toMatchObject({ disabled: true, disabledBy: 'policy' });
  });

  it('a later BLOB lifting the status re-enables what policy disabled, and the key signs in again', async () => {
    mds.serveBlob(await mds.blob({ no: 3 }));
    expect((await h.deps.metadata.refresh()).error).toBeUndefined();
    expect(await store.credentials.findById(alice.credentialId)).toMatchObject({ disabled: false });
    const events = await auditEvents(h, 'credential.reenabled_by_policy');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ userId: alice.userId, credentialId: alice.credentialId });
    const back = await signInWith(h, 'alice-admin', alice.auth, { credentialId: alice.credentialId });
    expect(back.result.status).toBe(200);
    expect((await back.agent.get('/admin/users')).status).toBe(200);
    expect((await bob.agent.get('/admin/credentials/policy-disabled')).body.credentials).toEqual([]);
  });
});
