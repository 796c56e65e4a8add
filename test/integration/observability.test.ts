/**
 * Observability through the real HTTP app: every request gets an X-Request-Id (a caller's
 * well-formed one is kept, anything else replaced); every log line of a request carries it,
 * one access-log line per request names the route pattern, and no line holds a cookie,
 * challenge, password, bearer token or credential response; /metrics (Prometheus text
 * format, parsed with a real parser) counts ceremonies, failures by code, lockouts, HTTP and
 * store latency and store errors, and is served only when METRICS_TOKEN (bearer, on PORT)
 * or METRICS_PORT (its own listener) says so.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import request from 'supertest';
import { buildApp } from '../../server/src/app.js';
import { loadConfig } from '../../server/src/config/load-config.js';
import { StoreUnavailableError } from '../../server/src/errors/keygate-error.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import { createLogger, silentLogger } from '../../server/src/lib/logger.js';
import { secureRandom } from '../../server/src/lib/random.js';
import { instrumentStore } from '../../server/src/observability/instrumented-store.js';
import { buildMetricsApp } from '../../server/src/observability/metrics-app.js';
import { createMetrics, type Metrics } from '../../server/src/observability/metrics.js';
import { REQUEST_ID } from '../../server/src/observability/request-id.js';
import { createMemoryStore } from '../../server/src/storage/memory/memory-store.js';
import type { Store } from '../../server/src/storage/ports.js';
import { ORIGIN, register, signIn, type Agent } from '../helpers/harness.js';
import { withOpenApiCheck } from '../helpers/openapi-recorder.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { testStores } from '../helpers/test-stores.js';

/**
 * parse-prometheus-text-format (a port of the official Python client's parser; the package
 * ships no types): what it returns, prom2json's shape. It folds a LABELLED histogram's series
 * into one unlabelled bucket map (yunyu/parse-prometheus-text-format#13, fix in open PR #8),
 * so `scrape` parses a second time without the histograms' TYPE lines: their `_bucket`,
 * `_count` and `_sum` series then come back as plain samples, labels intact (one family per
 * run of lines, so the same name can come back several times).
 */
interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }[];
}
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

const TOKEN = 'metrics-token-metrics-token-metrics-token';
const PASSWORD = 'correct horse battery staple';

interface Observed {
  app: ReturnType<typeof buildApp>;
  store: Store;
  metrics: Metrics;
  /** Every log line the app wrote, parsed. */
  lines: Record<string, unknown>[];
  /** The same, as written (to search for leaked values). */
  raw: string[];
  agent(): Agent;
  authenticator(): SoftAuthenticator;
}

/** An app like createHarness's, but with a capturing debug logger and metrics over an instrumented store (as main.ts wires them). */
function observed(inner: Store, env: Record<string, string> = {}): Observed {
  const config = loadConfig({
    NODE_ENV: 'test',
    RP_ID: 'localhost',
    RP_ORIGINS: ORIGIN,
    SESSION_SECRET: 'test-secret-test-secret-test-secret!',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
  });
  const raw: string[] = [];
  const logger = createLogger('debug', { write: (s: string) => void raw.push(s) });
  const metrics = createMetrics({ processMetrics: true });
  const store = instrumentStore(inner, metrics);
  const app = withOpenApiCheck(buildApp({ config, store, clock: new FixedClock(Date.now()), random: secureRandom, logger, metrics }, { demoDir: null }), config);
  return {
    app,
    store,
    metrics,
    raw,
    get lines() {
      return raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    agent: () => request.agent(app),
    authenticator: () => new SoftAuthenticator({ rpId: 'localhost', origin: ORIGIN }),
  };
}

/** Scrapes and parses /metrics; `find(name, labels)` is the one sample with those labels. */
async function scrape(app: Parameters<typeof request>[0], token = TOKEN) {
  const res = await request(app).get('/metrics').set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = parsePrometheus(res.text);
  const histograms = families.filter((f) => f.type === 'HISTOGRAM').map((f) => f.name);
  const flat = parsePrometheus(res.text.split('\n').filter((l) => !histograms.some((h) => l === `# TYPE ${h} histogram`)).join('\n'));
  const family = (name: string) => families.find((f) => f.name === name);
  /** Samples of a counter or gauge, or of a histogram's `_count` series, with these labels. */
  const find = (name: string, labels: Record<string, string>) =>
    flat
      .filter((f) => f.name === (histograms.includes(name) ? `${name}_count` : name))
      .flatMap((f) => f.metrics)
      .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  /** The one such sample's value (a histogram: its count); 0 when there is none. */
  const value = (name: string, labels: Record<string, string>) => {
    const found = find(name, labels);
    expect(found.length).toBeLessThanOrEqual(1);
    return found[0] ? Number(found[0].value) : 0;
  };
  return { families, family, find, value, text: res.text };
}

describe('X-Request-Id', () => {
  const app = () => observed(createMemoryStore()).app;

  it('is generated when absent, unique per request', async () => {
    const a = app();
    const [r1, r2] = [await request(a).get('/healthz'), await request(a).get('/healthz')];
    expect(r1.headers['x-request-id']).toMatch(REQUEST_ID);
    expect(r1.headers['x-request-id']).toHaveLength(22);
    expect(r2.headers['x-request-id']).not.toBe(r1.headers['x-request-id']);
  });

  it('echoes a well-formed incoming id, also on errors', async () => {
    const a = app();
    expect((await request(a).get('/healthz').set('X-Request-Id', 'lb-7f3a.2024:abc_DEF')).headers['x-request-id']).toBe('lb-7f3a.2024:abc_DEF');
    const notFound = await request(a).get('/nope').set('X-Request-Id', 'trace-42');
    expect([notFound.status, notFound.headers['x-request-id']]).toEqual([404, 'trace-42']);
  });

  it.each([
    ['spaces', 'two words'],
    ['too long', 'a'.repeat(129)],
    ['markup', '<script>alert(1)</script>'],
    ['quotes and braces', '"}{"admin":true'],
    ['empty', ''],
  ])('replaces a malformed one (%s)', async (_what, given) => {
    const res = await request(app()).get('/healthz').set('X-Request-Id', given);
    expect(res.headers['x-request-id']).not.toBe(given);
    expect(res.headers['x-request-id']).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('logs', () => {
  it('carry the request id on every line of a request, one access line each, and never a secret', async () => {
    const o = observed(createMemoryStore(), { PASSWORD_LOGIN: 'true' });
    const agent = o.agent();
    const auth = o.authenticator();
    const reg = await register(agent, auth);
    expect(reg.result.status).toBe(200);
    const ok = await signIn(agent, auth);
    expect(ok.result.status).toBe(200);
    const bad = await signIn(o.agent(), auth, { assertion: { overrides: { signature: 'bogus' } } });
    expect(bad.result.body.code).toBe('signature_invalid');
    const signup = await o.agent().post('/signup/password').send({ username: 'bob', password: PASSWORD });
    expect(signup.status).toBe(200);
    expect((await o.agent().post('/login/password').send({ username: 'bob', password: 'not the password' })).body.code).toBe('invalid_credentials');
    const cred = await agent.patch(`/account/credentials/${reg.credentialId}`).set('Authorization', 'Bearer some-bearer-secret-value').send({ name: 'Blue key' });
    expect(cred.status).toBe(200);

    const lines = o.lines;
    expect(lines.length).toBeGreaterThan(10);
    // Every line written while a request was handled carries that request's id.
    const resultId = reg.result.headers['x-request-id'] as string;
    const audit = lines.find((l) => l.msg === 'registration.succeeded');
    expect(audit?.reqId).toBe(resultId);
    expect(lines.find((l) => l.msg === 'authentication.failed')?.reqId).toBe(bad.result.headers['x-request-id']);
    expect(lines.filter((l) => typeof l.reqId !== 'string')).toEqual([]);

    // One access line per request, with the route pattern rather than the raw path.
    const access = lines.filter((l) => l.msg === 'request');
    expect(access.filter((l) => l.reqId === resultId)).toEqual([
      expect.objectContaining({ level: 30, method: 'POST', route: '/attestation/result', status: 200, durationMs: expect.any(Number) }),
    ]);
    expect(access.find((l) => l.reqId === cred.headers['x-request-id'])).toMatchObject({ method: 'PATCH', route: '/account/credentials/:id', status: 200 });
    expect(access.find((l) => l.reqId === bad.result.headers['x-request-id'])).toMatchObject({ route: '/assertion/result', status: 400, code: 'signature_invalid' });
    expect(access).toHaveLength(9);

    // Nothing a client must keep to itself reaches the log.
    const text = o.raw.join('');
    const cookies = [reg.options, reg.result, ok.result, signup].flatMap((r) => (r.headers['set-cookie'] as unknown as string[] | undefined) ?? []);
    expect(cookies.length).toBeGreaterThan(0);
    const secrets = [
      ...cookies.map((c) => decodeURIComponent(c.split(';')[0]!.split('=')[1]!)),
      ...cookies.map((c) => decodeURIComponent(c.split(';')[0]!.split('=')[1]!).slice(2, 45)),
      reg.options.body.challenge,
      ok.options.body.challenge,
      bad.options.body.challenge,
      PASSWORD,
      'not the password',
      'some-bearer-secret-value',
      reg.response!.response.attestationObject,
      reg.response!.response.clientDataJSON,
      ok.response!.response.signature,
      ok.response!.response.authenticatorData,
    ];
    for (const s of secrets) expect(text).not.toContain(s);
    expect(text).not.toMatch(/"cookie"|"authorization"|set-cookie/i);
  });

  it('scrub ids and challenges out of a developer detail, and redact secrets by name', () => {
    const raw: string[] = [];
    const logger = createLogger('info', { write: (s: string) => void raw.push(s) });
    const challenge = 'q3Jm0c8y3v6S2lPjz4kQ1b7XwR5tUe9A';
    logger.info({ detail: `expected challenge ${challenge}, got x in authenticatorData`, audit: { data: { detail: `challenge ${challenge}` } }, password: 'pw', input: { newPassword: 'pw2', challenge }, body: '{"password":"pw3"}', code: 'invalid_code' }, 'x');
    const line = JSON.parse(raw[0]!);
    expect(raw[0]).not.toContain(challenge);
    expect(line).toMatchObject({ detail: 'expected challenge [redacted], got x in authenticatorData', password: '[Redacted]', input: { newPassword: '[Redacted]', challenge: '[Redacted]' }, body: '[Redacted]', code: 'invalid_code' });
  });
});

describe.each(testStores().map((f) => [f.name, f] as const))('/metrics on the %s store', (_name, factory) => {
  let inner: Store | undefined;
  afterEach(async () => {
    await inner?.close();
    inner = undefined;
  });

  it('counts a registration, a sign-in and a failed sign-in, by kind and code, with HTTP and store latency', async () => {
    inner = await factory.open();
    const o = observed(inner, { METRICS_TOKEN: TOKEN });
    const agent = o.agent();
    const auth = o.authenticator();
    expect((await register(agent, auth)).result.status).toBe(200);
    expect((await signIn(agent, auth)).result.status).toBe(200);
    expect((await signIn(o.agent(), auth, { assertion: { overrides: { signature: 'bogus' } } })).result.body.code).toBe('signature_invalid');
    expect((await o.agent().post('/attestation/options').send({ username: 'alice' })).body.code).toBe('username_taken');

    const m = await scrape(o.app);
    expect(m.family('keygate_ceremonies_started_total')?.type).toBe('COUNTER');
    expect(m.value('keygate_ceremonies_started_total', { ceremony: 'registration' })).toBe(1);
    expect(m.value('keygate_ceremonies_finished_total', { ceremony: 'registration' })).toBe(1);
    expect(m.value('keygate_ceremonies_failed_total', { ceremony: 'registration', code: 'username_taken' })).toBe(1);
    expect(m.value('keygate_ceremonies_started_total', { ceremony: 'authentication' })).toBe(2);
    expect(m.value('keygate_ceremonies_finished_total', { ceremony: 'authentication' })).toBe(1);
    expect(m.value('keygate_ceremonies_failed_total', { ceremony: 'authentication', code: 'signature_invalid' })).toBe(1);
    // Zero-initialised, so ratios work before the first event.
    expect(m.find('keygate_ceremonies_started_total', { ceremony: 'totp' })[0]?.value).toBe('0');

    expect(m.family('keygate_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(m.value('keygate_http_request_duration_seconds', { method: 'POST', route: '/assertion/result', status_class: '2xx' })).toBe(1);
    expect(m.value('keygate_http_request_duration_seconds', { method: 'POST', route: '/assertion/result', status_class: '4xx' })).toBe(1);
    expect(m.value('keygate_http_request_duration_seconds', { method: 'POST', route: '/assertion/options', status_class: '2xx' })).toBe(2);

    expect(m.family('keygate_store_operation_duration_seconds')?.type).toBe('HISTOGRAM');
    const storeOps = m.find('keygate_store_operation_duration_seconds', {});
    expect(storeOps.some((s) => s.labels?.operation?.startsWith('ceremonies.') && Number(s.value) >= 3)).toBe(true);
    expect(m.value('keygate_store_operation_duration_seconds', { operation: 'credentials.insert' })).toBe(1);
    expect(m.value('keygate_audit_events_total', { type: 'registration.succeeded', outcome: 'success' })).toBe(1);
    expect(m.value('keygate_audit_events_total', { type: 'authentication.failed', outcome: 'failure' })).toBe(1);
    expect(m.find('keygate_store_errors_total', {})).toHaveLength(0);
    // prom-client's process and Node.js metrics.
    expect(m.family('process_cpu_user_seconds_total')).toBeDefined();
    expect(m.family('nodejs_eventloop_lag_seconds')).toBeDefined();
  });

  it('counts lockouts and password failures by code', async () => {
    inner = await factory.open();
    const o = observed(inner, { METRICS_TOKEN: TOKEN, PASSWORD_LOGIN: 'true', LOCKOUT_THRESHOLD: '2' });
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) codes.push((await o.agent().post('/login/password').send({ username: 'mallory', password: 'guess-guess' })).body.code);
    expect(codes).toEqual(['invalid_credentials', 'invalid_credentials', 'locked_out']);
    const m = await scrape(o.app);
    expect(m.value('keygate_lockouts_total', { scope: 'account' })).toBe(1);
    expect(m.value('keygate_lockouts_total', { scope: 'ip' })).toBe(0);
    expect(m.value('keygate_ceremonies_started_total', { ceremony: 'password' })).toBe(3);
    expect(m.value('keygate_ceremonies_failed_total', { ceremony: 'password', code: 'invalid_credentials' })).toBe(2);
    expect(m.value('keygate_ceremonies_failed_total', { ceremony: 'password', code: 'locked_out' })).toBe(1);
  });
});

describe('/metrics refusals before any route', () => {
  it('counts a rate-limited ceremony under its own route and kind', async () => {
    const o = observed(createMemoryStore(), { METRICS_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: '1' });
    expect((await request(o.app).post('/assertion/options').send({})).status).toBe(200);
    expect((await request(o.app).post('/assertion/options').send({})).body.code).toBe('rate_limited');
    const m = await scrape(o.app);
    expect(m.value('keygate_ceremonies_failed_total', { ceremony: 'authentication', code: 'rate_limited' })).toBe(1);
    expect(m.value('keygate_ceremonies_started_total', { ceremony: 'authentication' })).toBe(1);
    expect(m.value('keygate_http_request_duration_seconds', { method: 'POST', route: '/assertion/options', status_class: '4xx' })).toBe(1);
    expect(m.value('keygate_http_request_duration_seconds', { route: '(unmatched)' })).toBe(0);
  });
});

describe('/metrics store errors', () => {
  it('counts a store that cannot be reached as store_unavailable', async () => {
    const down: Store = { ...createMemoryStore(), ping: async () => { throw new StoreUnavailableError('connection refused'); } };
    const o = observed(down, { METRICS_TOKEN: TOKEN });
    expect((await request(o.app).get('/readyz')).body.code).toBe('store_unavailable');
    const m = await scrape(o.app);
    expect(m.value('keygate_store_errors_total', { operation: 'store.ping', code: 'store_unavailable' })).toBe(1);
    expect(m.value('keygate_http_request_duration_seconds', { method: 'GET', route: '/readyz', status_class: '5xx' })).toBe(1);
  });
});

describe('/metrics access', () => {
  const app = (env: Record<string, string>) => observed(createMemoryStore(), env).app;

  it('is not served without METRICS_TOKEN or METRICS_PORT', async () => {
    const res = await request(app({})).get('/metrics');
    expect([res.status, res.body.code]).toEqual([404, 'not_found']);
  });

  it('needs the bearer METRICS_TOKEN on PORT', async () => {
    const a = app({ METRICS_TOKEN: TOKEN });
    for (const auth of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, TOKEN, 'Bearer ']) {
      const req = request(a).get('/metrics');
      const res = await (auth === undefined ? req : req.set('Authorization', auth));
      expect([res.status, res.body.code]).toEqual([401, 'invalid_token']);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(res.text).not.toContain('keygate_');
    }
    await scrape(a);
  });

  it('with METRICS_PORT: only on its own listener, still token-guarded when a token is set', async () => {
    const env = { METRICS_PORT: '9464' };
    expect((await request(app(env)).get('/metrics')).status).toBe(404);
    expect((await request(app({ ...env, METRICS_TOKEN: TOKEN })).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(404);

    // What main.ts listens with on METRICS_PORT, on a real socket.
    const o = observed(createMemoryStore(), env);
    await request(o.app).get('/healthz');
    const server = createServer(buildMetricsApp({ metrics: o.metrics, logger: silentLogger, random: secureRandom, exposeDetail: true }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(parsePrometheus(text).find((f) => f.name === 'keygate_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
      expect(text).toContain('keygate_http_request_duration_seconds_count{method="GET",route="/healthz",status_class="2xx"} 1\n');
      expect((await fetch(`${url}/healthz`)).status).toBe(404);
      expect((await fetch(`${url}/attestation/options`, { method: 'POST' })).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }

    const guarded = buildMetricsApp({ metrics: o.metrics, logger: silentLogger, random: secureRandom, token: TOKEN, exposeDetail: true });
    expect((await request(guarded).get('/metrics')).status).toBe(401);
    await scrape(guarded);
  });

  it('keeps two apps in one process apart (a registry each)', async () => {
    const a = observed(createMemoryStore(), { METRICS_TOKEN: TOKEN });
    const b = observed(createMemoryStore(), { METRICS_TOKEN: TOKEN });
    await request(a.app).get('/healthz');
    expect((await scrape(b.app)).value('keygate_http_request_duration_seconds', { route: '/healthz' })).toBe(0);
    expect((await scrape(a.app)).value('keygate_http_request_duration_seconds', { route: '/healthz' })).toBe(1);
  });
});

describe('metrics configuration', () => {
  const prod = { NODE_ENV: 'production', RP_ID: 'example.com', RP_ORIGINS: 'https://example.com', MONGODB_URI: 'mongodb://127.0.0.1:1/x', SESSION_SECRET: 's'.repeat(32), DATA_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`, HMAC_SECRET: 'h'.repeat(32) };
  const error = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('refuses a weak METRICS_TOKEN in production, without echoing it', () => {
    const msg = error({ ...prod, METRICS_TOKEN: 'short-metrics-token' });
    expect(msg).toMatch(/^METRICS_TOKEN /);
    expect(msg).not.toContain('short-metrics-token');
    expect(loadConfig({ ...prod, METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(loadConfig({ METRICS_TOKEN: 'dev' }).metricsToken).toBe('dev');
  });

  it('refuses a token with spaces (without echoing it) and METRICS_PORT equal to PORT', () => {
    const msg = error({ METRICS_TOKEN: 'has a space' });
    expect(msg).toMatch(/^METRICS_TOKEN /);
    expect(msg).not.toContain('has a space');
    expect(error({ PORT: '3000', METRICS_PORT: '3000' })).toMatch(/^METRICS_PORT /);
    expect(error({ METRICS_PORT: '0' })).toMatch(/^METRICS_PORT /);
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
  });
});
