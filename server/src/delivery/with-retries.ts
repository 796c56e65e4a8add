import type { Logger } from '../lib/logger.js';
import type { DeliveryChannel, DeliveryFailureReason, DeliveryResult } from './message-delivery.js';

/** What one attempt came to: success, a failure worth retrying, or one that is not. */
export type AttemptOutcome =
  | { kind: 'delivered' }
  | { kind: 'transient' | 'permanent'; reason: DeliveryFailureReason; httpStatus?: number; smtpCode?: number; retryAfterMs?: number };

export interface RetryOptions {
  /** Retries after the first attempt (DELIVERY_RETRIES). */
  retries: number;
  /** First backoff (ms); it doubles per retry up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected for tests: waits `ms`. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for tests: a number in [0, 1) for the jitter. */
  random?: () => number;
  logger: Logger;
  /** Logged with each failed attempt (never the destination or the text). */
  adapter: string;
  channel: DeliveryChannel;
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Backoff before retry `n` (1-based): exponential, capped, with "equal jitter" (half fixed,
 * half random) so that many instances retrying one failed receiver do not arrive together.
 */
export function backoffDelay(n: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const d = Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1));
  return Math.round(d / 2 + random() * (d / 2));
}

/**
 * Runs `attempt` (1-based attempt number) until it delivers, fails permanently, or has
 * failed transiently 1 + `retries` times; never throws (an attempt that throws is a bug in
 * the adapter and counts as a permanent `rejected`, logged without its message).
 */
export async function withRetries(o: RetryOptions, attempt: (n: number) => Promise<AttemptOutcome>): Promise<DeliveryResult> {
  const sleep = o.sleep ?? realSleep;
  const random = o.random ?? Math.random;
  const base = o.baseDelayMs ?? 250;
  const max = o.maxDelayMs ?? 5000;
  for (let n = 1; ; n++) {
    let out: AttemptOutcome;
    try {
      out = await attempt(n);
    } catch (err) {
      o.logger.error({ adapter: o.adapter, channel: o.channel, attempt: n, error: (err as Error)?.name }, 'delivery adapter threw (bug): treated as rejected');
      out = { kind: 'permanent', reason: 'rejected' };
    }
    if (out.kind === 'delivered') {
      if (n > 1) o.logger.info({ adapter: o.adapter, channel: o.channel, attempts: n }, 'message delivered after retries');
      return { status: 'delivered', attempts: n };
    }
    const { kind, retryAfterMs, ...fail } = out;
    const last = kind === 'permanent' || n > o.retries;
    o.logger.warn({ adapter: o.adapter, channel: o.channel, attempt: n, ...fail, willRetry: !last }, 'delivery attempt failed');
    if (last) return { status: kind === 'permanent' ? 'failed_permanently' : 'failed_after_retries', attempts: n, ...fail };
    // A receiver's Retry-After is honoured up to the longest backoff, never shortened.
    await sleep(Math.max(backoffDelay(n, base, max, random), Math.min(retryAfterMs ?? 0, max)));
  }
}
