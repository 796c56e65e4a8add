import { z } from 'zod';
import { count, type ConfigKey } from './config-values.js';

/**
 * The configuration keys of message delivery (server/src/delivery/), part of configKeys.
 * The rules that span several of them are in delivery-config-problem.ts.
 */
export const deliveryKeys = {
  delivery: {
    env: 'DELIVERY',
    doc: 'How keygate sends messages (one-time codes, approval links): `webhook` (signed JSON POST to DELIVERY_WEBHOOK_URL, e.g. a CPaaS), `smtp` (email through SMTP_URL), `dev` (kept in memory for the demo\'s developer panel; refused in production) or `none` (sending fails: nothing that needs it can be enabled).',
    default: 'none',
    schema: z.enum(['webhook', 'smtp', 'dev', 'none'], { message: 'must be webhook, smtp, dev or none' }),
  },
  deliveryWebhookUrl: {
    env: 'DELIVERY_WEBHOOK_URL',
    // A CPaaS URL may carry an account token in its path or query.
    secret: true,
    doc: 'With DELIVERY=webhook: the endpoint messages are POSTed to (https in production). Redirects are not followed.',
    schema: z
      .string()
      .refine((s) => {
        try {
          const u = new URL(s);
          return u.protocol === 'https:' || u.protocol === 'http:';
        } catch {
          return false;
        }
      }, 'must be an http(s) URL such as https://sms.example.com/keygate')
      .optional(),
  },
  deliveryWebhookSecret: {
    env: 'DELIVERY_WEBHOOK_SECRET',
    secret: true,
    doc: 'With DELIVERY=webhook: the secret (32+ characters) keying the X-Keygate-Signature HMAC-SHA256 the receiver checks (see the README, "Delivering messages").',
    schema: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
  },
  deliveryTimeoutMs: {
    env: 'DELIVERY_TIMEOUT_MS',
    doc: 'Bound (ms) on each delivery attempt (webhook request; SMTP connect, greeting and each reply).',
    default: '5000',
    schema: count(100).max(60_000, 'must be at most 60000'),
  },
  deliveryRetries: {
    env: 'DELIVERY_RETRIES',
    doc: 'Retries after a failed attempt that may succeed later (webhook: 5xx, 429, timeout, network error; SMTP: 4xx reply, connection error), with exponential backoff and jitter and the same idempotency key; never after another 4xx (or SMTP 5xx).',
    default: '2',
    schema: z.coerce.number().int('must be an integer').min(0, 'must be 0 or more').max(10, 'must be at most 10'),
  },
  smtpUrl: {
    env: 'SMTP_URL',
    secret: true,
    doc: 'With DELIVERY=smtp: the SMTP server, smtps://user:password@host:465 (implicit TLS) or smtp://user:password@host:587 (STARTTLS when offered; add ?requireTLS=true to insist).',
    schema: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL').optional(),
  },
  smtpFrom: {
    env: 'SMTP_FROM',
    doc: 'With DELIVERY=smtp: the From address, e.g. `keygate <no-reply@example.com>`.',
    schema: z
      .string()
      .regex(/^([^<>\r\n]{0,64}<[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/, 'must be an address such as no-reply@example.com or "keygate <no-reply@example.com>"')
      .optional(),
  },
} satisfies Record<string, ConfigKey<unknown>>;
