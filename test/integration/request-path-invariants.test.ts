/**
 * What the request path must keep while it is made cheaper (issue 9 point 2): pinned from
 * the replies of main before any change, and kept as the guard of every later one.
 *  - the exact response headers of a set of replies (success, each refusal the middleware
 *    makes, 404, static files, JWKS, metrics), on http and on https origins: no header added,
 *    dropped or changed (only the per-reply values are normalised: date, length, request id,
 *    the session cookie's value, static validators);
 *  - one access-log line per request, with exactly the same fields, levels and values;
 *  - refusals keep their codes (Origin check, media type, malformed JSON, depth, body size,
 *    rate limit with Retry-After, unknown method).
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { buildApp } from '../../server/src/app.js';
import { loadConfig } from '../../server/src/config/load-config.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import { createLogger, silentLogger } from '../../server/src/lib/logger.js';
import { secureRandom } from '../../server/src/lib/random.js';
import { accessLogWriter } from '../../server/src/observability/access-log.js';
import { REQUEST_ID } from '../../server/src/observability/request-id.js';
import { createMemoryStore } from '../../server/src/storage/memory/memory-store.js';
import { withOpenApiCheck } from '../helpers/openapi-recorder.js';

const HTTP_ORIGIN = 'http://localhost:3000';
const HTTPS_ORIGIN = 'https://localhost:3000';
const TOKEN = 'metrics-token-metrics-token-metrics-token';

const CSP =
  "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self';font-src 'self';object-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'";

/** Helmet's headers on every reply, as main answered them (http origins). */
const SECURITY_HTTP = {
  'content-security-policy': CSP,
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};
/** The same over https: HSTS, and CSP upgrades insecure requests. */
const SECURITY_HTTPS = {
  ...SECURITY_HTTP,
  'content-security-policy': `${CSP};upgrade-insecure-requests`,
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const NO_STORE = { 'cache-control': 'no-store' };

function appFor(origin: string, env: Record<string, string> = {}, demoDir: string | null = null, logger = silentLogger) {
  const config = loadConfig({
    NODE_ENV: 'test',
    RP_ID: 'localhost',
    RP_ORIGINS: origin,
    SESSION_SECRET: 'test-secret-test-secret-test-secret!',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
  });
  const app = buildApp({ config, store: createMemoryStore(), clock: new FixedClock(Date.now()), random: secureRandom, logger }, { demoDir });
  return withOpenApiCheck(app, config, { staticAssets: demoDir !== null });
}

/**
 * The reply's headers with the per-reply values replaced by what they must look like, so the
 * comparison is exact on everything else (names and values; order is not compared).
 */
function headersOf(res: request.Response): Record<string, unknown> {
  const h: Record<string, unknown> = { ...res.headers };
  for (const k of ['date', 'content-length', 'connection']) {
    expect(h[k]).toBeDefined();
    delete h[k];
  }
  expect(h['x-request-id']).toMatch(REQUEST_ID);
  h['x-request-id'] = '<id>';
  if (h['set-cookie']) {
    h['set-cookie'] = (h['set-cookie'] as string[]).map((c) => c.replace(/^([^=]+)=s%3A[A-Za-z0-9_-]{43}\.[A-Za-z0-9%]+;/, '$1=<signed>;'));
  }
  if (h.etag) h.etag = '<etag>';
  if (h['last-modified']) h['last-modified'] = '<date>';
  return h;
}

const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

describe('request path invariants: exact reply headers', () => {
  for (const [origin, security, cookie] of [
    [HTTP_ORIGIN, SECURITY_HTTP, 'keygate.sid=<signed>; Path=/; HttpOnly; SameSite=Lax'],
    [HTTPS_ORIGIN, SECURITY_HTTPS, '__Host-keygate.sid=<signed>; Path=/; HttpOnly; Secure; SameSite=Lax'],
  ] as const) {
    it(`on ${origin}: ops, API success, every middleware refusal, 404`, async () => {
      const app = appFor(origin);
      const base = { 'x-request-id': '<id>', ...security };

      expect(headersOf(await request(app).get('/healthz').expect(200))).toEqual({ ...base, ...JSON_TYPE });
      expect(headersOf(await request(app).get('/openapi.json').expect(200))).toEqual({ ...base, ...JSON_TYPE });
      expect(headersOf(await request(app).get('/.well-known/jwks.json').expect(200))).toEqual({ ...base, ...JSON_TYPE, 'cache-control': 'public, max-age=300' });

      const options = await request(app).post('/assertion/options').set('Origin', origin).send({}).expect(200);
      expect(headersOf(options)).toEqual({ ...base, ...NO_STORE, ...JSON_TYPE, 'set-cookie': [cookie] });
      // A known session is kept: no new cookie.
      const sid = (options.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
      const again = await request(app).post('/assertion/options').set('Origin', origin).set('Cookie', sid).send({ username: 'alice' }).expect(200);
      expect(headersOf(again)).toEqual({ ...base, ...NO_STORE, ...JSON_TYPE });

      const refusals: [request.Test, number, string][] = [
        [request(app).post('/assertion/options').set('Origin', 'https://evil.example').send({}), 403, 'origin_not_allowed'],
        [request(app).post('/assertion/options').set('Content-Type', 'text/plain').send('x'), 415, 'unsupported_media_type'],
        [request(app).post('/assertion/options').set('Content-Type', 'application/json').send('{'), 400, 'malformed_json'],
        [request(app).post('/assertion/options').set('Content-Type', 'application/json').send(deep(40)), 400, 'invalid_request'],
        [request(app).post('/assertion/options').set('Content-Type', 'application/json').send(`{"username":"${'a'.repeat(200_000)}"}`), 413, 'body_too_large'],
        [request(app).post('/assertion/options').send({ username: 5 }), 400, 'invalid_request'],
        [request(app).get('/no-such-path'), 404, 'not_found'],
      ];
      for (const [req, status, code] of refusals) {
        const res = await req;
        expect([res.status, res.body.code]).toEqual([status, code]);
        expect(headersOf(res)).toEqual({ ...base, ...NO_STORE, ...JSON_TYPE });
      }
      // OPTIONS is refused before the API router (so without no-store), as on main.
      const opt = await request(app).options('/assertion/options');
      expect([opt.status, opt.body.code]).toEqual([404, 'not_found']);
      expect(headersOf(opt)).toEqual({ ...base, ...JSON_TYPE });
    });
  }

  it('a nesting of exactly 32 passes the depth limit, 33 does not', async () => {
    const app = appFor(HTTP_ORIGIN);
    // The body, `extensions` and 31 more objects: 32 levels, parsed and answered.
    const ok = await request(app).post('/assertion/options').set('Content-Type', 'application/json').send(`{"extensions":${deep(31)}}`);
    expect(ok.status).toBe(200);
    const tooDeep = await request(app).post('/assertion/options').set('Content-Type', 'application/json').send(`{"extensions":${deep(32)}}`);
    expect([tooDeep.status, tooDeep.body.code, tooDeep.body.errorMessage]).toEqual([400, 'invalid_request', 'The request is nested too deeply.']);
    // Arrays count as levels too.
    const arrays = await request(app).post('/assertion/options').set('Content-Type', 'application/json').send(`{"extensions":{"x":${'['.repeat(40)}${']'.repeat(40)}}}`);
    expect([arrays.status, arrays.body.code]).toEqual([400, 'invalid_request']);
  });

  it('rate-limit refusals answer 429 with Retry-After and the same security headers', async () => {
    // Each ceremony start counts its result with it: two starts fill a limit of 4.
    const app = appFor(HTTP_ORIGIN, { RATE_LIMIT_PER_MINUTE: '4' });
    for (let i = 0; i < 2; i++) await request(app).post('/assertion/options').send({}).expect(200);
    const res = await request(app).post('/assertion/options').send({});
    expect([res.status, res.body.code]).toEqual([429, 'rate_limited']);
    const h = headersOf(res);
    expect(h['retry-after']).toMatch(/^\d+$/);
    expect(h).toEqual({ 'x-request-id': '<id>', ...SECURITY_HTTP, ...NO_STORE, ...JSON_TYPE, 'retry-after': h['retry-after'] });
  });

  it('static demo files and /metrics keep their headers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-static-'));
    writeFileSync(join(dir, 'index.html'), '<p>demo</p>');
    const app = appFor(HTTP_ORIGIN, { METRICS_TOKEN: TOKEN }, dir);
    const base = { 'x-request-id': '<id>', ...SECURITY_HTTP };
    expect(headersOf(await request(app).get('/').expect(200))).toEqual({
      ...base,
      ...NO_STORE,
      'accept-ranges': 'bytes',
      'last-modified': '<date>',
      etag: '<etag>',
      'content-type': 'text/html; charset=utf-8',
    });
    expect(headersOf(await request(app).get('/metrics').expect(401))).toEqual({ ...base, ...JSON_TYPE, 'www-authenticate': 'Bearer realm="keygate-metrics"' });
    expect(headersOf(await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200))).toEqual({
      ...base,
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      ...NO_STORE,
    });
  });

  it('a well-formed X-Request-Id is echoed, a malformed one replaced', async () => {
    const app = appFor(HTTP_ORIGIN);
    expect((await request(app).get('/healthz').set('X-Request-Id', 'lb-1234:abc.def')).headers['x-request-id']).toBe('lb-1234:abc.def');
    const replaced = (await request(app).get('/healthz').set('X-Request-Id', 'bad id <script>')).headers['x-request-id'];
    expect(replaced).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('request path invariants: the access log', () => {
  it('writes one line per request with the same fields, levels and values', async () => {
    const raw: string[] = [];
    const app = appFor(HTTP_ORIGIN, {}, null, createLogger('debug', { write: (s: string) => void raw.push(s) }));
    const replies = [
      await request(app).get('/healthz'),
      await request(app).post('/assertion/options').set('Origin', HTTP_ORIGIN).send({}),
      await request(app).post('/assertion/options').set('Origin', 'https://evil.example').send({}),
      await request(app).get('/no-such-path?token=secret'),
      await request(app).post('/account/credentials/abc/rename').send({}),
    ];
    const lines = raw.map((s) => JSON.parse(s) as Record<string, unknown>);
    const access = lines.filter((l) => l.msg === 'request');
    expect(access).toHaveLength(replies.length);
    const shape = (l: Record<string, unknown>) => {
      expect(l.time).toEqual(expect.any(Number));
      expect(l.durationMs).toEqual(expect.any(Number));
      const { time: _t, durationMs: _d, ...rest } = l;
      return rest;
    };
    const ids = replies.map((r) => r.headers['x-request-id']);
    expect(access.map(shape)).toEqual([
      { level: 20, service: 'keygate', reqId: ids[0], method: 'GET', route: '/healthz', status: 200, msg: 'request' },
      { level: 30, service: 'keygate', reqId: ids[1], method: 'POST', route: '/assertion/options', status: 200, msg: 'request' },
      { level: 30, service: 'keygate', reqId: ids[2], method: 'POST', route: '/assertion/options', status: 403, code: 'origin_not_allowed', msg: 'request' },
      { level: 30, service: 'keygate', reqId: ids[3], method: 'GET', route: '(unmatched)', status: 404, code: 'not_found', msg: 'request' },
      { level: 30, service: 'keygate', reqId: ids[4], method: 'POST', route: '(unmatched)', status: 404, code: 'not_found', msg: 'request' },
    ]);
    // Field order of the line, as main wrote it.
    expect(Object.keys(access[2]!)).toEqual(['level', 'time', 'service', 'reqId', 'method', 'route', 'status', 'durationMs', 'code', 'msg']);
    // Every other line of a request carries its id too.
    for (const l of lines) expect(ids).toContain(l.reqId);
  });

  it('access lines skip redaction only because it could never change them', () => {
    // accessLogWriter writes through a child without redaction paths: the same line through
    // the redacting logger must come out byte for byte the same (time aside), for every field.
    const redacted: string[] = [];
    const plain: string[] = [];
    const logger = createLogger('debug', { write: (s: string) => void redacted.push(s) });
    const write = accessLogWriter(createLogger('debug', { write: (s: string) => void plain.push(s) }));
    const lines = [
      { reqId: 'r1', method: 'GET', route: '/healthz', status: 200, durationMs: 0.4 },
      { reqId: 'r2', method: 'POST', route: '/assertion/result', status: 400, durationMs: 3.1, code: 'signature_invalid' },
      { reqId: 'r3', method: 'POST', route: '/token', status: 500, durationMs: 12, code: 'internal_error', aborted: true as const },
    ];
    for (const line of lines) {
      write({ ...line });
      const level = line.status >= 500 ? 'warn' : line.route === '/healthz' ? 'debug' : 'info';
      logger[level]({ ...line }, 'request');
    }
    const untimed = (s: string) => s.replace(/"time":\d+,/, '');
    expect(plain.map(untimed)).toEqual(redacted.map(untimed));
  });

  it('the X-Forwarded-For warning (TRUST_PROXY=false) carries the request id', async () => {
    const raw: string[] = [];
    const app = appFor(HTTP_ORIGIN, {}, null, createLogger('debug', { write: (s: string) => void raw.push(s) }));
    const res = await request(app).get('/healthz').set('X-Forwarded-For', '203.0.113.9');
    const warned = raw.map((s) => JSON.parse(s) as Record<string, unknown>).filter((l) => l.level === 40);
    expect(warned).toHaveLength(1);
    expect(warned[0]!.reqId).toBe(res.headers['x-request-id']);
    expect(JSON.stringify(warned[0])).not.toContain('203.0.113.9');
  });
});
