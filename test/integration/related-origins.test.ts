/**
 * Related origins (WebAuthn Level 3 §5.11; issue 8 point 6): with RELATED_ORIGINS set, a page
 * on a related origin (here an admin portal on another site) registers and signs in with
 * credentials scoped to RP_ID, its API calls pass the Origin check, and
 * GET /.well-known/webauthn publishes the origins. Unlisted origins stay refused, and without
 * RELATED_ORIGINS there is no document.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness, ORIGIN, register, signIn, type Harness } from '../helpers/harness.js';
import { testStores } from '../helpers/test-stores.js';

const ADMIN = 'https://admin.example-corp.net';
const OTHER = 'https://portal.example-partner.org';
const RELATED_ORIGINS = `${ADMIN},${OTHER}`;

describe.each(testStores().map((f) => [f.name, f] as const))('related origins on the %s store', (_name, factory) => {
  let store: Store;
  let h: Harness;
  const setup = async (env: Record<string, string> = { RELATED_ORIGINS }) => {
    store = await factory.open();
    h = createHarness(store, { env });
    return h;
  };
  afterEach(async () => {
    await store?.close();
  });

  /** A browser on `origin`: its API calls carry that Origin. */
  const browserOn = (origin: string) => h.agent().set('Origin', origin);

  it('registers and signs in from a related origin, and the key works on the main origin too', async () => {
    await setup();
    const auth = h.authenticator({ origin: ADMIN });
    const reg = await register(browserOn(ADMIN), auth);
    expect(reg.result.status).toBe(200);
    expect(reg.result.body.status).toBe('ok');

    const admin = await signIn(browserOn(ADMIN), auth);
    expect(admin.result.status).toBe(200);
    expect(admin.result.body.status).toBe('ok');

    // The credential is scoped to RP_ID, not to the origin it was registered from.
    const main = await signIn(browserOn(ORIGIN), auth, { assertion: { overrides: { clientData: { origin: ORIGIN } } } });
    expect(main.result.status).toBe(200);
  });

  it('refuses a clientDataJSON.origin that is not listed (origin_mismatch), even through an allowed Origin', async () => {
    await setup();
    const reg = await register(browserOn(ADMIN), h.authenticator({ origin: 'https://admin.example-corp.com' }));
    expect(reg.result.status).toBe(400);
    expect(reg.result.body.code).toBe('origin_mismatch');
    expect(await store.users.findByUsername('alice')).toBeUndefined();
  });

  it('refuses an API call whose Origin is not listed (origin_not_allowed)', async () => {
    await setup();
    const res = await browserOn('https://evil.example').post('/attestation/options').send({ username: 'alice', displayName: 'Alice' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('origin_not_allowed');
    for (const path of ['/token/revoke', '/assertion/options']) {
      expect((await browserOn('https://admin.example-corp.net.evil.example').post(path).send({})).body.code).toBe('origin_not_allowed');
    }
    // The related origins pass it.
    expect((await browserOn(OTHER).post('/assertion/options').send({})).status).toBe(200);
  });

  it('publishes the related-origins document, related origins first, cacheable for an hour', async () => {
    await setup();
    const res = await h.agent().get('/.well-known/webauthn');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.body).toEqual({ origins: [ADMIN, OTHER, ORIGIN] });
    // A public document: any page (any Origin) may read it.
    expect((await browserOn('https://evil.example').get('/.well-known/webauthn')).status).toBe(200);
  });

  it('answers 404 not_found for /.well-known/webauthn without RELATED_ORIGINS, and accepts only RP_ORIGINS', async () => {
    await setup({});
    const res = await h.agent().get('/.well-known/webauthn');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');
    expect(res.headers['cache-control']).toBe('no-store');
    expect((await browserOn(ADMIN).post('/assertion/options').send({})).body.code).toBe('origin_not_allowed');
    const reg = await register(h.agent(), h.authenticator({ origin: ADMIN }));
    expect(reg.result.body.code).toBe('origin_mismatch');
  });
});
