/**
 * The rate-limit decision (policy/rate-limit.ts), apart from the counting
 * (rate-limiting/enforce-rate-limit.ts): served or `rate_limited` with Retry-After, and how
 * many counted follow-ups may be served later.
 */
import { describe, expect, it } from '@jest/globals';
import { decideRateLimit, type RateLimitDecision } from '../../server/src/policy/rate-limit.js';

const now = new Date('2030-01-01T00:00:10Z');
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

describe('decideRateLimit', () => {
  // [limit, position, followUps, seconds to window end, decision]
  it.each<[number, number, number, number, RateLimitDecision]>([
    [0, 1_000, 1, 50, { allowed: true, prepaid: 0 }], // off
    [10, 1, 0, 50, { allowed: true, prepaid: 0 }],
    [10, 10, 0, 50, { allowed: true, prepaid: 0 }], // exactly at the limit
    [10, 11, 0, 50, { allowed: false, code: 'rate_limited', retryAfterSeconds: 50 }],
    [10, 11, 0, 0.2, { allowed: false, code: 'rate_limited', retryAfterSeconds: 1 }], // rounded up
    [10, 11, 0, 0, { allowed: false, code: 'rate_limited', retryAfterSeconds: 1 }], // at least 1
    [10, 11, 0, 49.5, { allowed: false, code: 'rate_limited', retryAfterSeconds: 50 }],
    [10, 1, 1, 50, { allowed: true, prepaid: 1 }], // a ceremony start: its result is prepaid
    [10, 9, 1, 50, { allowed: true, prepaid: 1 }],
    [10, 10, 1, 50, { allowed: true, prepaid: 0 }], // its result would be over the limit
    [10, 8, 5, 50, { allowed: true, prepaid: 2 }],
    [10, 11, 1, 50, { allowed: false, code: 'rate_limited', retryAfterSeconds: 50 }],
  ])('limit %p, position %p, followUps %p, window ends in %p s → %o', (limit, position, followUps, seconds, expected) => {
    expect(decideRateLimit({ limit, position, followUps, now, resetAt: at(seconds) })).toEqual(expected);
  });
});
