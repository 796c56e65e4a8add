import type { Deps } from '../deps.js';
import { KeygateError } from '../errors/keygate-error.js';

const MINUTE = 60_000;

/**
 * Per-client rate limit on ceremony requests: at most RATE_LIMIT_PER_MINUTE per key (the
 * client IP) in each fixed one-minute window, counted in the store so that every instance
 * behind a load balancer shares the count. Over the limit: 429 `rate_limited` with
 * `Retry-After` (seconds until the window ends). A limit of 0 turns it off.
 */
export async function enforceRateLimit(deps: Pick<Deps, 'store' | 'clock' | 'config'>, scope: string, key: string): Promise<void> {
  const limit = deps.config.rateLimitPerMinute;
  if (limit === 0) return;
  const now = deps.clock.now();
  const { count, resetAt } = await deps.store.rateLimits.hit(`${scope}:${key}`, MINUTE, now);
  if (count > limit) {
    const retryAfter = Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000));
    throw new KeygateError('rate_limited', `${count} ${scope} requests from ${key} this minute (limit ${limit})`, {
      headers: { 'Retry-After': String(retryAfter) },
    });
  }
}
