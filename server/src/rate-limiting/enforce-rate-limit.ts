import type { Deps } from '../deps.js';
import { KeygateError } from '../errors/keygate-error.js';
import { decideRateLimit } from '../policy/rate-limit.js';
import type { PrepaidHits } from './prepaid-hits.js';

const MINUTE = 60_000;

/**
 * Counts a request against the per-client rate limit on ceremony requests and applies the
 * decision of policy/rate-limit.ts: at most RATE_LIMIT_PER_MINUTE per key (the client IP) in
 * each fixed one-minute window, counted in the store so that every instance behind a load
 * balancer shares the count. Over the limit: 429 `rate_limited` with `Retry-After` (seconds
 * until the window ends). A limit of 0 turns it off (nothing is counted).
 *
 * `prepaid`: hits this process counted ahead (`book`): a request of the key that starts no
 * ceremony takes one of them, when the book holds one for this window, instead of counting
 * again. A request that starts a ceremony expects `followUps` further requests (its result):
 * they are counted with it, in the same store increment, and kept in the book for as many of
 * them as are still within the limit. A start never takes a prepaid hit: each was counted
 * for a result already on its way (another client behind the same address), which would
 * then count again (two store increments per sign-in instead of one). Every request is
 * counted before it is served, a start together
 * with its result (a prepaid hit nobody takes stays counted: the safe side), so at most the
 * limit is served in a window, and when each start's result comes, exactly as many requests
 * as counting each on its own would serve (a start rather than a result is the one refused
 * when the window's last place is taken by a pending result).
 */
export async function enforceRateLimit(
  deps: Pick<Deps, 'store' | 'clock' | 'config'>,
  scope: string,
  key: string,
  prepaid?: { book: PrepaidHits; followUps: number },
): Promise<void> {
  const limit = deps.config.rateLimitPerMinute;
  if (limit === 0) return;
  const now = deps.clock.now();
  const id = `${scope}:${key}`;
  const followUps = prepaid?.followUps ?? 0;
  if (followUps === 0 && prepaid?.book.take(id, now)) return;
  const { count, resetAt } = await deps.store.rateLimits.hit(id, MINUTE, now, 1 + followUps);
  // This request's position in the window (the follow-ups were counted after it).
  const position = count - followUps;
  const decision = decideRateLimit({ limit, position, followUps, now, resetAt });
  if (!decision.allowed) {
    throw new KeygateError(decision.code, `${position} ${scope} requests from ${key} this minute (limit ${limit})`, {
      headers: { 'Retry-After': String(decision.retryAfterSeconds) },
    });
  }
  prepaid?.book.add(id, decision.prepaid, resetAt.getTime() - MINUTE, resetAt.getTime());
}
