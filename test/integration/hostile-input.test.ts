/**
 * Hostile and broken input: every endpoint answers with a 4xx and a stable `code`, never a
 * 500, and a failed request stores nothing. On every store.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createMemoryStore } from '../../server/src/storage/memory/memory-store.js';
import { testStores } from '../helpers/test-stores.js';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness, register, type Harness } from '../helpers/harness.js';
import { b64url } from '../helpers/soft-authenticator.js';
import { CookieAccessInfo } from 'cookiejar';

const ENDPOINTS = ['/attestation/options', '/attestation/result', '/assertion/options', '/assertion/result'];
const garbage = (n: number) => b64url.encode(randomBytes(n));

describe.each(testStores().map((f) => [f.name, f] as const))('hostile input on the %s store', (_name, factory) => {
  let store: Store;
  let h: Harness;
  beforeAll(async () => {
    store = await factory.open();
    h = createHarness(store);
  });
  afterAll(async () => {
    await store?.close();
  });

  describe.each(ENDPOINTS)('POST %s', (path) => {
    it('answers malformed JSON with 400 malformed_json', async () => {
      const res = await h.agent().post(path).set('Content-Type', 'application/json').send('{"username": ');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: 'failed', code: 'malformed_json' });
      expect(res.body.errorMessage).not.toBe('');
    });

    it('answers a body over the limit with 413 body_too_large', async () => {
      const res = await h.agent().post(path).set('Content-Type', 'application/json').send(JSON.stringify({ username: 'x'.repeat(70 * 1024) }));
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('body_too_large');
    });

    it('answers a non-JSON content type with 415', async () => {
      const res = await h.agent().post(path).set('Content-Type', 'text/plain').send('username=alice');
      expect(res.status).toBe(415);
      expect(res.body.code).toBe('unsupported_media_type');
    });

    it.each([['null'], ['[]'], ['"text"'], ['42'], ['{}'], ['{"username": 5}'], ['{"id": {"$ne": null}}']])('answers %s with 400 invalid_request', async (body) => {
      const agent = h.agent();
      // A result is only read once a ceremony is pending (without one: no_pending_ceremony).
      if (path === '/attestation/result') await agent.post('/attestation/options').send({ username: `u${randomBytes(4).toString('hex')}` });
      if (path === '/assertion/result') await agent.post('/assertion/options').send({});
      const res = await agent.post(path).set('Content-Type', 'application/json').send(body);
      // An object without username is a valid usernameless request for /assertion/options (unknown keys are dropped).
      const usernameless = path === '/assertion/options' && body.startsWith('{') && !body.includes('username');
      expect(res.status).toBe(usernameless ? 200 : 400);
      if (res.status === 400) expect(['invalid_request', 'malformed_json']).toContain(res.body.code);
    });

    it('refuses deeply nested JSON with 400, not a stack overflow', async () => {
      const deep = '['.repeat(20_000) + ']'.repeat(20_000);
      const res = await h.agent().post(path).set('Content-Type', 'application/json').send(`{"username":"a","extensions":{"x":${deep}}}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_request');
    });

    it('refuses a cross-site Origin (origin_not_allowed)', async () => {
      const res = await h.agent().post(path).set('Origin', 'https://evil.example').send({ username: 'alice' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('origin_not_allowed');
    });
  });

  describe('ceremony results with broken fields', () => {
    async function attestationWith(mutate: (r: Record<string, any>) => void) {
      const agent = h.agent();
      const auth = h.authenticator();
      const options = await agent.post('/attestation/options').send({ username: `u${randomBytes(4).toString('hex')}` });
      const { response } = await auth.createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id });
      const body = structuredClone(response) as Record<string, any>;
      mutate(body);
      return agent.post('/attestation/result').send(body);
    }

    it.each([
      ['invalid_base64url', (r: any): void => void (r.response.attestationObject = 'not base64url!')],
      ['invalid_base64url', (r: any): void => void (r.response.clientDataJSON = 'abc=')],
      ['invalid_base64url', (r: any): void => void (r.id = 'a+b/c')],
      ['invalid_request', (r: any): void => void (r.type = 'private-key')],
      ['invalid_request', (r: any): void => void (r.response = null)],
      ['invalid_request', (r: any): void => void delete r.response.attestationObject],
      ['invalid_request', (r: any): void => void (r.response.transports = 'usb')],
      ['malformed_attestation_object', (r: any): void => void (r.response.attestationObject = garbage(64))],
      // Truncated CBOR: refused either while decoding the map or while parsing the cut authData inside it.
      ['malformed_attestation_object|malformed_authenticator_data', (r: any): void => void (r.response.attestationObject = r.response.attestationObject.slice(0, 40))],
      ['malformed_attestation_object|malformed_authenticator_data', (r: any): void => void (r.response.attestationObject = r.response.attestationObject.slice(0, 200))],
      ['malformed_attestation_object', (r: any): void => void (r.response.attestationObject = 'AAAA')],
      ['malformed_client_data', (r: any): void => void (r.response.clientDataJSON = garbage(40))],
      ['malformed_client_data', (r: any): void => void (r.response.clientDataJSON = b64url.encode(Buffer.from('{"type":1}')))],
    ] as const)('registration: %s', async (code, mutate) => {
      const before = (await store.audit.list({ type: 'registration.succeeded', limit: 1000 })).length;
      const res = await attestationWith(mutate);
      expect(res.status).toBe(400);
      expect(res.body.status).toBe('failed');
      expect(code.split('|')).toContain(res.body.code);
      expect((await store.audit.list({ type: 'registration.succeeded', limit: 1000 })).length).toBe(before);
    });

    it.each([
      ['malformed_authenticator_data', (r: any): void => void (r.response.authenticatorData = garbage(10))],
      ['invalid_base64url', (r: any): void => void (r.response.signature = '***')],
      ['invalid_base64url', (r: any): void => void (r.response.userHandle = '=')],
      ['signature_invalid', (r: any): void => void (r.response.signature = garbage(70))],
      ['invalid_request', (r: any): void => void (r.response.signature = 17)],
    ] as const)('authentication: %s', async (code, mutate) => {
      const auth = h.authenticator();
      const username = `u${randomBytes(4).toString('hex')}`;
      const reg = await register(h.agent(), auth, { username });
      const agent = h.agent();
      const options = await agent.post('/assertion/options').send({ username });
      const body = structuredClone(await auth.getAssertion({ challenge: options.body.challenge })) as Record<string, any>;
      mutate(body);
      const res = await agent.post('/assertion/result').send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(code);
      expect((await store.credentials.findById(reg.credentialId!))!.counter).toBe(0);
    });
  });

  describe('a result body that fails validation', () => {
    it.each([
      ['/attestation/options', '/attestation/result', { username: 'validation-victim' }],
      ['/assertion/options', '/assertion/result', {}],
    ])('still consumes the challenge (%s → %s)', async (start, finish, input) => {
      const agent = h.agent();
      const options = await agent.post(start).send(input);
      expect(options.status).toBe(200);
      expect((await agent.post(finish).send({ id: 5 })).body.code).toBe('invalid_request');
      const auth = h.authenticator();
      const response = start === '/attestation/options'
        ? (await auth.createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id })).response
        : await auth.getAssertion({ challenge: options.body.challenge, credentialId: (await auth.createCredential({ challenge: 'AAAA' })).credential.id });
      const retry = await agent.post(finish).send(response);
      expect(retry.body.code).toBe('no_pending_ceremony');
    });
  });

  describe('everything else', () => {
    it('sets helmet headers and a strict CSP on every response', async () => {
      for (const res of [await h.agent().get('/healthz'), await h.agent().post('/assertion/options').send({ username: 'nobody' })]) {
        expect(res.headers['content-security-policy']).toContain("script-src 'self'");
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBeDefined();
      }
    });

    it('answers unknown paths with 404 not_found', async () => {
      const res = await h.agent().get('/no/such/thing');
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
    });

    it('refuses account calls without a session (not_signed_in)', async () => {
      for (const res of [await h.agent().get('/account/me'), await h.agent().get('/account/credentials'), await h.agent().delete('/account/credentials/abc')]) {
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('not_signed_in');
      }
    });

    it('ignores a tampered session cookie', async () => {
      const agent = h.agent();
      await register(agent, h.authenticator(), { username: 'tamper' });
      const res = await h.agent().get('/account/me').set('Cookie', 'keygate.sid=s%3Aforged.signature');
      expect(res.status).toBe(401);
    });

    it('refuses a signed-in session id under any signature but its own, also once the server has seen the genuine cookie', async () => {
      const agent = h.agent();
      await register(agent, h.authenticator(), { username: 'tamper-known-id' });
      expect((await agent.get('/account/me')).status).toBe(200); // the genuine cookie, verified (and remembered)
      const genuine = decodeURIComponent(sessionCookieOf(agent));
      const [id, mac] = [genuine.slice(2, genuine.lastIndexOf('.')), genuine.slice(genuine.lastIndexOf('.') + 1)];
      const flipped = `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
      for (const forged of [`s:${id}.${flipped}`, `s:${id}.${mac}A`, `s:${id}.${mac.slice(0, -1)}`, `s:${id}.`, `s:${id}`, id, `s:${id}.${genuine.slice(2)}`]) {
        const res = await h.agent().get('/account/me').set('Cookie', `keygate.sid=${encodeURIComponent(forged)}`);
        expect(res.status).toBe(401);
      }
      const again = await h.agent().get('/account/me').set('Cookie', `keygate.sid=${encodeURIComponent(genuine)}`);
      expect(again.status).toBe(200);
    });

    it('rejects usernames that are empty, too long or contain invisible or broken characters', async () => {
      for (const username of ['', '   ', 'a'.repeat(65), 'bad\u0000name', 'admin\u200b', 'evil\u202eoc', '\ud800x', 'x\ufffd', 'priv\ue000']) {
        const res = await h.agent().post('/attestation/options').send({ username });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('invalid_username');
      }
    });
  });

  describe('over https', () => {
    it('names the session cookie __Host-keygate.sid and marks it Secure', async () => {
      const hs = createHarness(createMemoryStore(), { env: { RP_ID: 'example.com', RP_ORIGINS: 'https://login.example.com' } });
      const res = await hs.agent().post('/assertion/options').send({});
      const cookie = res.headers['set-cookie']![0]!;
      expect(cookie).toMatch(/^__Host-keygate\.sid=/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).not.toMatch(/Domain=/i);
      expect(res.headers['strict-transport-security']).toBeDefined();
    });
  });

  describe('extensions', () => {
    it('passes on known client extension inputs only', async () => {
      const res = await h.agent().post('/attestation/options').send({ username: 'ext-user', extensions: { credProtect: 2, evil: { x: 1 }, credProps: false } });
      expect(res.body.extensions).toEqual({ credProtect: 2, credProps: true });
      const auth = await h.agent().post('/assertion/options').send({ extensions: { appid: 'https://old.example', bogus: 1, prf: { eval: { first: 'AAAA' } } } });
      // appid is never offered: no keygate credential is scoped to a legacy U2F AppID, and a
      // caller-chosen one would widen what an assertion may be scoped to.
      expect(auth.body.extensions).toEqual({ prf: { eval: { first: 'AAAA' } } });
    });
  });

  describe('a body-less POST', () => {
    it('is a 400 invalid_request, not a 415', async () => {
      const res = await h.agent().post('/attestation/options').set('Content-Type', 'application/json');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_request');
    });
  });
});

/** The raw (URI-encoded) value of an agent's keygate.sid cookie. */
function sessionCookieOf(agent: unknown): string {
  const cookies = (agent as { jar: { getCookies(a: unknown): { name: string; value: string }[] } }).jar.getCookies(CookieAccessInfo.All);
  const c = cookies.find((k) => k.name === 'keygate.sid');
  if (!c) throw new Error('no keygate.sid cookie');
  return c.value;
}
