import { describe, expect, it } from '@jest/globals';
import { sweepTrigger } from '../../server/src/storage/memory/sweep-trigger.js';

describe('sweepTrigger (when the memory store scans a map for expired entries)', () => {
  it('fires once per 1,000 writes while the map is small, whatever its size sits at', () => {
    for (const size of [0, 999, 1000]) {
      const due = sweepTrigger();
      const fired = Array.from({ length: 3000 }, () => due(size)).filter(Boolean).length;
      expect(fired).toBe(3); // a size-based trigger ("a multiple of 1,000") fired 3,000 times at size 1,000
    }
  });

  it('fires once per `size` writes for a larger map: at most one entry checked per write', () => {
    const due = sweepTrigger();
    const fired = Array.from({ length: 100_000 }, () => due(25_000)).filter(Boolean).length;
    expect(fired).toBe(4);
  });
});
