/**
 * The per-IP ceremony rate limit, counted in the store: over RATE_LIMIT_PER_MINUTE a client
 * gets 429 `rate_limited` with Retry-After, the next window lets it in again, other routes
 * are not limited, and 0 turns the limit off.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness } from '../helpers/harness.js';
import { testStores } from '../helpers/test-stores.js';

describe.each(testStores().map((f) => [f.name, f] as const))('rate limit on the %s store', (_name, factory) => {
  let store: Store;
  afterEach(async () => {
    await store?.close();
  });

  it('refuses the request over the limit with 429 and Retry-After, then recovers in the next window', async () => {
    store = await factory.open();
    const h = createHarness(store, { env: { RATE_LIMIT_PER_MINUTE: '3' } });
    h.clock.set(Math.floor(h.clock.now().getTime() / 60_000) * 60_000 + 20_000); // 40 s left in this window
    const agent = h.agent();
    for (let i = 0; i < 2; i++) expect((await agent.post('/attestation/options').send({ username: 'alice' })).status).toBe(200);
    // Malformed requests count too (the limit runs before the body is parsed).
    expect((await agent.post('/assertion/result').set('Content-Type', 'application/json').send('{')).status).toBe(400);
    const limited = await h.agent().post('/assertion/options').send({ username: '' });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ status: 'failed', code: 'rate_limited' });
    expect(limited.headers['retry-after']).toBe('40');
    // Not limited: ops and account routes.
    expect((await agent.get('/healthz')).status).toBe(200);
    expect((await agent.get('/session')).status).toBe(200);
    h.clock.advance(40_000);
    expect((await agent.post('/assertion/options').send({ username: '' })).status).toBe(200);
  });

  it('is off with RATE_LIMIT_PER_MINUTE=0', async () => {
    store = await factory.open();
    const h = createHarness(store, { env: { RATE_LIMIT_PER_MINUTE: '0' } });
    for (let i = 0; i < 5; i++) expect((await h.agent().post('/assertion/options').send({})).status).toBe(200);
  });
});
