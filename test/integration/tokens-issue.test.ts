/**
 * POST /token and the discovery documents, through the real HTTP app on every store: the
 * JWKS (public halves only, cacheable), the discovery document, the claims of an issued
 * token, and each refusal (invalid_audience, sign_in_too_old, token_already_issued: atomic
 * even when exchanges race, on one instance or two).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import request from 'supertest';
import type { Store } from '../../server/src/storage/ports.js';
import { signIn } from '../helpers/harness.js';
import { ACR, PASSWORD, passwordRequest, signUpWithTotp } from '../helpers/second-factor-flows.js';
import { AUD, AUD2, exchange, jwksOf, readmeVerify, signedIn, signInAgain, tokenFor, tokenHarness, twinStores } from '../helpers/token-flows.js';
import { testStores } from '../helpers/test-stores.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

describe.each(testStores().map((f) => [f.name, f] as const))('POST /token and discovery on the %s store', (_name, factory) => {
  let store: Store | undefined;
  let closeTwins: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await store?.close();
    await closeTwins?.();
    store = undefined;
    closeTwins = undefined;
  });
  const open = async () => (store = await factory.open());

  it('publishes the discovery document: issuer, jwks_uri and only asymmetric algorithms, cacheable for JWKS_MAX_AGE_SECONDS', async () => {
    const h = tokenHarness(await open(), { TOKEN_ISSUER: 'https://login.example.com', JWKS_MAX_AGE_SECONDS: '120' });
    const res = await h.agent().get('/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toMatch(/max-age=120\b/);
    expect(res.body).toMatchObject({
      issuer: 'https://login.example.com',
      jwks_uri: 'https://login.example.com/.well-known/jwks.json',
      introspection_endpoint: 'https://login.example.com/token/introspect',
      revocation_endpoint: 'https://login.example.com/token/revoke',
    });
    const algs = res.body.id_token_signing_alg_values_supported as string[];
    expect(algs).toEqual(expect.arrayContaining(['ES256']));
    expect(algs.filter((a) => a === 'none' || a.startsWith('HS'))).toEqual([]);
  });

  it.each(['ES256', 'EdDSA', 'RS256'])('publishes only the public half of a %s key, with kid, alg and use, cacheable', async (alg) => {
    const h = tokenHarness(await open(), { TOKEN_SIGNING_ALG: alg, JWKS_MAX_AGE_SECONDS: '120' });
    const res = await h.agent().get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toMatch(/max-age=120\b/);
    expect(res.body.keys).toHaveLength(1);
    const [key] = res.body.keys;
    expect(key).toMatchObject({ alg, use: 'sig', kty: { ES256: 'EC', EdDSA: 'OKP', RS256: 'RSA' }[alg] });
    expect(typeof key.kid).toBe('string');
    for (const m of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(m);
    // ...and a token signed with it verifies as the README says.
    const { agent } = await signedIn(h);
    const { token, header } = await tokenFor(agent);
    expect(header).toMatchObject({ alg, kid: key.kid });
    const verdict = await readmeVerify(token, res.body, { issuer: h.config.tokenIssuer, at: h.clock.now() });
    expect(verdict).toMatchObject({ ok: true });
  });

  it('issues a JWT with iss, sub, aud, iat, nbf, exp, jti, auth_time, amr, acr (as the session recorded) and txn', async () => {
    const h = tokenHarness(await open(), { TOKEN_TTL_SECONDS: '600' });
    const { agent, auth, userId } = await signedIn(h);
    h.clock.advance(7_000); // the token's iat is the exchange, auth_time the sign-in
    const session = (await agent.get('/session')).body.session;
    const { res, header, claims } = await tokenFor(agent, AUD, 'approve deploy #4711');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.expiresIn).toBe(600);
    const now = Math.floor(h.clock.now().getTime() / 1000);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    expect(header.kid).toBe((await jwksOf(h.app)).keys[0]!.kid);
    expect(claims).toEqual({
      iss: h.config.tokenIssuer,
      sub: userId,
      aud: AUD,
      iat: now,
      nbf: now,
      exp: now + 600,
      jti: expect.any(String),
      auth_time: session.authTime,
      amr: ['swk', 'user', 'mfa'],
      acr: ACR.phr,
      txn: 'approve deploy #4711',
    });
    expect(claims.auth_time).toBe(now - 7);
    // No txn asked for: no txn claim; every token its own jti.
    const other = await tokenFor(agent, AUD2);
    expect(other.claims).not.toHaveProperty('txn');
    expect(other.claims.aud).toBe(AUD2);
    const again = await tokenFor(await signInAgain(h, auth));
    expect(new Set([claims.jti, other.claims.jti, again.claims.jti]).size).toBe(3);
  });

  it('carries amr/acr of a password + TOTP sign-in as that session recorded them', async () => {
    const h = tokenHarness(await open(), { PASSWORD_LOGIN: 'true' });
    const { agent } = await signUpWithTotp(h, 'bob');
    const session = (await agent.get('/session')).body.session;
    const { claims } = await tokenFor(agent);
    expect(claims.amr).toEqual(session.amr);
    expect(claims.acr).toBe(session.acr);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    expect(claims.acr).toBe(ACR.mfa);
  });

  it('refuses without a sign-in (not_signed_in), with only a password given (half sign-in), and a foreign Origin', async () => {
    const h = tokenHarness(await open(), { PASSWORD_LOGIN: 'true' });
    const anonymous = await exchange(h.agent());
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('not_signed_in');
    const { agent } = await signUpWithTotp(h, 'bob');
    const half = h.agent();
    expect((await passwordRequest(half, 'bob', PASSWORD)).status).toBe(200);
    const halfRes = await exchange(half);
    expect(halfRes.status).toBe(401);
    expect(halfRes.body.token).toBeUndefined();
    const csrf = await agent.post('/token').set('Origin', 'https://evil.example').send({ audience: AUD });
    expect(csrf.status).toBe(403);
    expect(csrf.body.code).toBe('origin_not_allowed');
    // The refused cross-site call used nothing up: the real page still gets its token.
    expect((await exchange(agent)).status).toBe(200);
  });

  it('refuses an audience outside TOKEN_AUDIENCES with 400 invalid_audience (exact match only)', async () => {
    const h = tokenHarness(await open());
    const { agent } = await signedIn(h);
    for (const audience of ['https://evil.example', `${AUD}/`, AUD.toUpperCase(), `${AUD},${AUD2}`, ' ' + AUD]) {
      const res = await exchange(agent, audience);
      expect([res.status, res.body.code, res.body.token]).toEqual([400, 'invalid_audience', undefined]);
    }
    const malformed = await agent.post('/token').send({ audience: [AUD] });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('invalid_request');
    // The refusals claimed nothing: the right audience still works.
    expect((await exchange(agent, AUD)).status).toBe(200);
  });

  it('issues nothing at all when TOKEN_AUDIENCES is empty', async () => {
    const h = tokenHarness(await open(), { TOKEN_AUDIENCES: '' });
    const { agent } = await signedIn(h);
    const res = await exchange(agent, AUD);
    expect([res.status, res.body.code]).toEqual([400, 'invalid_audience']);
  });

  it('refuses a sign-in older than TOKEN_MAX_AUTH_AGE_SECONDS with 403 sign_in_too_old; a fresh sign-in gets one', async () => {
    const h = tokenHarness(await open(), { TOKEN_MAX_AUTH_AGE_SECONDS: '60' });
    const { agent, auth } = await signedIn(h);
    const { agent: second } = await signedIn(h, 'carol');
    h.clock.advance(60_000);
    expect((await exchange(agent)).status).toBe(200); // exactly the limit: still fresh
    h.clock.advance(1_000);
    const old = await exchange(second);
    expect([old.status, old.body.code, old.body.token]).toEqual([403, 'sign_in_too_old', undefined]);
    const fresh = await signInAgain(h, auth);
    expect((await exchange(fresh, AUD2)).status).toBe(200);
  });

  it('gives one token per sign-in and audience: a second exchange is 409 token_already_issued', async () => {
    const h = tokenHarness(await open());
    const { agent, auth } = await signedIn(h);
    expect((await exchange(agent)).status).toBe(200);
    const second = await exchange(agent);
    expect([second.status, second.body.code, second.body.token]).toEqual([409, 'token_already_issued', undefined]);
    expect((await exchange(agent, AUD, 'another txn')).status).toBe(409); // a txn does not make it another exchange
    expect((await exchange(agent, AUD2)).status).toBe(200); // another audience is another token
    expect((await exchange(await signInAgain(h, auth))).status).toBe(200); // a new sign-in is another token
  });

  it('lets exactly one of 12 concurrent exchanges of one sign-in win', async () => {
    const h = tokenHarness(await open());
    const { agent } = await signedIn(h);
    const replies = await Promise.all(Array.from({ length: 12 }, () => exchange(agent)));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(11).fill(409)]);
    expect(replies.filter((r) => r.status === 409).every((r) => r.body.code === 'token_already_issued')).toBe(true);
  });

  it('lets exactly one of concurrent exchanges win across two instances on one store', async () => {
    const twins = await twinStores(factory);
    closeTwins = twins.close;
    const a = tokenHarness(twins.a);
    const b = tokenHarness(twins.b);
    b.clock.set(a.clock.now());
    const { auth } = await signedIn(a);
    const signedInNow = await signIn(a.agent(), auth);
    const cookie = (signedInNow.result.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
    // The same session cookie presented to both instances (they share SESSION_SECRET).
    const via = (h: typeof a) => () => request(h.app).post('/token').set('Cookie', cookie).send({ audience: AUD });
    const viaA = via(a);
    const viaB = via(b);
    expect((await request(b.app).get('/session').set('Cookie', cookie)).body.signedIn).toBe(true);
    const replies = await Promise.all([viaA(), viaB(), viaA(), viaB(), viaA(), viaB()]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
  });

  it('refuses a txn that is too long or carries control characters (400 invalid_request), claiming nothing', async () => {
    const h = tokenHarness(await open());
    const { agent } = await signedIn(h);
    for (const txn of ['x'.repeat(257), 'approve\u0000deploy', 'approve\u202edeploy', '']) {
      const res = await exchange(agent, AUD, txn);
      expect([res.status, res.body.code]).toEqual([400, 'invalid_request']);
    }
    expect((await exchange(agent, AUD, 'x'.repeat(256))).status).toBe(200);
  });

  it('keeps "one sign-in, one token" after the expired claim is swept (as MongoDB\'s TTL monitor does)', async () => {
    // TOKEN_TTL_SECONDS below TOKEN_MAX_AUTH_AGE_SECONDS: the token expires while its sign-in is still fresh.
    const t = await twinStores(factory);
    closeTwins = t.close;
    const h = tokenHarness(t.a, { TOKEN_TTL_SECONDS: '60', TOKEN_MAX_AUTH_AGE_SECONDS: '120' });
    const { agent } = await signedIn(h);
    expect((await exchange(agent)).status).toBe(200);
    h.clock.advance(61_000);
    if (t.uri) {
      // A real mongod's TTL monitor deletes `issued_tokens` once `expiresAt` passed (the test server never sweeps).
      const client = await MongoClient.connect(t.uri);
      try {
        await client.db(t.dbName).collection('issued_tokens').deleteMany({ expiresAt: { $lte: h.clock.now() } });
      } finally {
        await client.close();
      }
    }
    const again = await exchange(agent);
    expect([again.status, again.body.code]).toEqual([409, 'token_already_issued']);
  });
});
