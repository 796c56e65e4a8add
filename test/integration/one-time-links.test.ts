/**
 * One-time registration links (admin/one-time-links.ts) through HTTP on both stores: a link
 * registers one key (two ceremonies finished concurrently from one link: exactly one stores a
 * key, the other is 404 link_not_found), expires after ONE_TIME_LINK_TTL_SECONDS (also while a
 * ceremony started from it is open), is replaced by a newer link for the same user, an
 * unknown secret is 404 link_not_found and a malformed one 400 invalid_request. A recovery
 * link (issued by an admin) ends the user's other sessions and signs them in with the new key.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAdmin } from '../../server/src/admin/bootstrap-admin.js';
import type { Store } from '../../server/src/storage/ports.js';
import {
  ADMIN_ALLOW_POLICY,
  auditEvents,
  createAdminHarness,
  createAdminWithKey,
  keyOf,
  linkOptions,
  linkSecret,
  registerThroughLink,
  signInWith,
  type AdminHarness,
} from '../helpers/admin-flows.js';
import { register, type Agent } from '../helpers/harness.js';
import { sessionOf } from '../helpers/second-factor-flows.js';
import type { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { createTestCa } from '../helpers/test-ca.js';
import { testStores } from '../helpers/test-stores.js';

const TTL_SECONDS = 600;

describe.each(testStores().map((f) => [f.name, f] as const))('one-time links on the %s store', (_name, factory) => {
  let store: Store;
  let h: AdminHarness;
  let admin: { auth: SoftAuthenticator; userId: string; credentialId: string };

  const adminAgent = async (): Promise<Agent> => {
    const s = await signInWith(h, 'root-admin', admin.auth, { credentialId: admin.credentialId });
    if (s.result.status !== 200) throw new Error(`admin sign-in: ${s.result.status} ${JSON.stringify(s.result.body)}`);
    return s.agent;
  };

  beforeAll(async () => {
    store = await factory.open();
    h = createAdminHarness(store, { ca: await createTestCa(), policy: ADMIN_ALLOW_POLICY, env: { ONE_TIME_LINK_TTL_SECONDS: String(TTL_SECONDS) } });
    admin = await createAdminWithKey(h, 'root-admin');
  });
  afterAll(async () => {
    await store?.close();
    h?.cleanup();
  });

  it('registers at most one key: of two ceremonies finished concurrently from one link, exactly one stores a key', async () => {
    const { userId, link } = await createAdmin(h.deps, 'race-admin');
    const secret = linkSecret(link.url);
    const agents = [h.agent(), h.agent()];
    const auths = [keyOf(h), keyOf(h)];
    const options = await Promise.all(agents.map((a) => linkOptions(a, secret)));
    expect(options.map((o) => o.status)).toEqual([200, 200]);
    const responses = await Promise.all(
      auths.map(async (auth, i) => (await auth.createCredential({ challenge: options[i]!.body.challenge, userHandle: options[i]!.body.user.id, attestation: 'packed-full', flags: { uv: true, be: false } })).response),
    );
    const results = await Promise.all(agents.map((a, i) => a.post('/attestation/result').send(responses[i])));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 404]);
    expect(results.find((r) => r.status === 404)!.body.code).toBe('link_not_found');
    expect(await store.credentials.listByUser(userId)).toHaveLength(1);
    expect(await auditEvents(h, 'link.used', userId)).toHaveLength(1);
    const signedIn = await Promise.all(agents.map((a) => sessionOf(a)));
    expect(signedIn.map((s) => s.signedIn).sort()).toEqual([false, true]);

    // Used up: the link starts nothing any more.
    const after = await linkOptions(h.agent(), secret);
    expect(after.status).toBe(404);
    expect(after.body.code).toBe('link_not_found');
  });

  it('expires after ONE_TIME_LINK_TTL_SECONDS, also while a ceremony started from it is open', async () => {
    const { userId, link } = await createAdmin(h.deps, 'late-admin');
    expect(link.expiresAt.getTime()).toBe(h.clock.now().getTime() + TTL_SECONDS * 1000);
    const secret = linkSecret(link.url);
    h.clock.advance((TTL_SECONDS - 1) * 1000);
    const agent = h.agent();
    const options = await linkOptions(agent, secret);
    expect(options.status).toBe(200);
    const { response } = await keyOf(h).createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id, attestation: 'packed-full', flags: { uv: true } });
    h.clock.advance(2000);
    const finished = await agent.post('/attestation/result').send(response);
    expect(finished.status).toBe(404);
    expect(finished.body.code).toBe('link_not_found');
    expect(await store.credentials.listByUser(userId)).toEqual([]);
    expect(await sessionOf(agent)).toMatchObject({ signedIn: false });
    const later = await linkOptions(h.agent(), secret);
    expect(later.status).toBe(404);
    expect(later.body.code).toBe('link_not_found');
  });

  it('is replaced by a newer link for the same user (also under an open ceremony); the newer one works', async () => {
    const first = await createAdmin(h.deps, 'twice-admin');
    const agent = h.agent();
    const options = await linkOptions(agent, linkSecret(first.link.url));
    expect(options.status).toBe(200);
    const second = await createAdmin(h.deps, 'twice-admin');
    expect(second).toMatchObject({ userId: first.userId, created: false });

    const { response } = await keyOf(h).createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id, attestation: 'packed-full', flags: { uv: true } });
    const stale = await agent.post('/attestation/result').send(response);
    expect(stale.status).toBe(404);
    expect(stale.body.code).toBe('link_not_found');
    expect((await linkOptions(h.agent(), linkSecret(first.link.url))).status).toBe(404);

    const reg = await registerThroughLink(h.agent(), linkSecret(second.link.url), keyOf(h));
    expect(reg.result.status).toBe(200);
    expect(await store.credentials.listByUser(first.userId)).toHaveLength(1);
  });

  it('answers an unknown secret with 404 link_not_found and a malformed one with 400 invalid_request', async () => {
    const unknown = await linkOptions(h.agent(), 'A'.repeat(43));
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('link_not_found');
    for (const bad of ['short', 'A'.repeat(44), `${'A'.repeat(42)}!`]) {
      const res = await linkOptions(h.agent(), bad);
      expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'invalid_request']);
    }
    const missing = await h.agent().post('/link/options').send({});
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('invalid_request');
  });

  it('a recovery link ends the user\'s other sessions and signs them in with the new key', async () => {
    const phone = h.authenticator();
    const first = h.agent();
    const reg = await register(first, phone, { username: 'helen', userVerification: 'required', credential: { flags: { uv: true } } });
    expect(reg.result.status).toBe(200);
    const userId = reg.options.body.user.id as string;
    const second = await signInWith(h, 'helen', phone, { credentialId: reg.credentialId });
    expect(second.result.status).toBe(200);

    const by = await adminAgent();
    const issued = await by.post(`/admin/users/${userId}/recovery-link`).send({});
    expect(issued.status).toBe(200);

    const laptop = h.authenticator();
    const recovering = h.agent();
    const recovered = await registerThroughLink(recovering, linkSecret(issued.body.url), laptop, { attestation: 'none', flags: { be: true, bs: true } });
    expect(recovered.result.status).toBe(200);
    expect(await sessionOf(recovering)).toMatchObject({ signedIn: true, user: { id: userId } });
    expect(await sessionOf(first)).toMatchObject({ signedIn: false });
    expect(await sessionOf(second.agent)).toMatchObject({ signedIn: false });
    expect(await store.credentials.listByUser(userId)).toHaveLength(2);
    const used = await auditEvents(h, 'link.recovery_used', userId);
    expect(used).toHaveLength(1);
    expect(used[0]).toMatchObject({ credentialId: recovered.credentialId, data: { sessionsEnded: 2 } });
    // The new key signs in like any other.
    const again = await signInWith(h, 'helen', laptop, { credentialId: recovered.credentialId });
    expect(again.result.status).toBe(200);
    // And the link is used up.
    expect((await linkOptions(h.agent(), linkSecret(issued.body.url))).body.code).toBe('link_not_found');
  });

  it('a recovery link of an admin still needs a key the admin policy accepts (the link survives a refusal)', async () => {
    const by = await adminAgent();
    const issued = await by.post(`/admin/users/${admin.userId}/recovery-link`).send({});
    expect(issued.status).toBe(200);
    const secret = linkSecret(issued.body.url);
    const refused = await registerThroughLink(h.agent(), secret, h.authenticator(), { attestation: 'none' });
    expect(refused.result.status).toBe(403);
    expect(refused.result.body).toMatchObject({ code: 'policy_violation', rule: 'attestationFormats' });
    expect(await sessionOf(by)).toMatchObject({ signedIn: true });
    const ok = await registerThroughLink(h.agent(), secret, keyOf(h));
    expect(ok.result.status).toBe(200);
    expect(await store.credentials.listByUser(admin.userId)).toHaveLength(2);
    // Recovery ended the admin's other session.
    expect(await sessionOf(by)).toMatchObject({ signedIn: false });
  });
});
