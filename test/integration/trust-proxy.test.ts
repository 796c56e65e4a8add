/**
 * TRUST_PROXY as the client IP's source of truth: with `false`, X-Forwarded-For is ignored
 * (a client cannot pick its own IP for rate limits, lockouts or the audit trail) and its first
 * arrival logs one warning; with a trusted proxy the forwarded address is used.
 */
import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildApp } from '../../server/src/app.js';
import { loadConfig } from '../../server/src/config/load-config.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import { createLogger } from '../../server/src/lib/logger.js';
import { secureRandom } from '../../server/src/lib/random.js';
import { createMemoryStore } from '../../server/src/storage/memory/memory-store.js';
import { withOpenApiCheck } from '../helpers/openapi-recorder.js';

function app(env: Record<string, string>) {
  const raw: string[] = [];
  const logger = createLogger('info', { write: (s: string) => void raw.push(s) });
  const config = loadConfig({ NODE_ENV: 'test', RP_ID: 'localhost', RP_ORIGINS: 'http://localhost:3000', LOCKOUT_IP_THRESHOLD: '1000', ...env });
  const store = createMemoryStore();
  return { app: withOpenApiCheck(buildApp({ config, store, clock: new FixedClock(Date.now()), random: secureRandom, logger }, { demoDir: null }), config), store, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
const warnings = (lines: Record<string, unknown>[]) => lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('X-Forwarded-For arrived but TRUST_PROXY=false'));

describe('TRUST_PROXY and X-Forwarded-For', () => {
  it('false: the header is ignored for the client IP, and its first arrival logs one warning without its value', async () => {
    const k = app({ TRUST_PROXY: 'false', PASSWORD_LOGIN: 'true' });
    expect(warnings(k.lines())).toHaveLength(0);
    for (let i = 0; i < 3; i++) {
      await request(k.app).post('/login/password').set('X-Forwarded-For', '203.0.113.77').send({ username: 'nobody', password: 'wrong password' });
    }
    const warned = warnings(k.lines());
    expect(warned).toHaveLength(1);
    expect(warned[0]!.level).toBe(40);
    expect(JSON.stringify(k.lines())).not.toContain('203.0.113.77');
    const [event] = await k.store.audit.list({ type: 'password.failed', limit: 1 });
    expect(event!.ip).not.toBe('203.0.113.77');
  });

  it('a trusted proxy: the forwarded client address is the one audited, and nothing is warned', async () => {
    const k = app({ TRUST_PROXY: 'loopback', PASSWORD_LOGIN: 'true' });
    await request(k.app).post('/login/password').set('X-Forwarded-For', '203.0.113.77').send({ username: 'nobody', password: 'wrong password' });
    const [event] = await k.store.audit.list({ type: 'password.failed', limit: 1 });
    expect(event!.ip).toBe('203.0.113.77');
    expect(warnings(k.lines())).toHaveLength(0);
  });
});

describe('developer detail when NODE_ENV is forgotten', () => {
  const HTTPS = { RP_ID: 'example.com', RP_ORIGINS: 'https://login.example.com' };
  const refusal = async (env: Record<string, string | undefined>) => {
    const config = loadConfig({ ...HTTPS, ...env } as Record<string, string>);
    const a = withOpenApiCheck(buildApp({ config, store: createMemoryStore(), clock: new FixedClock(Date.now()), random: secureRandom, logger: createLogger('silent') }, { demoDir: null }), config);
    return (await request(a).post('/attestation/result').set('Origin', 'https://login.example.com').send({ id: 5 })).body;
  };
  it('https origins without NODE_ENV answer like production: code and message, no detail', async () => {
    const body = await refusal({});
    expect(body).toMatchObject({ status: 'failed', code: 'invalid_request' });
    expect(body).not.toHaveProperty('detail');
  });
  it('an explicit NODE_ENV=development still shows detail', async () => {
    expect(await refusal({ NODE_ENV: 'development' })).toHaveProperty('detail');
  });
});
