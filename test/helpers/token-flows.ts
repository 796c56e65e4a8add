/**
 * Token flows for integration tests, through the real HTTP app: a harness configured for
 * tokens, a signed-in agent, the exchange, introspection and revocation requests, the
 * verifier the README shows (jose `jwtVerify` on a JWKS with an algorithm allow-list), the
 * forgeries an attacker would try, and "two instances on one store".
 *
 * Helpers that set something up throw a descriptive Error when a step does not answer as
 * expected; helpers named after ONE request return the supertest reply for the test to judge.
 */
import { createHmac, createPublicKey, randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';
import request, { type Response } from 'supertest';
import { silentLogger } from '../../server/src/lib/logger.js';
import { openMongoStore } from '../../server/src/storage/mongo/mongo-store.js';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness, register, signIn, type Agent, type Harness } from './harness.js';
import type { SoftAuthenticator } from './soft-authenticator.js';
import { expectStatus } from './second-factor-flows.js';
import type { StoreFactory } from './test-stores.js';

/** The README's audience, so its snippet runs unchanged but for the host. */
export const AUD = 'https://deploy.example.com';
export const AUD2 = 'https://billing.example.com';
export const CLIENT_ID = 'keygate-introspection';
export const CLIENT_SECRET = 'introspection-secret-introspection-secret';
/** Fixed, so every instance on a shared store can open the ring's private halves. */
export const DATA_KEYS = `t1:${Buffer.alloc(32, 7).toString('base64')}`;
/** What the README tells integrators to allow: never `none`, never an HMAC. */
export const README_ALGORITHMS = ['ES256', 'EdDSA', 'RS256'];
export const TOKEN_ENV: Record<string, string> = {
  TOKEN_AUDIENCES: `${AUD},${AUD2}`,
  INTROSPECTION_CLIENT_SECRET: CLIENT_SECRET,
  DATA_KEYS,
};

/** A harness that issues tokens for AUD and AUD2 and has an introspection client (plus `env`). */
export function tokenHarness(store: Store, env: Record<string, string> = {}): Harness {
  return createHarness(store, { env: { ...TOKEN_ENV, ...env } });
}

/** The dependencies `rotateKeys` / `keyRing` take, from a harness. */
export function ringDeps(h: Harness) {
  return { store: h.store, clock: h.clock, config: h.config, logger: silentLogger };
}

/** Registers `username` with a UV key from a fresh agent (registration signs in): swk+user+mfa, acr phr. */
export async function signedIn(h: Harness, username = 'alice') {
  const agent = h.agent();
  const auth = h.authenticator();
  const reg = await register(agent, auth, { username });
  expectStatus(reg.result, 200, `registering ${username}`);
  return { agent, auth, userId: reg.options.body.user.id as string };
}

/** A fresh sign-in (new session) with `auth` from a new agent, at the harness clock's now. */
export async function signInAgain(h: Harness, auth: SoftAuthenticator, username = 'alice'): Promise<Agent> {
  const agent = h.agent();
  expectStatus((await signIn(agent, auth, { username })).result, 200, `signing ${username} in`);
  return agent;
}

// One request each.
export const exchange = (agent: Agent, audience = AUD, txn?: string) => agent.post('/token').send({ audience, ...(txn !== undefined ? { txn } : {}) });
export const jwksOf = async (target: Express | string): Promise<JSONWebKeySet> => expectStatus(await request(target).get('/.well-known/jwks.json'), 200, 'GET jwks').body;
export const kidsOf = async (target: Express | string): Promise<string[]> => (await jwksOf(target)).keys.map((k) => k.kid!);

/** POST /token/introspect, form-encoded, HTTP Basic (`null`: no credentials). */
export function introspect(target: Express | string, token: string, creds: [string, string] | null = [CLIENT_ID, CLIENT_SECRET]) {
  const req = request(target).post('/token/introspect').type('form');
  return (creds ? req.auth(creds[0], creds[1]) : req).send({ token });
}

/** Whether keygate's introspection calls the token active (throws on anything but a 200). */
export async function isActive(target: Express | string, token: string): Promise<boolean> {
  const res = expectStatus(await introspect(target, token), 200, 'POST /token/introspect');
  if (typeof res.body.active !== 'boolean') throw new Error(`introspection without a boolean active: ${JSON.stringify(res.body)}`);
  return res.body.active;
}

/** POST /token/revoke as the introspection client (form-encoded, HTTP Basic). */
export function clientRevoke(target: Express | string, body: Record<string, string>, creds: [string, string] = [CLIENT_ID, CLIENT_SECRET]) {
  return request(target).post('/token/revoke').type('form').auth(creds[0], creds[1]).send(body);
}

/** POST /token, expecting a token: returns it with its decoded header and claims. */
export async function tokenFor(agent: Agent, audience = AUD, txn?: string) {
  const res = expectStatus(await exchange(agent, audience, txn), 200, `POST /token ${audience}`);
  const token = res.body.token as string;
  return { token, res, header: decodeProtectedHeader(token), claims: decodeJwt(token) };
}

export type Verdict = { ok: true; payload: JWTPayload } | { ok: false; code: string; message: string };

/**
 * The README's verifier: `jwtVerify(token, <JWKS>, { issuer, audience, algorithms })`, with
 * the JWKS keygate published (createLocalJWKSet of GET /.well-known/jwks.json, or a remote
 * set) and the test's time as `currentDate`. Never throws: a refusal is `{ ok: false, code }`.
 */
export async function readmeVerify(
  token: string,
  jwks: JSONWebKeySet | Parameters<typeof jwtVerify>[1],
  o: { issuer: string; audience?: string; at?: Date },
): Promise<Verdict> {
  const keys = typeof jwks === 'function' ? jwks : createLocalJWKSet(jwks as JSONWebKeySet);
  try {
    const { payload } = await jwtVerify(token, keys as Parameters<typeof jwtVerify>[1] & ((...a: never[]) => unknown), {
      issuer: o.issuer,
      audience: o.audience ?? AUD,
      algorithms: README_ALGORITHMS,
      ...(o.at ? { currentDate: o.at } : {}),
    });
    return { ok: true, payload };
  } catch (err) {
    return { ok: false, code: (err as { code?: string }).code ?? 'not_a_jose_error', message: (err as Error).message };
  }
}

// ---- forgeries ----------------------------------------------------------------------

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');
const parts = (token: string) => {
  const [h, p, s] = token.split('.');
  if (h === undefined || p === undefined || s === undefined) throw new Error(`not a JWS: ${token}`);
  return { h, p, s, header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>, payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown> };
};

/** The token with its payload changed (`changes` merged in), header and signature kept. */
export function withClaims(token: string, changes: Record<string, unknown>): string {
  const { h, s, payload } = parts(token);
  return `${h}.${b64(JSON.stringify({ ...payload, ...changes }))}.${s}`;
}

/** The token with ONE byte of its decoded payload changed (a digit of `exp` bumped), header and signature kept. */
export function flipPayloadByte(token: string): string {
  const { h, p, s } = parts(token);
  const bytes = Buffer.from(p, 'base64url');
  const at = bytes.indexOf('"exp":') + 6;
  bytes[at] = bytes[at] === 0x39 ? 0x38 : bytes[at]! + 1; // still valid JSON, a later exp
  return `${h}.${bytes.toString('base64url')}.${s}`;
}

/** `alg: none` with the same claims and an empty signature (RFC 7519 §6 unsecured JWT). */
export function algNone(token: string): string {
  const { p, header } = parts(token);
  return `${b64(JSON.stringify({ alg: 'none', typ: 'JWT', kid: header.kid }))}.${p}.`;
}

/** `alg: HS256` keyed with keygate's PUBLIC key (the JWK as JSON, or its SPKI PEM): the classic confusion. */
export function hs256WithPublicKey(token: string, publicJwk: JWK, form: 'jwk' | 'pem'): string {
  const { p, header } = parts(token);
  const secret = form === 'jwk' ? JSON.stringify(publicJwk) : (createPublicKey({ key: publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string);
  const h = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: header.kid }));
  return `${h}.${p}.${createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`;
}

/** The same claims signed by a key keygate never had, with header `kid` (default: a random one); `embedJwk` puts its public key in the header. */
export async function signedByStranger(claims: JWTPayload, o: { kid?: string; embedJwk?: boolean } = {}): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: o.kid ?? randomBytes(16).toString('base64url'), ...(o.embedJwk ? { jwk } : {}) })
    .sign(privateKey);
}

// ---- two instances on one store -----------------------------------------------------

/**
 * Two Store objects on the SAME data, as two keygate processes would have: MongoDB opened
 * twice on one database (each with its own key-ring cache); the memory store can only be
 * shared as one object (then the cache is shared too: advance the clock past it).
 */
export async function twinStores(factory: StoreFactory): Promise<{ a: Store; b: Store; dbName?: string; uri?: string; close(): Promise<void> }> {
  if (factory.name === 'memory') {
    const a = await factory.open();
    return { a, b: a, close: () => a.close() };
  }
  const uri = process.env.KEYGATE_TEST_MONGODB_URI;
  if (!uri) return Promise.reject(new Error(`the MongoDB suite cannot run: ${process.env.KEYGATE_TEST_MONGODB_SKIP ?? 'no KEYGATE_TEST_MONGODB_URI'}`));
  const dbName = `keygate_test_${randomBytes(6).toString('hex')}`;
  const open = () => openMongoStore({ uri, dbName, serverSelectionTimeoutMS: 3000 });
  const a = await open();
  const b = await open();
  return { a, b, dbName, uri, close: async () => void (await Promise.all([a.close(), b.close()])) };
}

/** Throws unless `res` is an error reply with `status` and `code`. */
export function expectError(res: Response, status: number, code: string): void {
  if (res.status !== status || res.body.code !== code) throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
}
