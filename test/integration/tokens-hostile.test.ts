/**
 * Tokens an attacker would try, through the real HTTP app on every store. Each must be
 * refused twice: by keygate's introspection (active:false) AND by a verifier configured as
 * the README shows (jose jwtVerify, keygate's published JWKS, issuer, audience and the
 * algorithm allow-list ES256/EdDSA/RS256). What keygate refuses to issue at all (wrong
 * audience, stale sign-in, second exchange) gets no token in the first place.
 */
import { createPublicKey } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Store } from '../../server/src/storage/ports.js';
import type { Harness } from '../helpers/harness.js';
import {
  algNone,
  AUD,
  AUD2,
  exchange,
  flipPayloadByte,
  hs256WithPublicKey,
  isActive,
  jwksOf,
  readmeVerify,
  signedByStranger,
  signedIn,
  tokenFor,
  tokenHarness,
  twinStores,
  withClaims,
} from '../helpers/token-flows.js';
import { testStores } from '../helpers/test-stores.js';

describe.each(testStores().map((f) => [f.name, f] as const))('hostile tokens on the %s store', (_name, factory) => {
  let store: Store;
  let h: Harness;
  let token: string;
  let claims: JWTPayload;
  let kid: string;
  let jwks: JSONWebKeySet;
  let extra: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    store = await factory.open();
    h = tokenHarness(store);
    ({ token, claims, header: { kid } } = (await tokenFor((await signedIn(h)).agent)) as { token: string; claims: JWTPayload; header: { kid: string } });
    jwks = await jwksOf(h.app);
  });
  afterEach(async () => {
    for (const c of extra) await c();
    extra = [];
    await store.close();
  });

  /** Both verifiers, at the harness clock: introspection's `active` and the README check's verdict. */
  async function judge(t: string, o: { audience?: string } = {}) {
    return {
      introspection: await isActive(h.app, t),
      readme: await readmeVerify(t, jwks, { issuer: h.config.tokenIssuer, audience: o.audience, at: h.clock.now() }),
    };
  }
  const refused = (code: string | RegExp) => ({ introspection: false, readme: { ok: false, code: typeof code === 'string' ? code : expect.stringMatching(code) } });

  it('accepts the genuine token both ways (the baseline every refusal below differs from by one thing)', async () => {
    expect(await judge(token)).toEqual({ introspection: true, readme: { ok: true, payload: claims } });
  });

  it('refuses to issue for a wrong audience, a stale sign-in or a second exchange: no token at all', async () => {
    const { agent } = await signedIn(h, 'bob');
    const wrong = await exchange(agent, 'https://evil.example');
    expect([wrong.status, wrong.body.code, wrong.body.token]).toEqual([400, 'invalid_audience', undefined]);
    expect((await exchange(agent, AUD)).status).toBe(200);
    const second = await exchange(agent, AUD);
    expect([second.status, second.body.code, second.body.token]).toEqual([409, 'token_already_issued', undefined]);
    h.clock.advance((h.config.tokenMaxAuthAgeSeconds + 1) * 1000);
    const stale = await exchange(agent, AUD2);
    expect([stale.status, stale.body.code, stale.body.token]).toEqual([403, 'sign_in_too_old', undefined]);
  });

  it('refuses a token for another audience at a verifier for this one (introspection reports its aud)', async () => {
    const { readme } = await judge(token, { audience: AUD2 });
    expect(readme).toMatchObject({ ok: false, code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
    expect((readme as { message: string }).message).toMatch(/aud/);
  });

  it('refuses a tampered token: one payload byte flipped, signature kept', async () => {
    const t = flipPayloadByte(token);
    expect(t.split('.')[2]).toBe(token.split('.')[2]);
    expect(t).not.toBe(token);
    expect(await judge(t)).toMatchObject(refused('ERR_JWS_SIGNATURE_VERIFICATION_FAILED'));
  });

  it.each([
    ['another sub', { sub: 'someone-else' }],
    ['a stronger acr', { acr: 'urn:keygate:acr:phrh' }],
    ['amr with hwk', { amr: ['hwk', 'user', 'mfa'] }],
    ['another aud', { aud: AUD2 }],
    ['a later exp', { exp: 4_102_444_800 }],
  ])('refuses a tampered token with %s, signature kept', async (_what, changes) => {
    expect(await judge(withClaims(token, changes))).toMatchObject(refused('ERR_JWS_SIGNATURE_VERIFICATION_FAILED'));
  });

  it('refuses an expired token once the clock passes exp (and not a second before)', async () => {
    h.clock.set(claims.exp! * 1000 - 1_000);
    expect(await judge(token)).toMatchObject({ introspection: true, readme: { ok: true } });
    h.clock.set(claims.exp! * 1000 + 1_000);
    expect(await judge(token)).toMatchObject(refused('ERR_JWT_EXPIRED'));
  });

  it('refuses a token signed by an unknown key (unknown kid)', async () => {
    expect(await judge(await signedByStranger(claims))).toMatchObject(refused('ERR_JWKS_NO_MATCHING_KEY'));
  });

  it('refuses a token signed by another key under keygate\'s kid', async () => {
    expect(await judge(await signedByStranger(claims, { kid }))).toMatchObject(refused('ERR_JWS_SIGNATURE_VERIFICATION_FAILED'));
  });

  it('refuses a token carrying its own key in the header (embedded jwk, CVE-2018-0114 style)', async () => {
    expect(await judge(await signedByStranger(claims, { kid, embedJwk: true }))).toMatchObject(refused('ERR_JWS_SIGNATURE_VERIFICATION_FAILED'));
    expect(await judge(await signedByStranger(claims, { embedJwk: true }))).toMatchObject(refused('ERR_JWKS_NO_MATCHING_KEY'));
  });

  it('refuses `alg: none` (unsecured JWT, empty signature)', async () => {
    const t = algNone(token);
    expect(t.endsWith('.')).toBe(true);
    expect(await judge(t)).toMatchObject(refused(/^ERR_JOSE_ALG_NOT_ALLOWED$|^ERR_JWS_INVALID$/));
    // Even with the signature left in place.
    expect(await judge(`${t}${token.split('.')[2]}`)).toMatchObject(refused(/^ERR_JOSE_ALG_NOT_ALLOWED$|^ERR_JWS_INVALID$/));
  });

  it.each(['jwk', 'pem'] as const)('refuses HS256 keyed with keygate\'s public key (as %s): the algorithm-confusion attack', async (form) => {
    const publicJwk = jwks.keys.find((k) => k.kid === kid)!;
    const forged = hs256WithPublicKey(token, publicJwk, form);
    // A real forgery: a verifier that let HS256 through with the public key as secret would accept it.
    const secret = form === 'jwk' ? JSON.stringify(publicJwk) : (createPublicKey({ key: publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string);
    await expect(jwtVerify(forged, new TextEncoder().encode(secret), { algorithms: ['HS256'], currentDate: h.clock.now() })).resolves.toMatchObject({ payload: { sub: claims.sub } });
    expect(await judge(forged)).toMatchObject(refused('ERR_JOSE_ALG_NOT_ALLOWED'));
  });

  it('refuses a token from another keygate (other store and keys)', async () => {
    const otherStore = await factory.open();
    extra.push(() => otherStore.close());
    const other = tokenHarness(otherStore, { DATA_KEYS: `o1:${Buffer.alloc(32, 3).toString('base64')}` });
    const foreign = (await tokenFor((await signedIn(other)).agent)).token;
    expect(await judge(foreign)).toMatchObject(refused('ERR_JWKS_NO_MATCHING_KEY'));
  });

  it('refuses a token of an instance with a clock running ahead until its nbf (no leeway)', async () => {
    const t = await twinStores(factory);
    extra.push(t.close);
    const ahead = tokenHarness(t.a);
    ahead.clock.set(h.clock.now().getTime() + 3_600_000);
    const here = tokenHarness(t.b);
    here.clock.set(h.clock.now());
    const early = (await tokenFor((await signedIn(ahead)).agent)).token;
    expect(await isActive(here.app, early)).toBe(false);
    const keys = await jwksOf(here.app);
    expect(await readmeVerify(early, keys, { issuer: here.config.tokenIssuer, at: here.clock.now() })).toMatchObject({ ok: false, code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
    here.clock.set(ahead.clock.now());
    expect(await isActive(here.app, early)).toBe(true);
  });

  it('refuses structurally broken tokens without a 500', async () => {
    const [hh, p, s] = token.split('.') as [string, string, string];
    for (const t of [`${hh}.${p}`, `${hh}..${s}`, `${hh}.${p}.${s}.${s}`, `!!.${p}.${s}`, `${hh}.${p}.${s}=`, 'x'.repeat(8192)]) {
      expect(await judge(t)).toMatchObject({ introspection: false, readme: { ok: false } });
    }
  });
});
