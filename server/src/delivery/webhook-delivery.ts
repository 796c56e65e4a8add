import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { invalidMessage, type DeliveryMessage, type DeliveryResult, type MessageDelivery } from './message-delivery.js';
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook-signature.js';
import { withRetries, type AttemptOutcome } from './with-retries.js';

export interface WebhookDeliveryOptions {
  url: string;
  /** 32+ characters; keys the HMAC (webhook-signature.ts). */
  secret: string;
  timeoutMs: number;
  retries: number;
  logger: Logger;
  /** The signature's timestamp comes from here (a fresh one for every attempt). */
  clock: Clock;
  /** Injected for tests; defaults to the global fetch (undici). */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** Retry-After in seconds (RFC 9110 §10.2.3; the HTTP-date form is ignored), as ms. */
function retryAfterMs(res: Response): number | undefined {
  const v = res.headers.get('retry-after');
  return v && /^\d{1,6}$/.test(v.trim()) ? Number(v.trim()) * 1000 : undefined;
}

/** What an HTTP reply means for a retry: 2xx delivered; 429 and 5xx transient; the rest permanent. */
function outcomeOf(res: Response): AttemptOutcome {
  const status = res.status;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 429) return { kind: 'transient', reason: 'rate_limited', httpStatus: status, retryAfterMs: retryAfterMs(res) };
  if (status >= 500) return { kind: 'transient', reason: 'server_error', httpStatus: status, retryAfterMs: retryAfterMs(res) };
  // 3xx too: redirects are not followed, so that a signed message never goes elsewhere.
  return { kind: 'permanent', reason: 'rejected', httpStatus: status };
}

/**
 * The webhook adapter: POSTs `{ to, channel, text, subject?, idempotencyKey }` as JSON to
 * DELIVERY_WEBHOOK_URL (a CPaaS, or the deployment's own relay), with
 * - `X-Keygate-Timestamp` / `X-Keygate-Signature` (webhook-signature.ts), re-signed with a
 *   fresh timestamp on every attempt, so a retry is not refused as stale;
 * - `Idempotency-Key`: the message's key, the same on every attempt;
 * - each attempt bounded by `timeoutMs` (AbortSignal.timeout), redirects not followed;
 * - retries (withRetries) on 5xx, 429, timeouts and network errors, waiting at least a
 *   Retry-After (up to the longest backoff); none on other 4xx.
 * The reply body is discarded unread: nothing in it is trusted or logged.
 */
export function createWebhookDelivery(o: WebhookDeliveryOptions): MessageDelivery {
  const doFetch = o.fetch ?? fetch;
  return {
    kind: 'webhook',
    channels: Object.freeze(['sms', 'email'] as const),
    async send(message: DeliveryMessage): Promise<DeliveryResult> {
      if (invalidMessage(message)) return { status: 'failed_permanently', attempts: 0, reason: 'invalid_message' };
      const { to, channel, text, subject, idempotencyKey } = message;
      const body = JSON.stringify(subject === undefined ? { to, channel, text, idempotencyKey } : { to, channel, text, subject, idempotencyKey });
      return withRetries({ ...o, adapter: 'webhook', channel }, async () => {
        const timestamp = Math.floor(o.clock.now().getTime() / 1000);
        let res: Response;
        try {
          res = await doFetch(o.url, {
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              'User-Agent': 'keygate',
              'Idempotency-Key': idempotencyKey,
              [TIMESTAMP_HEADER]: String(timestamp),
              [SIGNATURE_HEADER]: signWebhook(o.secret, timestamp, body),
            },
            body,
            redirect: 'manual',
            signal: AbortSignal.timeout(o.timeoutMs),
          });
        } catch (err) {
          const name = (err as Error)?.name;
          return { kind: 'transient', reason: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network_error' };
        }
        // Free the connection; a body that fails mid-way does not change the status.
        await res.body?.cancel().catch(() => undefined);
        return outcomeOf(res);
      });
    },
  };
}
