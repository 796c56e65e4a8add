/**
 * GET /dev/messages: what the development delivery adapter kept, for the demo's developer
 * panel; it exists only with DELIVERY=dev (never in production, which refuses that adapter).
 */
import { describe, expect, it } from '@jest/globals';
import { DevDelivery } from '../../server/src/delivery/dev-delivery.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import { createMemoryStore } from '../../server/src/storage/memory/memory-store.js';
import { ORIGIN, createHarness } from '../helpers/harness.js';

describe('GET /dev/messages', () => {
  it('lists what the dev adapter sent, newest first, texts included', async () => {
    const delivery = new DevDelivery(new FixedClock(Date.parse('2030-01-01T00:00:00Z')));
    const h = createHarness(createMemoryStore(), { env: { DELIVERY: 'dev' }, delivery });
    await delivery.send({ to: '+33612345678', channel: 'sms', text: 'Your code is 123456', idempotencyKey: 'k1' });
    await delivery.send({ to: 'a@example.com', channel: 'email', subject: 'Your code', text: 'Your code is 654321', idempotencyKey: 'k2' });
    const res = await h.agent().get('/dev/messages').set('Origin', ORIGIN);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.messages).toEqual([
      { to: 'a@example.com', channel: 'email', subject: 'Your code', text: 'Your code is 654321', at: '2030-01-01T00:00:00.000Z' },
      { to: '+33612345678', channel: 'sms', text: 'Your code is 123456', at: '2030-01-01T00:00:00.000Z' },
    ]);
  });

  it('does not exist with any other adapter', async () => {
    const h = createHarness(createMemoryStore(), { env: { DELIVERY: 'none' } });
    const res = await h.agent().get('/dev/messages').set('Origin', ORIGIN);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');
  });
});
