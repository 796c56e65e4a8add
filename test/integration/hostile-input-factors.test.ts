/**
 * Hostile and broken input on the second-factor endpoints: malformed JSON, wrong types,
 * oversized bodies, deep nesting, cross-site origins, huge strings and unknown sessions all
 * get a 4xx with a stable `code`, never a 500, and write nothing. On every store.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { testStores } from '../helpers/test-stores.js';

type Method = 'post' | 'put';
const ENDPOINTS: [Method, string][] = [
  ['post', '/login/password'],
  ['post', '/login/totp'],
  ['post', '/login/recovery-code'],
  ['post', '/signup/password'],
  ['put', '/account/password'],
  ['post', '/account/totp'],
  ['post', '/account/totp/confirm'],
  ['post', '/account/recovery-codes'],
];
const CODES = new Set(['malformed_json', 'invalid_request', 'not_signed_in', 'no_pending_sign_in', 'invalid_credentials', 'invalid_username', 'weak_password', 'body_too_large', 'unsupported_media_type', 'origin_not_allowed']);

describe.each(testStores().map((f) => [f.name, f] as const))('hostile input to second-factor endpoints on the %s store', (_name, factory) => {
  let store: Store;
  let h: Harness;
  beforeAll(async () => {
    store = await factory.open();
    h = createHarness(store, { env: { PASSWORD_LOGIN: 'true', LOCKOUT_THRESHOLD: '1000', LOCKOUT_IP_THRESHOLD: '1000' } });
  });
  afterAll(async () => {
    await store?.close();
  });
  const send = (method: Method, path: string) => h.agent()[method](path);

  describe.each(ENDPOINTS)('%s %s', (method, path) => {
    it('answers malformed JSON with 400 malformed_json', async () => {
      const res = await send(method, path).set('Content-Type', 'application/json').send('{"code": ');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: 'failed', code: 'malformed_json' });
    });

    it('answers a body over the limit with 413 body_too_large', async () => {
      const res = await send(method, path).set('Content-Type', 'application/json').send(JSON.stringify({ password: 'x'.repeat(70 * 1024) }));
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('body_too_large');
    });

    it('answers a non-JSON content type with 415', async () => {
      const res = await send(method, path).set('Content-Type', 'application/x-www-form-urlencoded').send('username=alice&password=hunter22');
      expect(res.status).toBe(415);
      expect(res.body.code).toBe('unsupported_media_type');
    });

    it.each([['null'], ['[]'], ['"text"'], ['42'], ['{}'], ['{"username": 5, "password": []}'], ['{"code": {"$ne": null}}'], ['{"code": 123456}'], ['{"newPassword": true}'], [`{"username":"a","password":"${'p'.repeat(2000)}"}`], [`{"code":"${'1'.repeat(100)}"}`]])(
      'answers %s with a 4xx and a stable code',
      async (body) => {
        const res = await send(method, path).set('Content-Type', 'application/json').send(body);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(CODES).toContain(res.body.code);
      },
    );

    it('refuses deeply nested JSON with 400', async () => {
      const deep = '['.repeat(20_000) + ']'.repeat(20_000);
      const res = await send(method, path).set('Content-Type', 'application/json').send(`{"code":${deep}}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_request');
    });

    it('refuses a cross-site Origin (origin_not_allowed)', async () => {
      const res = await send(method, path).set('Origin', 'https://evil.example').send({ username: 'alice', password: 'correct horse', code: '123456' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('origin_not_allowed');
    });
  });

  it('writes nothing for refused sign-ups', async () => {
    const username = `u${randomBytes(4).toString('hex')}`;
    for (const body of [{ username, password: 'short' }, { username, password: username.toUpperCase() + '' }, { username: '\u200bhidden', password: 'long enough password' }, { username, password: 5 }]) {
      const res = await h.agent().post('/signup/password').send(body);
      expect(res.status).toBe(400);
      expect(['weak_password', 'invalid_username', 'invalid_request']).toContain(res.body.code);
    }
    expect(await store.users.findByUsername(username)).toBeUndefined();
  });

  it('answers unusual but well-formed strings without a 500', async () => {
    for (const password of ['\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000', '\ud800\ud800\ud800\ud800\ud800\ud800\ud800\ud800', '🔑'.repeat(64), 'a\u0301'.repeat(10)]) {
      const res = await h.agent().post('/login/password').send({ username: 'nobody-here', password });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_credentials');
    }
  });
});
