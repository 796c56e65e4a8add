/**
 * The pooled CSPRNG (lib/random.ts): every draw has the length asked for, across pool
 * refills; no bytes are handed out twice; each result is a copy of its own.
 */
import { describe, expect, it } from '@jest/globals';
import { randomId, secureRandom } from '../../server/src/lib/random.js';

describe('secureRandom', () => {
  it('hands out each byte once: 20 000 ids of 32 bytes (many pool refills) are all distinct, with odd sizes between', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const b = secureRandom.bytes(32);
      expect(b).toHaveLength(32);
      seen.add(Buffer.from(b).toString('hex'));
      if (i % 97 === 0) expect(secureRandom.bytes(1 + (i % 13))).toHaveLength(1 + (i % 13));
    }
    expect(seen.size).toBe(20_000);
  });

  it('a result is a copy: changing it changes no later result', () => {
    const a = secureRandom.bytes(16);
    a.fill(0);
    const b = secureRandom.bytes(16);
    expect(Buffer.from(b).equals(Buffer.alloc(16))).toBe(false);
  });

  it('large and empty requests are drawn directly', () => {
    expect(secureRandom.bytes(5000)).toHaveLength(5000);
    expect(secureRandom.bytes(0)).toHaveLength(0);
    expect(randomId(secureRandom, 32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('is not a constant or a counter: the bytes of many draws are spread over all values', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 2000; i++) for (const x of secureRandom.bytes(32)) counts[x]!++;
    // 64 000 bytes: each value about 250 times; a broken source (zeros, a counter, a repeat) is far off.
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.max(...counts)).toBeLessThan(360);
  });
});
