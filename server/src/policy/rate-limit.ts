import { retryAfterSeconds } from '../lib/clock.js';

/**
 * The rate-limit decision (DESIGN.md "Who decides"), pure: given where a request stands in
 * its client's one-minute window, is it served, and if not, when may the client retry?
 * The counting (store increments, prepaid hits) is rate-limiting/enforce-rate-limit.ts.
 *
 * - `limit` 0 turns the limit off (every request is served, nothing is counted);
 * - a request is served while its `position` in the window is within `limit`; over it, it is
 *   refused with `rate_limited` and `retryAfterSeconds` until the window ends (at least 1);
 * - a served request that starts a ceremony counted `followUps` later requests with it: only
 *   those whose positions are still within the limit may be served later (`prepaid`).
 */
export type RateLimitDecision =
  | { allowed: true; prepaid: number }
  | { allowed: false; code: 'rate_limited'; retryAfterSeconds: number };

export function decideRateLimit(input: { limit: number; position: number; followUps: number; now: Date; resetAt: Date }): RateLimitDecision {
  const { limit, position, followUps, now, resetAt } = input;
  if (limit === 0) return { allowed: true, prepaid: 0 };
  if (position > limit) {
    return { allowed: false, code: 'rate_limited', retryAfterSeconds: retryAfterSeconds(resetAt, now) };
  }
  return { allowed: true, prepaid: Math.max(0, Math.min(followUps, limit - position)) };
}
