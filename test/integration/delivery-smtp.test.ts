/**
 * The SMTP delivery adapter (nodemailer) against a real SMTP sink (smtp-server) on
 * 127.0.0.1: the message arrives with its from/to/subject/text and a Message-ID derived from
 * the idempotency key; a 4xx reply is retried, a 5xx is not; SMS is not its channel.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../../server/src/config/load-config.js';
import { createDelivery } from '../../server/src/delivery/create-delivery.js';
import { createSmtpDelivery } from '../../server/src/delivery/smtp-delivery.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import { createLogger, silentLogger } from '../../server/src/lib/logger.js';

interface Mail {
  from: string | undefined;
  to: string[];
  raw: string;
}

const sinks: SMTPServer[] = [];
afterEach(async () => {
  for (const s of sinks.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** An SMTP sink; `reject(n)` may refuse the n-th DATA (1-based) with an SMTP reply code. */
async function sink(reject: (n: number) => number | undefined = () => undefined) {
  const mails: Mail[] = [];
  let n = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const code = reject(++n);
        if (code) {
          const err = Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: code });
          return callback(err);
        }
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  sinks.push(server);
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, mails, attempts: () => n };
}

const MESSAGE = { to: 'alice@example.com', channel: 'email' as const, subject: 'Your keygate code', text: 'Your keygate code is 482913', idempotencyKey: 'code-7f3a' };

function adapter(url: string, retries = 2) {
  const lines: string[] = [];
  const sleeps: number[] = [];
  const delivery = createSmtpDelivery({
    url,
    from: 'keygate <no-reply@keygate.example>',
    timeoutMs: 2000,
    retries,
    logger: createLogger('debug', { write: (s: string) => void lines.push(s) }),
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0,
  });
  return { delivery, lines, sleeps };
}

describe('SMTP delivery', () => {
  it('the message arrives with from, to, subject and text', async () => {
    const s = await sink();
    expect(await adapter(s.url).delivery.send(MESSAGE)).toEqual({ status: 'delivered', attempts: 1 });
    expect(s.mails).toHaveLength(1);
    const [mail] = s.mails as [Mail];
    expect(mail.from).toBe('no-reply@keygate.example');
    expect(mail.to).toEqual(['alice@example.com']);
    expect(mail.raw).toMatch(/^From: keygate <no-reply@keygate\.example>\r$/m);
    expect(mail.raw).toMatch(/^To: alice@example\.com\r$/m);
    expect(mail.raw).toMatch(/^Subject: Your keygate code\r$/m);
    expect(mail.raw).toContain('Your keygate code is 482913');
    expect(mail.raw).toMatch(/^Message-ID: <[0-9a-f]{32}@keygate\.example>\r$/m);
  });

  it('a 4xx reply is retried with the same Message-ID; the text is never logged', async () => {
    const s = await sink((n) => (n === 1 ? 451 : undefined));
    const { delivery, lines, sleeps } = adapter(s.url);
    expect(await delivery.send(MESSAGE)).toEqual({ status: 'delivered', attempts: 2 });
    expect(s.attempts()).toBe(2);
    expect(sleeps).toHaveLength(1);
    const failed = lines.find((l) => l.includes('delivery attempt failed'))!;
    expect(JSON.parse(failed)).toMatchObject({ adapter: 'smtp', channel: 'email', attempt: 1, reason: 'rate_limited', smtpCode: 451 });
    for (const l of lines) {
      expect(l).not.toContain('482913');
      expect(l).not.toContain('alice@example.com');
    }
  });

  it('a 5xx reply fails permanently after one attempt', async () => {
    const s = await sink(() => 550);
    expect(await adapter(s.url).delivery.send(MESSAGE)).toEqual({ status: 'failed_permanently', attempts: 1, reason: 'rejected', smtpCode: 550 });
    expect(s.attempts()).toBe(1);
  });

  it('no server listening: network errors, retried, failed after retries', async () => {
    const s = await sink();
    const server = sinks.pop()!;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { delivery, sleeps } = adapter(s.url, 1);
    expect(await delivery.send(MESSAGE)).toEqual({ status: 'failed_after_retries', attempts: 2, reason: 'network_error' });
    expect(sleeps).toHaveLength(1);
  });

  it('SMS is not its channel', async () => {
    const s = await sink();
    expect(await adapter(s.url).delivery.send({ ...MESSAGE, channel: 'sms', to: '+14155550123' })).toEqual({ status: 'failed_permanently', attempts: 0, reason: 'unsupported_channel' });
    expect(s.attempts()).toBe(0);
  });

  it('createDelivery builds it from SMTP_URL and SMTP_FROM', async () => {
    const s = await sink();
    const delivery = createDelivery(loadConfig({ DELIVERY: 'smtp', SMTP_URL: s.url, SMTP_FROM: 'no-reply@keygate.example' }), { logger: silentLogger, clock: new FixedClock() });
    expect(delivery.kind).toBe('smtp');
    expect(delivery.channels).toEqual(['email']);
    expect(await delivery.send(MESSAGE)).toEqual({ status: 'delivered', attempts: 1 });
    expect(s.mails[0]!.from).toBe('no-reply@keygate.example');
  });
});
