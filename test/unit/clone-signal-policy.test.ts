/**
 * What to do on a clone signal (policy/clone-signal.ts, WebAuthn §7.2 step 21): a counter
 * that did not grow flags the credential, ends its sessions, is audited and is refused with
 * `counter_regression`; a counter that grew, or no counter at all (both zero), is no signal.
 */
import { describe, expect, it } from '@jest/globals';
import { reactToCloneSignal, type CloneReaction } from '../../server/src/policy/clone-signal.js';

const reaction = (stored: number, received: number): CloneReaction => ({
  flag: true,
  endSessions: true,
  audit: { type: 'credential.possibly_cloned', outcome: 'failure', code: 'counter_regression', data: { received, stored } },
  refuse: { code: 'counter_regression' },
});

describe('reactToCloneSignal', () => {
  // [stored, received, reaction]
  it.each<[number, number, CloneReaction | undefined]>([
    [0, 0, undefined], // the authenticator keeps no counter
    [0, 1, undefined],
    [5, 6, undefined],
    [5, 1_000, undefined],
    [5, 5, reaction(5, 5)], // the same value twice: replayed or cloned
    [5, 4, reaction(5, 4)],
    [5, 0, reaction(5, 0)], // a counter that went back to zero
    [1, 0, reaction(1, 0)],
    [0xffffffff, 0, reaction(0xffffffff, 0)], // no wrap-around forgiveness
  ])('stored %p, received %p → %o', (stored, received, expected) => {
    expect(reactToCloneSignal({ stored, received })).toEqual(expected);
  });

  it('a clone signal is always refused with counter_regression, and the key always flagged', () => {
    for (const [stored, received] of [[1, 1], [9, 3], [2, 0]] as const) {
      const r = reactToCloneSignal({ stored, received })!;
      expect(r.refuse.code).toBe('counter_regression');
      expect(r.flag).toBe(true);
    }
  });
});
