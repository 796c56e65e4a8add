/**
 * The webhook adapter's signature, both sides of it. This file depends on node:crypto only,
 * so a receiver written in TypeScript/JavaScript can copy it as is.
 *
 * Scheme (like Stripe's and Slack's): the sender puts the current unix time in seconds in
 * `X-Keygate-Timestamp` and `v1=<hex HMAC-SHA256(secret, timestamp + "." + rawBody)>` in
 * `X-Keygate-Signature`. The receiver recomputes the HMAC over the raw bytes it received
 * (before any JSON parsing), compares in constant time, and refuses a timestamp outside its
 * tolerance: a forged body fails the HMAC, a replayed request fails the timestamp (and the
 * `Idempotency-Key` header lets it drop a retry it already handled).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Keygate-Timestamp';
export const SIGNATURE_HEADER = 'X-Keygate-Signature';

/** The `X-Keygate-Signature` value for `body` sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `v1=${mac}`;
}

export type WebhookVerification = { ok: true; timestamp: number } | { ok: false; reason: 'missing_headers' | 'stale_timestamp' | 'bad_signature' };

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const v = bag[name.toLowerCase()] ?? bag[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Checks a received webhook: `headers` as node:http gives them (`req.headers`) or a fetch
 * `Headers`; `rawBody` the exact bytes received; `now` the receiver's clock. Accepts when the
 * timestamp is within `toleranceSeconds` of `now` (either way: clocks drift) and one `v1=`
 * entry of the signature header (several may be listed, comma-separated, while a secret is
 * rotated) matches, compared with timingSafeEqual.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: HeaderBag,
  rawBody: string | Buffer,
  now: Date | number = Date.now(),
  toleranceSeconds = 300,
): WebhookVerification {
  const ts = header(headers, TIMESTAMP_HEADER);
  const sig = header(headers, SIGNATURE_HEADER);
  if (!ts || !sig || !/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'missing_headers' };
  const timestamp = Number(ts);
  const nowSeconds = Math.floor((typeof now === 'number' ? now : now.getTime()) / 1000);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: 'stale_timestamp' };
  const expected = Buffer.from(signWebhook(secret, timestamp, rawBody).slice(3), 'hex');
  const match = sig
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1=') && /^[0-9a-f]{64}$/i.test(s.slice(3)))
    .some((s) => timingSafeEqual(Buffer.from(s.slice(3), 'hex'), expected));
  return match ? { ok: true, timestamp } : { ok: false, reason: 'bad_signature' };
}
