/**
 * The webhook delivery adapter against a real HTTP receiver on 127.0.0.1: what it sends
 * (JSON body, signature, idempotency key), what the receiving side's verifyWebhookSignature
 * accepts and refuses, and what it retries (5xx, 429, timeouts, network errors) and does not
 * (other 4xx), with the same idempotency key each time and never the text in a log line.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../server/src/config/load-config.js';
import { createDelivery } from '../../server/src/delivery/create-delivery.js';
import type { DeliveryMessage } from '../../server/src/delivery/message-delivery.js';
import { createWebhookDelivery } from '../../server/src/delivery/webhook-delivery.js';
import { signWebhook, verifyWebhookSignature } from '../../server/src/delivery/webhook-signature.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import { createLogger } from '../../server/src/lib/logger.js';

const SECRET = 'webhook-secret-webhook-secret-0123456789';
const CODE = '482913';
const MESSAGE: DeliveryMessage = { to: '+14155550123', channel: 'sms', text: `Your keygate code is ${CODE}`, idempotencyKey: 'code-7f3a' };

interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  receivedAt: number;
}

/** A receiver answering the i-th request with `replies[i]` (the last one repeats). */
async function receiver(replies: ((res: ServerResponse) => void)[]) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, raw: Buffer.concat(chunks), receivedAt: Date.now() });
      replies[Math.min(received.length - 1, replies.length - 1)]!(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/keygate`, received };
}
const status = (code: number) => (res: ServerResponse) => res.writeHead(code, { 'Content-Type': 'application/json' }).end('{"ok":true}');
const never = () => undefined;

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** An adapter with a frozen clock, recorded (not slept) backoffs and captured log lines. */
function adapter(url: string, o: { retries?: number; timeoutMs?: number; baseDelayMs?: number } = {}) {
  const lines: string[] = [];
  const sleeps: number[] = [];
  const clock = new FixedClock(Date.UTC(2026, 0, 1));
  const delivery = createWebhookDelivery({
    url,
    secret: SECRET,
    timeoutMs: o.timeoutMs ?? 2000,
    retries: o.retries ?? 2,
    clock,
    logger: createLogger('debug', { write: (s: string) => void lines.push(s) }),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    random: () => 0.5,
    baseDelayMs: o.baseDelayMs,
  });
  return { delivery, lines, sleeps, clock };
}

describe('webhook delivery: what is sent', () => {
  it('POSTs the JSON message with a signature verifyWebhookSignature accepts', async () => {
    const r = await receiver([status(202)]);
    const { delivery, clock } = adapter(r.url);
    const result = await delivery.send({ ...MESSAGE, channel: 'email', to: 'alice@example.com', subject: 'Your code' });
    expect(result).toEqual({ status: 'delivered', attempts: 1 });
    expect(r.received).toHaveLength(1);
    const [{ headers, raw }] = r.received as [Received];
    expect(headers['content-type']).toBe('application/json');
    expect(headers['idempotency-key']).toBe('code-7f3a');
    expect(headers['x-keygate-timestamp']).toBe(String(Math.floor(clock.now().getTime() / 1000)));
    expect(headers['x-keygate-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(JSON.parse(raw.toString('utf8'))).toEqual({ to: 'alice@example.com', channel: 'email', text: MESSAGE.text, subject: 'Your code', idempotencyKey: 'code-7f3a' });
    expect(verifyWebhookSignature(SECRET, headers, raw, clock.now())).toEqual({ ok: true, timestamp: Number(headers['x-keygate-timestamp']) });
  });

  it('leaves subject out of an SMS body', async () => {
    const r = await receiver([status(200)]);
    await adapter(r.url).delivery.send(MESSAGE);
    expect(JSON.parse(r.received[0]!.raw.toString())).toEqual({ to: MESSAGE.to, channel: 'sms', text: MESSAGE.text, idempotencyKey: MESSAGE.idempotencyKey });
  });

  it('verifyWebhookSignature refuses a tampered body, another secret, an old or future timestamp, missing headers', async () => {
    const r = await receiver([status(200)]);
    const { delivery, clock } = adapter(r.url);
    await delivery.send(MESSAGE);
    const { headers, raw } = r.received[0]!;
    const now = clock.now().getTime();
    const tampered = Buffer.from(raw.toString().replace(MESSAGE.to, '+14155559999'));
    expect(verifyWebhookSignature(SECRET, headers, tampered, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhookSignature('another-secret-another-secret-0123456789', headers, raw, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhookSignature(SECRET, headers, raw, now + 301_000)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifyWebhookSignature(SECRET, headers, raw, now - 301_000)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifyWebhookSignature(SECRET, headers, raw, now + 299_000).ok).toBe(true);
    expect(verifyWebhookSignature(SECRET, headers, raw, now + 61_000, 60)).toEqual({ ok: false, reason: 'stale_timestamp' });
    // a replayed body under a fresh timestamp needs a fresh signature
    const replay = { ...headers, 'x-keygate-timestamp': String(Math.floor(now / 1000) + 400) };
    expect(verifyWebhookSignature(SECRET, replay, raw, now + 400_000)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhookSignature(SECRET, { ...headers, 'x-keygate-signature': undefined }, raw, now)).toEqual({ ok: false, reason: 'missing_headers' });
    expect(verifyWebhookSignature(SECRET, { ...headers, 'x-keygate-signature': 'v1=zz' }, raw, now)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('verifyWebhookSignature reads fetch Headers and accepts one matching entry of several (secret rotation)', () => {
    const ts = 1_800_000_000;
    const body = '{"a":1}';
    const h = new Headers({ 'X-Keygate-Timestamp': String(ts), 'X-Keygate-Signature': `v1=${'0'.repeat(64)}, ${signWebhook(SECRET, ts, body)}` });
    expect(verifyWebhookSignature(SECRET, h, body, ts * 1000)).toEqual({ ok: true, timestamp: ts });
  });
});

describe('webhook delivery: retries', () => {
  it('503 twice then 200: three attempts, one idempotency key, each signed with a fresh timestamp', async () => {
    const r = await receiver([status(503), status(503), status(200)]);
    const { delivery, sleeps, lines } = adapter(r.url, { baseDelayMs: 2000 });
    expect(await delivery.send(MESSAGE)).toEqual({ status: 'delivered', attempts: 3 });
    expect(r.received.map((x) => x.headers['idempotency-key'])).toEqual(['code-7f3a', 'code-7f3a', 'code-7f3a']);
    const stamps = r.received.map((x) => Number(x.headers['x-keygate-timestamp']));
    expect(new Set(stamps).size).toBe(3);
    for (const x of r.received) expect(verifyWebhookSignature(SECRET, x.headers, x.raw, Number(x.headers['x-keygate-timestamp']) * 1000).ok).toBe(true);
    // exponential with jitter: doubled from the base, random 0.5 → 3/4 of each step
    expect(sleeps).toEqual([1500, 3000]);
    expect(stamps[1]! - stamps[0]!).toBe(1);
    expect(stamps[2]! - stamps[1]!).toBe(3);
    expect(lines.filter((l) => l.includes('delivery attempt failed'))).toHaveLength(2);
  });

  it('429 is retried too, after its Retry-After (up to the longest backoff)', async () => {
    const r = await receiver([(res) => res.writeHead(429, { 'Retry-After': '2' }).end(), (res) => res.writeHead(503, { 'Retry-After': '3600' }).end(), status(204)]);
    const { delivery, sleeps } = adapter(r.url);
    expect(await delivery.send(MESSAGE)).toEqual({ status: 'delivered', attempts: 3 });
    expect(sleeps).toEqual([2000, 5000]);
  });

  it('400: one attempt, failed permanently', async () => {
    const r = await receiver([status(400)]);
    const { delivery, sleeps } = adapter(r.url);
    expect(await delivery.send(MESSAGE)).toEqual({ status: 'failed_permanently', attempts: 1, reason: 'rejected', httpStatus: 400 });
    expect(r.received).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('a redirect is not followed (a signed message never goes elsewhere)', async () => {
    const target = await receiver([status(200)]);
    const r = await receiver([(res) => res.writeHead(307, { Location: target.url }).end()]);
    expect(await adapter(r.url).delivery.send(MESSAGE)).toEqual({ status: 'failed_permanently', attempts: 1, reason: 'rejected', httpStatus: 307 });
    expect(target.received).toHaveLength(0);
  });

  it('500 every time: 1 + retries attempts, then failed after retries', async () => {
    const r = await receiver([status(500)]);
    expect(await adapter(r.url, { retries: 3 }).delivery.send(MESSAGE)).toEqual({ status: 'failed_after_retries', attempts: 4, reason: 'server_error', httpStatus: 500 });
    expect(r.received).toHaveLength(4);
  });

  it('a slow endpoint: each attempt times out, is retried, then failed after retries', async () => {
    const r = await receiver([never]);
    const started = Date.now();
    const result = await adapter(r.url, { timeoutMs: 150, retries: 2 }).delivery.send(MESSAGE);
    expect(result).toEqual({ status: 'failed_after_retries', attempts: 3, reason: 'timeout' });
    expect(r.received).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a slow first attempt, then a quick one: delivered on the retry', async () => {
    const r = await receiver([never, status(200)]);
    expect(await adapter(r.url, { timeoutMs: 150 }).delivery.send(MESSAGE)).toEqual({ status: 'delivered', attempts: 2 });
  });

  it('a closed port: network errors, retried, then failed after retries', async () => {
    const r = await receiver([status(200)]);
    const s = servers.pop()!;
    await new Promise((resolve) => s.close(resolve));
    const { delivery, sleeps } = adapter(r.url, { retries: 2 });
    expect(await delivery.send(MESSAGE)).toEqual({ status: 'failed_after_retries', attempts: 3, reason: 'network_error' });
    expect(sleeps).toHaveLength(2);
  });

  it('never logs the text, the code or the destination', async () => {
    const r = await receiver([status(503), status(400)]);
    const { delivery, lines } = adapter(r.url);
    await delivery.send(MESSAGE);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l).not.toContain(CODE);
      expect(l).not.toContain(MESSAGE.to);
      expect(l).not.toContain(SECRET);
    }
  });

  it('refuses a message that breaks the contract without a request', async () => {
    const r = await receiver([status(200)]);
    const { delivery } = adapter(r.url);
    expect(await delivery.send({ ...MESSAGE, idempotencyKey: '' })).toEqual({ status: 'failed_permanently', attempts: 0, reason: 'invalid_message' });
    expect(await delivery.send({ ...MESSAGE, to: '' })).toEqual({ status: 'failed_permanently', attempts: 0, reason: 'invalid_message' });
    expect(r.received).toHaveLength(0);
  });
});

describe('createDelivery', () => {
  it('builds the webhook adapter from config', async () => {
    const r = await receiver([status(200)]);
    const config = loadConfig({ DELIVERY: 'webhook', DELIVERY_WEBHOOK_URL: r.url, DELIVERY_WEBHOOK_SECRET: SECRET, DELIVERY_TIMEOUT_MS: '1000' });
    const delivery = createDelivery(config, { logger: createLogger('silent'), clock: new FixedClock() });
    expect(delivery.kind).toBe('webhook');
    expect(delivery.channels).toEqual(['sms', 'email']);
    expect(await delivery.send(MESSAGE)).toEqual({ status: 'delivered', attempts: 1 });
    expect(verifyWebhookSignature(SECRET, r.received[0]!.headers, r.received[0]!.raw).ok).toBe(true);
  });

  it('DELIVERY=none (the default) fails every send permanently, without a request', async () => {
    const delivery = createDelivery(loadConfig({}), { logger: createLogger('silent'), clock: new FixedClock() });
    expect(delivery.kind).toBe('none');
    expect(delivery.channels).toEqual([]);
    expect(await delivery.send(MESSAGE)).toEqual({ status: 'failed_permanently', attempts: 0, reason: 'delivery_disabled' });
  });
});
