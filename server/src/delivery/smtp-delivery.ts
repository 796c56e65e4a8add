import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { Logger } from '../lib/logger.js';
import { invalidMessage, type DeliveryMessage, type DeliveryResult, type MessageDelivery } from './message-delivery.js';
import { withRetries, type AttemptOutcome } from './with-retries.js';

export interface SmtpDeliveryOptions {
  /** SMTP_URL: smtp(s)://user:password@host:port[?options nodemailer reads]. */
  url: string;
  /** SMTP_FROM. */
  from: string;
  timeoutMs: number;
  retries: number;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** Error codes of nodemailer's that mean "the connection failed", worth another try. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPROTOCOL']);

/** SMTP replies: 4xx try later, 5xx refused for good (RFC 5321 §4.2.1); no reply: by nodemailer's code. */
function outcomeOf(err: unknown): AttemptOutcome {
  const e = err as { responseCode?: number; code?: string };
  if (typeof e.responseCode === 'number') {
    return e.responseCode >= 500
      ? { kind: 'permanent', reason: 'rejected', smtpCode: e.responseCode }
      : { kind: 'transient', reason: 'rate_limited', smtpCode: e.responseCode };
  }
  if (e.code === 'ETIMEDOUT') return { kind: 'transient', reason: 'timeout' };
  if (e.code && TRANSIENT_CODES.has(e.code)) return { kind: 'transient', reason: 'network_error' };
  // EENVELOPE, EMESSAGE, EAUTH without a reply, ...: retrying the same message will not help.
  return { kind: 'permanent', reason: 'rejected' };
}

/**
 * The SMTP adapter, through nodemailer (a maintained client: STARTTLS/implicit TLS, AUTH,
 * pipelining, dot-stuffing and header encoding are not things to write by hand). Email only:
 * an `sms` message fails permanently with `unsupported_channel`. The Message-ID is derived
 * from the idempotency key, so every retry of one message carries the same id and a
 * receiving system can drop duplicates. nodemailer's own logging stays off (it would print
 * the message); its errors are mapped to a reason and never passed on.
 */
export function createSmtpDelivery(o: SmtpDeliveryOptions): MessageDelivery {
  // Keys of the URL (e.g. ?requireTLS=true) win over these.
  const transport = createTransport({
    url: o.url,
    connectionTimeout: o.timeoutMs,
    greetingTimeout: o.timeoutMs,
    socketTimeout: o.timeoutMs,
    logger: false,
    debug: false,
  });
  const domain = (o.from.match(/@([^\s<>@]+)>?$/)?.[1] ?? 'keygate.invalid').toLowerCase();
  return {
    kind: 'smtp',
    channels: Object.freeze(['email'] as const),
    async send(message: DeliveryMessage): Promise<DeliveryResult> {
      if (invalidMessage(message)) return { status: 'failed_permanently', attempts: 0, reason: 'invalid_message' };
      if (message.channel !== 'email') return { status: 'failed_permanently', attempts: 0, reason: 'unsupported_channel' };
      const messageId = `<${createHash('sha256').update(message.idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
      return withRetries({ ...o, adapter: 'smtp', channel: 'email' }, async () => {
        try {
          await transport.sendMail({ from: o.from, to: message.to, subject: message.subject ?? '', text: message.text, messageId });
          return { kind: 'delivered' };
        } catch (err) {
          return outcomeOf(err);
        }
      });
    },
  };
}
