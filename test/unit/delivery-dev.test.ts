/**
 * The dev delivery adapter: it keeps the messages (newest first, one per idempotency key),
 * bounded, for the developer panel; and the delivery config rules that span several keys.
 */
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../server/src/config/load-config.js';
import { createDelivery } from '../../server/src/delivery/create-delivery.js';
import { deliveryConfigProblem } from '../../server/src/config/delivery-config-problem.js';
import { DevDelivery } from '../../server/src/delivery/dev-delivery.js';
import { backoffDelay } from '../../server/src/delivery/with-retries.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import { silentLogger } from '../../server/src/lib/logger.js';

const msg = (i: number, to = '+14155550123') => ({ to, channel: 'sms' as const, text: `code ${i}`, idempotencyKey: `k${i}` });

describe('DevDelivery', () => {
  it('keeps delivered messages, newest first, with the time they were sent', async () => {
    const clock = new FixedClock(Date.UTC(2026, 0, 1));
    const dev = new DevDelivery(clock);
    expect(await dev.send(msg(1))).toEqual({ status: 'delivered', attempts: 1 });
    clock.advance(1000);
    await dev.send({ ...msg(2, 'bob@example.com'), channel: 'email', subject: 'Code' });
    expect(dev.recent()).toEqual([
      { to: 'bob@example.com', channel: 'email', text: 'code 2', subject: 'Code', idempotencyKey: 'k2', at: new Date(Date.UTC(2026, 0, 1, 0, 0, 1)) },
      { to: '+14155550123', channel: 'sms', text: 'code 1', idempotencyKey: 'k1', at: new Date(Date.UTC(2026, 0, 1)) },
    ]);
    expect(dev.recent('bob@example.com').map((m) => m.text)).toEqual(['code 2']);
  });

  it('is bounded: keeps only the last N', async () => {
    const dev = new DevDelivery(new FixedClock(), 3);
    for (let i = 1; i <= 10; i++) await dev.send(msg(i));
    expect(dev.recent().map((m) => m.idempotencyKey)).toEqual(['k10', 'k9', 'k8']);
  });

  it('keeps one message per idempotency key (a retry is not shown twice)', async () => {
    const dev = new DevDelivery(new FixedClock());
    await dev.send(msg(1));
    expect(await dev.send(msg(1))).toEqual({ status: 'delivered', attempts: 1 });
    expect(dev.recent()).toHaveLength(1);
  });

  it('refuses a message that breaks the contract, and a capacity below 1', async () => {
    const dev = new DevDelivery(new FixedClock());
    expect(await dev.send({ ...msg(1), text: '' })).toEqual({ status: 'failed_permanently', attempts: 0, reason: 'invalid_message' });
    expect(dev.recent()).toHaveLength(0);
    expect(() => new DevDelivery(new FixedClock(), 0)).toThrow(TypeError);
  });

  it('createDelivery gives a DevDelivery for DELIVERY=dev', () => {
    const d = createDelivery(loadConfig({ DELIVERY: 'dev' }), { logger: silentLogger, clock: new FixedClock() });
    expect(d).toBeInstanceOf(DevDelivery);
    expect(d.kind).toBe('dev');
  });
});

describe('backoffDelay', () => {
  it('doubles per retry, is capped, and jitters within the upper half', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 250, 5000, () => 0))).toEqual([125, 250, 500, 1000, 2000, 2500]);
    expect([1, 2, 3].map((n) => backoffDelay(n, 250, 5000, () => 0.999999))).toEqual([250, 500, 1000]);
  });
});

describe('delivery config rules across keys', () => {
  const PRODUCTION = {
    NODE_ENV: 'production',
    RP_ID: 'example.com',
    RP_ORIGINS: 'https://example.com',
    MONGODB_URI: 'mongodb://db.internal:27017',
    SESSION_SECRET: 's'.repeat(40),
    DATA_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    HMAC_SECRET: 'h'.repeat(40),
  };
  const WEBHOOK = { DELIVERY: 'webhook', DELIVERY_WEBHOOK_URL: 'https://sms.example.com/keygate', DELIVERY_WEBHOOK_SECRET: 'w'.repeat(32) };

  /**
   * The one line start-up refuses `env` with: from loadConfig, or (where loadConfig does not
   * run the cross-key delivery rules itself) from deliveryConfigProblem / createDelivery.
   */
  function problem(env: Record<string, string>): string | undefined {
    try {
      const config = loadConfig(env);
      const why = deliveryConfigProblem(config);
      if (why) expect(() => createDelivery(config, { logger: silentLogger, clock: new FixedClock() })).toThrow(new TypeError(why));
      return why;
    } catch (err) {
      expect(err).toBeInstanceOf(TypeError);
      return (err as Error).message;
    }
  }

  it.each([
    ['dev in production', 'DELIVERY', { ...PRODUCTION, DELIVERY: 'dev' }],
    ['webhook without a URL', 'DELIVERY_WEBHOOK_URL', { DELIVERY: 'webhook', DELIVERY_WEBHOOK_SECRET: 'w'.repeat(32) }],
    ['webhook without a secret', 'DELIVERY_WEBHOOK_SECRET', { DELIVERY: 'webhook', DELIVERY_WEBHOOK_URL: 'https://sms.example.com/keygate' }],
    ['webhook over http in production', 'DELIVERY_WEBHOOK_URL', { ...PRODUCTION, ...WEBHOOK, DELIVERY_WEBHOOK_URL: 'http://sms.example.com/keygate' }],
    ['smtp without SMTP_URL', 'SMTP_URL', { DELIVERY: 'smtp', SMTP_FROM: 'no-reply@example.com' }],
    ['smtp without SMTP_FROM', 'SMTP_FROM', { DELIVERY: 'smtp', SMTP_URL: 'smtp://mail.example.com:587' }],
  ])('refuses %s, naming %s first', (_what, key, env) => {
    expect(problem(env)).toMatch(new RegExp(`^${key} `));
  });

  it('accepts a complete webhook or SMTP configuration in production, and none by default', () => {
    expect(problem({ ...PRODUCTION, ...WEBHOOK })).toBeUndefined();
    expect(problem({ ...PRODUCTION, DELIVERY: 'smtp', SMTP_URL: 'smtps://u:p@mail.example.com:465', SMTP_FROM: 'keygate <no-reply@example.com>' })).toBeUndefined();
    expect(problem(PRODUCTION)).toBeUndefined();
    expect(problem({ DELIVERY: 'dev' })).toBeUndefined();
  });

  it('keys not used by the chosen adapter are not required', () => {
    expect(problem({ DELIVERY: 'none', DELIVERY_WEBHOOK_URL: 'http://localhost:9000/hook' })).toBeUndefined();
  });
});
