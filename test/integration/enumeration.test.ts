/**
 * Enumeration protection (ENUMERATION_PROTECTION, default on): /assertion/options answers a
 * username without an account (or without a key that can sign in) exactly like a real one,
 * with deterministic decoy credentials, and whatever the browser answers ends in
 * `unknown_credential`, as a wrong key on a real account does. /login/password answers an
 * unknown user like a wrong password. Off, the FIDO2 conformance answers (404) come back.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Store } from '../../server/src/storage/ports.js';
import { register, type Harness } from '../helpers/harness.js';
import { PRODUCTION_ENV, passwordHarness, passwordRequest, signUpWithTotp } from '../helpers/second-factor-flows.js';
import { testStores } from '../helpers/test-stores.js';

interface AllowEntry {
  id: string;
  type: string;
  transports: string[];
}
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const KNOWN_TRANSPORTS = ['usb', 'nfc', 'ble', 'smart-card', 'hybrid', 'internal', 'cable'];

describe.each(testStores().map((f) => [f.name, f] as const))('enumeration protection on the %s store', (_name, factory) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const open = async (env: Record<string, string> = {}): Promise<Harness> => {
    store = await factory.open();
    return passwordHarness(store, env);
  };
  const options = (h: Harness, username: string, userVerification?: string) => h.agent().post('/assertion/options').send({ username, ...(userVerification ? { userVerification } : {}) });
  const expectCredentialShape = (list: AllowEntry[]) => {
    expect(Array.isArray(list)).toBe(true);
    expect(list.length).toBeGreaterThanOrEqual(1);
    for (const c of list) {
      expect(Object.keys(c).sort()).toEqual(['id', 'transports', 'type']);
      expect(c.id).toMatch(BASE64URL);
      expect(Buffer.from(c.id, 'base64url').length).toBeGreaterThanOrEqual(16);
      expect(c.type).toBe('public-key');
      expect(Array.isArray(c.transports)).toBe(true);
      for (const t of c.transports) expect(KNOWN_TRANSPORTS).toContain(t);
    }
  };

  it('answers an unknown username like a known one: 200, same reply shape, allowCredentials of the same shape', async () => {
    const h = await open();
    await register(h.agent(), h.authenticator(), { username: 'alice' });
    const known = await options(h, 'alice', 'discouraged');
    const unknown = await options(h, 'nobody', 'discouraged');
    expect([known.status, unknown.status]).toEqual([200, 200]);
    expect(Object.keys(unknown.body).sort()).toEqual(Object.keys(known.body).sort());
    for (const field of ['status', 'errorMessage', 'rpId', 'timeout', 'userVerification', 'extensions']) expect([field, unknown.body[field]]).toEqual([field, known.body[field]]);
    expect(unknown.body.challenge).toMatch(BASE64URL);
    expect(unknown.body.challenge.length).toBe(known.body.challenge.length);
    expectCredentialShape(known.body.allowCredentials);
    expectCredentialShape(unknown.body.allowCredentials);
    expect(unknown.headers['set-cookie']).toBeDefined();
    expect(known.headers['set-cookie']).toBeDefined();
  });

  it('gives an unknown username the same decoys every time (any case), and other usernames other decoys', async () => {
    const h = await open();
    const first = (await options(h, 'nobody')).body.allowCredentials;
    const second = (await options(h, 'nobody')).body.allowCredentials;
    const upper = (await options(h, 'NoBody')).body.allowCredentials;
    expect(second).toEqual(first);
    expect(upper).toEqual(first);
    const other = (await options(h, 'somebody-else')).body.allowCredentials as AllowEntry[];
    expect(other.map((c) => c.id)).not.toEqual((first as AllowEntry[]).map((c) => c.id));
  });

  it('gives the same decoys on every instance that shares HMAC_SECRET (any instance behind a load balancer answers alike)', async () => {
    const h1 = await open({ HMAC_SECRET: 'shared-hmac-secret-shared-hmac-secret!!' });
    const h2 = passwordHarness(store!, { HMAC_SECRET: 'shared-hmac-secret-shared-hmac-secret!!' });
    expect((await options(h2, 'nobody')).body.allowCredentials).toEqual((await options(h1, 'nobody')).body.allowCredentials);
  });

  it('answers accounts without a key that can sign in with decoys too (password + TOTP only; only key flagged as cloned)', async () => {
    const h = await open();
    await signUpWithTotp(h, 'alice');
    const bob = await register(h.agent(), h.authenticator(), { username: 'bob' });
    await store!.credentials.markPossiblyCloned(bob.credentialId!);
    for (const username of ['alice', 'bob']) {
      const res = await options(h, username);
      expect(res.status).toBe(200);
      expectCredentialShape(res.body.allowCredentials);
      expect(res.body.allowCredentials.map((c: AllowEntry) => c.id)).not.toContain(bob.credentialId);
    }
  });

  it('a key answering a decoy ends in unknown_credential, exactly like an unregistered key on a real account (production replies)', async () => {
    const h = await open(PRODUCTION_ENV);
    await register(h.agent(), h.authenticator(), { username: 'alice' });
    const finish = async (username: string, useOffered: boolean) => {
      const agent = h.agent();
      const opts = await agent.post('/assertion/options').send({ username });
      const auth = h.authenticator();
      // A key holding exactly the offered (decoy) id, or some other unregistered key.
      const id = useOffered ? (opts.body.allowCredentials[0] as AllowEntry).id : undefined;
      await auth.createCredential({ challenge: 'unused', credentialId: id, discoverable: false });
      const response = await auth.getAssertion({ challenge: opts.body.challenge, credentialId: auth.credentials[0]!.id });
      return agent.post('/assertion/result').send(response);
    };
    const decoy = await finish('nobody', true);
    const wrongKey = await finish('alice', false);
    expect([decoy.status, decoy.body.code]).toEqual([400, 'unknown_credential']);
    expect([wrongKey.status, wrongKey.body.code]).toEqual([400, 'unknown_credential']);
    expect(decoy.text).toBe(wrongKey.text);
  });

  it('with ENUMERATION_PROTECTION=false answers 404 unknown_user / no_credentials (FIDO2 conformance tools)', async () => {
    const h = await open({ ENUMERATION_PROTECTION: 'false' });
    await signUpWithTotp(h, 'alice');
    const unknown = await options(h, 'nobody');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'unknown_user']);
    const keyless = await options(h, 'alice');
    expect([keyless.status, keyless.body.code]).toEqual([404, 'no_credentials']);
  });

  it('/login/password answers an unknown user exactly like a wrong password, whatever ENUMERATION_PROTECTION says', async () => {
    for (const enumerationProtection of ['true', 'false']) {
      const h = await open({ ...PRODUCTION_ENV, ENUMERATION_PROTECTION: enumerationProtection });
      await signUpWithTotp(h, 'alice');
      const unknown = await passwordRequest(h.agent(), 'nobody', 'some wrong password');
      const wrong = await passwordRequest(h.agent(), 'alice', 'some wrong password');
      expect([unknown.status, unknown.body.code]).toEqual([401, 'invalid_credentials']);
      expect(unknown.text).toBe(wrong.text);
      expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(wrong.headers).sort());
      await store!.close();
      store = undefined;
    }
  });
});
