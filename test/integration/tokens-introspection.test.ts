/**
 * RFC 7662 introspection and RFC 7009 revocation through the real HTTP app on every store:
 * the introspection client (HTTP Basic) and its 401 invalid_client, active:false for every
 * token that is not a live keygate token, revocation by the session (own tokens only) or by
 * the client (any), seen by every instance.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness } from '../helpers/harness.js';
import {
  AUD,
  TOKEN_ENV,
  CLIENT_ID,
  CLIENT_SECRET,
  clientRevoke,
  exchange,
  introspect,
  isActive,
  jwksOf,
  readmeVerify,
  signedIn,
  signedByStranger,
  tokenFor,
  tokenHarness,
  twinStores,
} from '../helpers/token-flows.js';
import { testStores } from '../helpers/test-stores.js';

describe.each(testStores().map((f) => [f.name, f] as const))('introspection and revocation on the %s store', (_name, factory) => {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });
  const open = async (): Promise<Store> => {
    const s = await factory.open();
    cleanup.push(() => s.close());
    return s;
  };
  const twins = async () => {
    const t = await twinStores(factory);
    cleanup.push(t.close);
    return t;
  };

  it('describes a live token: active, its claims, no-store', async () => {
    const h = tokenHarness(await open());
    const { agent, userId } = await signedIn(h);
    const { token, claims } = await tokenFor(agent, AUD, 'approve deploy #4711');
    const res = await introspect(h.app, token);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ active: true, sub: userId, aud: AUD, iss: h.config.tokenIssuer, jti: claims.jti, exp: claims.exp, iat: claims.iat, amr: claims.amr, acr: claims.acr, txn: 'approve deploy #4711' });
  });

  it('accepts the client in the body too (client_secret_post), and URL-encoded Basic credentials', async () => {
    const secret = 'a secret: with spaces & symbols%+/=0123456789';
    const h = tokenHarness(await open(), { INTROSPECTION_CLIENT_SECRET: secret });
    const { token } = await tokenFor((await signedIn(h)).agent);
    const post = await request(h.app).post('/token/introspect').type('form').send({ token, client_id: CLIENT_ID, client_secret: secret });
    expect([post.status, post.body.active]).toEqual([200, true]);
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before Base64.
    const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
    const basic = Buffer.from(`${enc(CLIENT_ID)}:${enc(secret)}`).toString('base64');
    const viaBasic = await request(h.app).post('/token/introspect').type('form').set('Authorization', `Basic ${basic}`).send({ token });
    expect([viaBasic.status, viaBasic.body.active]).toEqual([200, true]);
  });

  it('answers 401 invalid_client (WWW-Authenticate: Basic) for missing or wrong client credentials', async () => {
    const h = tokenHarness(await open());
    const { token } = await tokenFor((await signedIn(h)).agent);
    const attempts = [
      introspect(h.app, token, null),
      introspect(h.app, token, [CLIENT_ID, 'wrong-secret-wrong-secret-wrong-secret']),
      introspect(h.app, token, [CLIENT_ID, CLIENT_SECRET.slice(0, -1)]),
      introspect(h.app, token, ['someone-else', CLIENT_SECRET]),
      introspect(h.app, token, [CLIENT_ID, '']),
      request(h.app).post('/token/introspect').type('form').set('Authorization', 'Bearer ' + token).send({ token }),
      request(h.app).post('/token/introspect').type('form').send({ token, client_id: CLIENT_ID }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect([res.status, res.body.code, res.body.error, res.body.active]).toEqual([401, 'invalid_client', 'invalid_client', undefined]);
      expect(res.headers['www-authenticate']).toMatch(/^Basic/);
    }
  });

  it('is off (401 invalid_client for any credentials) when INTROSPECTION_CLIENT_SECRET is unset', async () => {
    const store = await open();
    const { INTROSPECTION_CLIENT_SECRET: _unset, ...env } = TOKEN_ENV;
    const h = createHarness(store, { env });
    expect(h.config.introspectionClientSecret).toBeUndefined();
    const { agent } = await signedIn(h);
    const { token, claims } = await tokenFor(agent);
    for (const creds of [[CLIENT_ID, ''], [CLIENT_ID, CLIENT_SECRET], [CLIENT_ID, 'undefined']] as [string, string][]) {
      const res = await introspect(h.app, token, creds);
      expect([res.status, res.body.code]).toEqual([401, 'invalid_client']);
    }
    const revoke = await clientRevoke(h.app, { jti: claims.jti! }, [CLIENT_ID, '']);
    expect([revoke.status, revoke.body.code]).toEqual([401, 'invalid_client']);
  });

  it('answers 400 invalid_request without a token', async () => {
    const h = tokenHarness(await open());
    const res = await request(h.app).post('/token/introspect').type('form').auth(CLIENT_ID, CLIENT_SECRET).send({});
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_request');
  });

  it('says active:false (and nothing else about it) for unknown, garbage, expired and foreign tokens', async () => {
    const h = tokenHarness(await open());
    const { agent } = await signedIn(h);
    const { token, claims } = await tokenFor(agent);
    const stranger = await signedByStranger(claims);
    const other = tokenHarness(await open(), { DATA_KEYS: `o1:${Buffer.alloc(32, 9).toString('base64')}` });
    const foreign = (await tokenFor((await signedIn(other)).agent)).token; // another keygate, same issuer name
    for (const t of ['not-a-jwt', 'a.b.c', stranger, foreign]) {
      const res = await introspect(h.app, t);
      expect(res.status).toBe(200);
      expect(res.body.active).toBe(false);
      expect(Object.keys(res.body).filter((k) => !['active', 'status', 'errorMessage'].includes(k))).toEqual([]);
    }
    expect(await isActive(h.app, token)).toBe(true);
    h.clock.set(claims.exp! * 1000 - 1);
    expect(await isActive(h.app, token)).toBe(true);
    h.clock.set(claims.exp! * 1000);
    expect(await isActive(h.app, token)).toBe(false);
  });

  it('says active:false for a token of the same ring but another issuer (TOKEN_ISSUER)', async () => {
    const t = await twins();
    const h = tokenHarness(t.a);
    const elsewhere = tokenHarness(t.b, { TOKEN_ISSUER: 'https://other.example.com' });
    elsewhere.clock.set(h.clock.now());
    const { token, header } = await tokenFor((await signedIn(elsewhere)).agent);
    expect((await jwksOf(h.app)).keys.map((k) => k.kid)).toContain(header.kid); // signature would verify
    expect(await isActive(h.app, token)).toBe(false);
    expect(await readmeVerify(token, await jwksOf(h.app), { issuer: h.config.tokenIssuer, at: h.clock.now() })).toMatchObject({ ok: false, code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
  });

  it('lets a signed-in user revoke their own token by jti or by token; introspection then says active:false', async () => {
    const h = tokenHarness(await open());
    const { agent } = await signedIn(h);
    const first = await tokenFor(agent, AUD);
    const second = await tokenFor(agent, 'https://billing.example.com');
    const byJti = await agent.post('/token/revoke').send({ jti: first.claims.jti });
    expect(byJti.status).toBe(200);
    expect(byJti.body.status).toBe('ok');
    const byToken = await agent.post('/token/revoke').type('form').send({ token: second.token });
    expect(byToken.status).toBe(200);
    expect(await isActive(h.app, first.token)).toBe(false);
    expect(await isActive(h.app, second.token)).toBe(false);
    // Revoking again by jti changes nothing and still succeeds.
    expect((await agent.post('/token/revoke').send({ jti: first.claims.jti })).status).toBe(200);
    // An offline verifier cannot know (that is what introspection is for): the README's check still passes.
    expect(await readmeVerify(first.token, await jwksOf(h.app), { issuer: h.config.tokenIssuer, at: h.clock.now() })).toMatchObject({ ok: true });
    // One sign-in, one token: revoking does not make room for another.
    expect((await exchange(agent, AUD)).status).toBe(409);
  });

  it('lets a user revoke their own token twice by token, as by jti (revoking is idempotent)', async () => {
    const h = tokenHarness(await open());
    const { agent } = await signedIn(h);
    const { token, claims } = await tokenFor(agent);
    expect((await agent.post('/token/revoke').send({ token })).status).toBe(200);
    expect((await agent.post('/token/revoke').send({ jti: claims.jti })).status).toBe(200);
    const again = await agent.post('/token/revoke').send({ token });
    expect([again.status, again.body.code]).toEqual([200, undefined]);
  });

  it('refuses a user another user\'s token and an unknown jti alike (404 unknown_token), and the anonymous (401)', async () => {
    const h = tokenHarness(await open());
    const alice = await signedIn(h, 'alice');
    const bob = await signedIn(h, 'bob');
    const alices = await tokenFor(alice.agent);
    const theirs = await bob.agent.post('/token/revoke').send({ jti: alices.claims.jti });
    const unknown = await bob.agent.post('/token/revoke').send({ jti: 'no-such-jti-at-all' });
    const byToken = await bob.agent.post('/token/revoke').send({ token: alices.token });
    for (const res of [theirs, unknown, byToken]) expect([res.status, res.body.code]).toEqual([404, 'unknown_token']);
    expect(theirs.body.errorMessage).toBe(unknown.body.errorMessage);
    expect(await isActive(h.app, alices.token)).toBe(true);
    const anonymous = await h.agent().post('/token/revoke').send({ jti: alices.claims.jti });
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'not_signed_in']);
    const csrf = await alice.agent.post('/token/revoke').set('Origin', 'https://evil.example').send({ jti: alices.claims.jti });
    expect([csrf.status, csrf.body.code]).toEqual([403, 'origin_not_allowed']);
    expect(await isActive(h.app, alices.token)).toBe(true);
  });

  it('lets the introspection client revoke any token; an unknown one is a success too (RFC 7009 §2.2)', async () => {
    const h = tokenHarness(await open());
    const alice = await tokenFor((await signedIn(h, 'alice')).agent);
    const bob = await tokenFor((await signedIn(h, 'bob')).agent);
    expect((await clientRevoke(h.app, { jti: alice.claims.jti! })).status).toBe(200);
    expect((await clientRevoke(h.app, { token: bob.token, token_type_hint: 'access_token' })).status).toBe(200);
    expect((await clientRevoke(h.app, { jti: 'no-such-jti' })).status).toBe(200);
    expect(await isActive(h.app, alice.token)).toBe(false);
    expect(await isActive(h.app, bob.token)).toBe(false);
    const wrong = await clientRevoke(h.app, { jti: alice.claims.jti! }, [CLIENT_ID, 'wrong-secret-wrong-secret-wrong-secret']);
    expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_client']);
  });

  it('keeps a revocation in the store: every instance sees it, before and after the ring cache', async () => {
    const t = await twins();
    const a = tokenHarness(t.a);
    const b = tokenHarness(t.b);
    b.clock.set(a.clock.now());
    const { agent } = await signedIn(a);
    const { token, claims } = await tokenFor(agent);
    expect(await isActive(b.app, token)).toBe(true);
    expect((await agent.post('/token/revoke').send({ jti: claims.jti })).status).toBe(200);
    expect(await isActive(b.app, token)).toBe(false);
    b.clock.advance(31_000);
    expect(await isActive(b.app, token)).toBe(false);
  });
});
