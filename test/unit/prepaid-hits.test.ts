/**
 * The rate limit's prepaid hits (rate-limiting/prepaid-hits.ts, rate-limiting/enforce-rate-limit.ts): a ceremony
 * start counts its result with it in one store increment; the decisions are those of
 * counting every request on its own, and a prepaid hit is only ever kept within the limit
 * and within its window.
 */
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../server/src/config/load-config.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import { PrepaidHits } from '../../server/src/rate-limiting/prepaid-hits.js';
import { enforceRateLimit } from '../../server/src/rate-limiting/enforce-rate-limit.js';
import { createMemoryStore } from '../../server/src/storage/memory/memory-store.js';

const MINUTE = 60_000;
const W = Math.floor(Date.parse('2030-01-01T00:00:00Z') / MINUTE) * MINUTE;

describe('PrepaidHits', () => {
  it('gives each kept hit once, only inside its window', () => {
    const book = new PrepaidHits();
    book.add('k', 2, W, W + MINUTE);
    expect(book.take('k', new Date(W - 1))).toBe(false); // before the window (clock went back): dropped
    book.add('k', 2, W, W + MINUTE);
    expect(book.take('k', new Date(W + 10))).toBe(true);
    expect(book.take('k', new Date(W + 20))).toBe(true);
    expect(book.take('k', new Date(W + 30))).toBe(false);
    book.add('k', 1, W, W + MINUTE);
    expect(book.take('k', new Date(W + MINUTE))).toBe(false); // the window ended
    expect(book.take('other', new Date(W))).toBe(false);
    book.add('z', 0, W, W + MINUTE);
    expect(book.size).toBe(0);
  });

  it('a new window replaces the old one; the book stays bounded', () => {
    const book = new PrepaidHits(3);
    book.add('k', 1, W, W + MINUTE);
    book.add('k', 1, W + MINUTE, W + 2 * MINUTE);
    expect(book.take('k', new Date(W + MINUTE + 1))).toBe(true);
    expect(book.take('k', new Date(W + MINUTE + 2))).toBe(false);
    for (let i = 0; i < 10; i++) book.add(`k${i}`, 1, W, W + MINUTE);
    expect(book.size).toBeLessThanOrEqual(3);
  });
});

describe('enforceRateLimit with prepaid follow-ups', () => {
  const setup = (limit: number) => {
    const store = createMemoryStore();
    const clock = new FixedClock(W + 1_000);
    const config = loadConfig({ NODE_ENV: 'test', RP_ID: 'localhost', RP_ORIGINS: 'http://localhost:3000', SESSION_SECRET: 'test-secret-test-secret-test-secret!', RATE_LIMIT_PER_MINUTE: String(limit) });
    const calls: number[] = [];
    const hit = store.rateLimits.hit.bind(store.rateLimits);
    store.rateLimits.hit = (key, windowMs, now, hits) => {
      calls.push(hits ?? 1);
      return hit(key, windowMs, now, hits);
    };
    return { deps: { store, clock, config }, calls, book: new PrepaidHits() };
  };
  const outcome = (p: Promise<void>): Promise<string> => p.then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));

  it('with each start followed by its result, serves as many requests as counting each on its own, never more than the limit', async () => {
    // s = a ceremony start (prepays one follow-up), r = its result, o = any other request of the
    // key. Limit 5. Counting each request on its own serves the first 5; so does this (which
    // five may differ: a start can be refused where a pending result took the last place).
    for (const pattern of ['srsrsrsr', 'ssssrrrr', 'oooooooo', 'sssrrroo', 'srosrsro', 'osssrrro', 'oooosroo', 'ooooosro', 'ssrrssrr']) {
      const { deps, book } = setup(5);
      const got: string[] = [];
      for (const ch of pattern) got.push(await outcome(enforceRateLimit(deps, 'ceremony', 'ip', { book, followUps: ch === 's' ? 1 : 0 })));
      expect({ pattern, served: got.filter((g) => g === 'ok').length }).toEqual({ pattern, served: 5 });
      expect(got.every((g) => g === 'ok' || g === 'rate_limited')).toBe(true);
    }
  });

  it('a start never takes the prepaid hit of another start, so concurrent sign-ins from one address cost one increment each', async () => {
    const { deps, calls, book } = setup(100);
    // Four clients behind one address start at once, then their results come.
    for (let i = 0; i < 4; i++) expect(await outcome(enforceRateLimit(deps, 'ceremony', 'ip', { book, followUps: 1 }))).toBe('ok');
    for (let i = 0; i < 4; i++) expect(await outcome(enforceRateLimit(deps, 'ceremony', 'ip', { book, followUps: 0 }))).toBe('ok');
    expect(calls).toEqual([2, 2, 2, 2]);
  });

  it('a prepaid hit nobody takes stays counted: the safe side, by one request', async () => {
    const { deps, book } = setup(3);
    expect(await outcome(enforceRateLimit(deps, 'ceremony', 'ip', { book, followUps: 1 }))).toBe('ok'); // counts 2
    const elsewhere = new PrepaidHits(); // another instance: the result went there
    expect(await outcome(enforceRateLimit(deps, 'ceremony', 'ip', { book: elsewhere, followUps: 0 }))).toBe('ok'); // 3
    expect(await outcome(enforceRateLimit(deps, 'ceremony', 'ip', { book: elsewhere, followUps: 0 }))).toBe('rate_limited'); // 4: only 2 served
    expect(await outcome(enforceRateLimit(deps, 'ceremony', 'ip', { book, followUps: 0 }))).toBe('ok'); // this instance's prepaid hit
  });

  it('options + result pairs cost one store round trip per pair, and the limit holds', async () => {
    const { deps, calls, book } = setup(6);
    const results: string[] = [];
    for (let i = 0; i < 5; i++) {
      results.push(await outcome(enforceRateLimit(deps, 'ceremony', 'ip', { book, followUps: 1 })));
      results.push(await outcome(enforceRateLimit(deps, 'ceremony', 'ip', { book, followUps: 0 })));
    }
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'rate_limited', 'rate_limited', 'rate_limited', 'rate_limited']);
    expect(calls.slice(0, 3)).toEqual([2, 2, 2]);
  });

  it('a prepaid hit over the limit is not kept: the result of a last allowed start still counts and is refused', async () => {
    const { deps, book } = setup(3);
    expect(await outcome(enforceRateLimit(deps, 'ceremony', 'ip', { book, followUps: 0 }))).toBe('ok'); // 1
    expect(await outcome(enforceRateLimit(deps, 'ceremony', 'ip', { book, followUps: 0 }))).toBe('ok'); // 2
    expect(await outcome(enforceRateLimit(deps, 'ceremony', 'ip', { book, followUps: 1 }))).toBe('ok'); // 3 (+1 over: not kept)
    expect(book.size).toBe(0);
    expect(await outcome(enforceRateLimit(deps, 'ceremony', 'ip', { book, followUps: 0 }))).toBe('rate_limited');
  });

  it('a prepaid hit does not outlive its window', async () => {
    const { deps, calls, book } = setup(10);
    await enforceRateLimit(deps, 'ceremony', 'ip', { book, followUps: 1 });
    deps.clock.advance(MINUTE);
    await enforceRateLimit(deps, 'ceremony', 'ip', { book, followUps: 0 });
    expect(calls).toEqual([2, 1]);
  });
});
