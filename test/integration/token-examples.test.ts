/**
 * The integrator examples against a real keygate (startKeygate, listening on a port), on
 * every store: `examples/verify-token.mjs` as a child process, `examples/require-keygate.mjs`
 * mounted in a small Express app on another port, and the README's jose snippet run as
 * written (only the URLs swapped for this keygate's).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import { FixedClock } from '../../server/src/lib/clock.js';
import type { Store } from '../../server/src/storage/ports.js';
import { register } from '../helpers/harness.js';
import { expectStatus } from '../helpers/second-factor-flows.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { startKeygate, type RunningKeygate } from '../helpers/start-keygate.js';
import { testStores } from '../helpers/test-stores.js';
import { algNone, AUD, AUD2, flipPayloadByte, hs256WithPublicKey, signedByStranger, TOKEN_ENV } from '../helpers/token-flows.js';
// @ts-expect-error: plain JavaScript example, no type declarations
import { requireKeygate } from '../../examples/require-keygate.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = 'examples/verify-token.mjs';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function node(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}
const verifyToken = (...args: string[]) => node([SCRIPT, ...args]);

/** A keygate with one signed-in user and that session's tokens for AUD and AUD2. */
async function keygateWithTokens(store: Store, clock?: FixedClock) {
  const kg = await startKeygate({ store, demoDir: null, env: TOKEN_ENV, ...(clock ? { clock } : {}) });
  const agent = request.agent(kg.url);
  const reg = await register(agent, new SoftAuthenticator({ rpId: 'localhost', origin: kg.url }));
  expectStatus(reg.result, 200, 'registration on the real keygate');
  const token = async (audience: string) => expectStatus(await agent.post('/token').send({ audience }), 200, `POST /token ${audience}`).body.token as string;
  return { kg, userId: reg.options.body.user.id as string, token: await token(AUD), other: await token(AUD2) };
}

function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = createServer(app).listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}
const closeServer = (s?: Server) => new Promise<void>((resolve) => (s ? (s.close(() => resolve()), s.closeAllConnections()) : resolve()));

describe.each(testStores().map((f) => [f.name, f] as const))('the integrator examples against a real keygate on the %s store', (_name, factory) => {
  let stores: Store[] = [];
  let kg: RunningKeygate;
  let past: RunningKeygate;
  let userId: string;
  let token: string;
  let otherAudience: string;
  let expired: string;
  let api: { server: Server; url: string };
  let publicJwk: Record<string, unknown>;
  let stranger: string;

  beforeAll(async () => {
    stores = [await factory.open(), await factory.open()];
    ({ kg, userId, token, other: otherAudience } = await keygateWithTokens(stores[0]!));
    // A keygate whose clock runs two hours behind: its tokens are expired in real time.
    ({ kg: past, token: expired } = await keygateWithTokens(stores[1]!, new FixedClock(Date.now() - 7_200_000)));
    publicJwk = (await request(kg.url).get('/.well-known/jwks.json')).body.keys[0];
    stranger = await signedByStranger({ iss: kg.url, sub: userId, aud: AUD, exp: Math.floor(Date.now() / 1000) + 300 });

    const app = express();
    const dead = await listen(express());
    await closeServer(dead.server); // a port nobody answers on
    app.get('/deploy', requireKeygate({ issuer: kg.url, audience: AUD }), (req, res) => res.json({ claims: (req as unknown as { keygate: unknown }).keygate }));
    app.get('/admin', requireKeygate({ issuer: kg.url, audience: AUD, acr: ['urn:keygate:acr:phr', 'urn:keygate:acr:phrh'], amr: ['mfa', 'swk'] }), (_req, res) => res.json({ ok: true }));
    app.get('/mfa-acr-only', requireKeygate({ issuer: kg.url, audience: AUD, acr: ['urn:keygate:acr:mfa'] }), (_req, res) => res.json({ ok: true }));
    app.get('/hardware-only', requireKeygate({ issuer: kg.url, audience: AUD, amr: ['hwk'] }), (_req, res) => res.json({ ok: true }));
    app.get('/billing', requireKeygate({ issuer: kg.url, audience: AUD2 }), (_req, res) => res.json({ ok: true }));
    app.get('/past', requireKeygate({ issuer: past.url, audience: AUD }), (_req, res) => res.json({ ok: true }));
    app.get('/down', requireKeygate({ issuer: dead.url, audience: AUD }), (_req, res) => res.json({ ok: true }));
    api = await listen(app);
  });
  afterAll(async () => {
    await closeServer(api?.server);
    await kg?.close();
    await past?.close();
    for (const s of stores) await s.close();
  });

  describe('examples/verify-token.mjs', () => {
    it('verifies with the issuer URL (discovery) and --audience: the claims as JSON, exit 0', async () => {
      const run = await verifyToken(kg.url, token, '--audience', AUD);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ iss: kg.url, sub: userId, aud: AUD, acr: 'urn:keygate:acr:phr', amr: ['swk', 'user', 'mfa'] });
    });

    it('verifies with the JWKS URL, the issuer taken from discovery or from --issuer', async () => {
      const [fromDiscovery, fromFlag] = await Promise.all([
        verifyToken(`${kg.url}/.well-known/jwks.json`, token, `--audience=${AUD}`),
        verifyToken(`${kg.url}/.well-known/jwks.json`, token, '--issuer', kg.url, '--audience', AUD),
      ]);
      expect([fromDiscovery.code, JSON.parse(fromDiscovery.stdout).sub]).toEqual([0, userId]);
      expect([fromFlag.code, JSON.parse(fromFlag.stdout).sub]).toEqual([0, userId]);
    });

    it('says that aud was not checked when no --audience is given', async () => {
      const run = await verifyToken(kg.url, otherAudience);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/aud/);
    });

    // One child process per case, all at once (each is a Node start-up).
    const refusals: [string, () => string[], RegExp][] = [
      ['another audience', () => [kg.url, otherAudience, '--audience', AUD], /aud/],
      ['a wrong --issuer', () => [`${kg.url}/.well-known/jwks.json`, token, '--issuer', 'https://login.example.com'], /iss/],
      ['an issuer URL the discovery document does not name', () => [kg.url.replace('localhost', '127.0.0.1'), token], /issuer/],
      ['a tampered payload', () => [kg.url, flipPayloadByte(token), '--audience', AUD], /signature/],
      ['alg none', () => [kg.url, algNone(token), '--audience', AUD], /alg|JWS/i],
      ['HS256 keyed with the public key (PEM)', () => [kg.url, hs256WithPublicKey(token, publicJwk, 'pem'), '--audience', AUD], /alg/i],
      ['HS256 keyed with the public key (JWK)', () => [kg.url, hs256WithPublicKey(token, publicJwk, 'jwk'), '--audience', AUD], /alg/i],
      ['an expired token', () => [past.url, expired, '--audience', AUD], /exp/],
      ['garbage', () => [kg.url, 'not-a-jwt'], /JWS|JWT/],
      ['a token signed by an unknown key', () => [kg.url, stranger, '--audience', AUD], /ERR_JWKS_NO_MATCHING_KEY/],
    ];
    it('refuses each forged, expired, foreign or mis-addressed token in the table: why on stderr, exit 1', async () => {
      const runs = await Promise.all(refusals.map(([, args]) => verifyToken(...args())));
      refusals.forEach(([what, , why], i) => {
        const run = runs[i]!;
        expect({ what, code: run.code, stdout: run.stdout, why: why.test(run.stderr) ? 'matches' : run.stderr }).toEqual({ what, code: 1, stdout: '', why: 'matches' });
      });
    });

    it('exits 1 when keygate cannot be reached, and 2 on bad usage', async () => {
      const dead = await listen(express());
      await closeServer(dead.server);
      const [unreachable, usage, noValue, notUrl] = await Promise.all([verifyToken(dead.url, token), verifyToken(kg.url), verifyToken(kg.url, token, '--audience'), verifyToken('not a url', token)]);
      expect(unreachable.code).toBe(1);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/usage/);
      expect([noValue.code, notUrl.code]).toEqual([2, 2]);
    });
  });

  describe('the README snippet, as written', () => {
    it('verifies the token and refuses a forged one', async () => {
      const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
      const section = readme.slice(readme.indexOf('### Tokens for integrators'));
      const snippet = /```js\n([\s\S]*?)```/.exec(section)![1]!;
      expect(snippet).toContain("algorithms: ['ES256', 'EdDSA', 'RS256']");
      const code = `const token = process.argv[1];\n${snippet.replaceAll('https://login.example.com', kg.url).replaceAll('https://deploy.example.com', AUD)}\nconsole.log(JSON.stringify(payload));`;
      const good = await node(['--input-type=module', '--eval', code, token]);
      expect(good.stderr).toBe('');
      expect(JSON.parse(good.stdout).sub).toBe(userId);
      const forgeries = [algNone(token), hs256WithPublicKey(token, publicJwk, 'jwk'), flipPayloadByte(token), otherAudience];
      for (const bad of await Promise.all(forgeries.map((forged) => node(['--input-type=module', '--eval', code, forged])))) {
        expect(bad.code).not.toBe(0);
        expect(bad.stdout).toBe('');
      }
    });
  });

  describe('examples/require-keygate.mjs in an Express app', () => {
    const call = (path: string, authorization?: string) => fetch(`${api.url}${path}`, { headers: authorization ? { authorization } : {} });

    it('admits a valid token and hands the claims to the route as req.keygate', async () => {
      const res = await call('/deploy', `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect((await res.json()).claims).toMatchObject({ sub: userId, aud: AUD, iss: kg.url, amr: ['swk', 'user', 'mfa'] });
      expect((await call('/billing', `Bearer ${otherAudience}`)).status).toBe(200);
    });

    it('answers 401 invalid_token JSON with WWW-Authenticate: Bearer without a usable token', async () => {
      const cases: [string, string | undefined][] = [
        ['/deploy', undefined],
        ['/deploy', `Basic ${Buffer.from('a:b').toString('base64')}`],
        ['/deploy', 'Bearer'],
        ['/deploy', 'Bearer not-a-jwt'],
        ['/deploy', `Bearer ${otherAudience}`],
        ['/billing', `Bearer ${token}`],
        ['/deploy', `Bearer ${flipPayloadByte(token)}`],
        ['/deploy', `Bearer ${algNone(token)}`],
        ['/deploy', `Bearer ${hs256WithPublicKey(token, publicJwk, 'pem')}`],
        ['/deploy', `Bearer ${stranger}`],
        ['/past', `Bearer ${expired}`],
      ];
      for (const [path, authorization] of cases) {
        const res = await call(path, authorization);
        const body = await res.json();
        expect([path, authorization?.slice(0, 20), res.status, body.error]).toEqual([path, authorization?.slice(0, 20), 401, 'invalid_token']);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
        expect(res.headers.get('content-type')).toMatch(/json/);
      }
    });

    it('checks acr (one of) and amr (all of): 403 insufficient_user_authentication when the sign-in proves too little', async () => {
      expect((await call('/admin', `Bearer ${token}`)).status).toBe(200);
      for (const path of ['/mfa-acr-only', '/hardware-only']) {
        const res = await call(path, `Bearer ${token}`);
        expect([path, res.status]).toEqual([path, 403]);
        expect((await res.json()).error).toBe('insufficient_user_authentication');
        expect(res.headers.get('www-authenticate')).toMatch(/insufficient_user_authentication/);
      }
    });

    it('answers 503 when keygate\'s JWKS cannot be fetched (not a 401: the token may be fine)', async () => {
      const res = await call('/down', `Bearer ${token}`);
      expect(res.status).toBe(503);
      expect((await res.json()).error).toBe('temporarily_unavailable');
    });

    it('refuses to be configured without issuer or audience', () => {
      expect(() => requireKeygate({ audience: AUD })).toThrow(TypeError);
      expect(() => requireKeygate({ issuer: kg.url })).toThrow(TypeError);
      expect(() => requireKeygate({ issuer: kg.url, audience: AUD, acr: [] })).toThrow(TypeError);
    });
  });
});
