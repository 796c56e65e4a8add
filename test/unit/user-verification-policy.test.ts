/**
 * Who decides user verification (DESIGN.md "Who decides"): policy, from what the ceremony is
 * for. A request may ask for more (discouraged < preferred < required), never less; only the
 * FIDO2 conformance profile (mode `client`) lets the request choose.
 */
import { describe, expect, it } from '@jest/globals';
import { decideUserVerification, type UvDecision, type UvPurpose } from '../../server/src/policy/user-verification.js';
import type { UserVerificationRequirement } from '../../server/src/storage/ports.js';

type Requested = UserVerificationRequirement | undefined;
const RANK = { discouraged: 0, preferred: 1, required: 2 } as const;
const purposes: UvPurpose[] = ['passwordless_sign_in', 'second_factor', 'passwordless_account_key', 'password_account_key'];
const requests: Requested[] = [undefined, 'discouraged', 'preferred', 'required'];

const R = (send: UserVerificationRequirement): UvDecision => ({ send, enforce: send === 'required' });

describe('decideUserVerification (mode policy)', () => {
  // Every purpose × every request: [purpose, requested, expected decision].
  it.each<[UvPurpose, Requested, UvDecision]>([
    ['passwordless_sign_in', undefined, R('required')],
    ['passwordless_sign_in', 'discouraged', R('required')],
    ['passwordless_sign_in', 'preferred', R('required')],
    ['passwordless_sign_in', 'required', R('required')],

    ['second_factor', undefined, R('discouraged')],
    ['second_factor', 'discouraged', R('discouraged')],
    ['second_factor', 'preferred', R('preferred')],
    ['second_factor', 'required', R('required')],

    ['passwordless_account_key', undefined, R('required')],
    ['passwordless_account_key', 'discouraged', R('required')],
    ['passwordless_account_key', 'preferred', R('required')],
    ['passwordless_account_key', 'required', R('required')],

    ['password_account_key', undefined, R('preferred')],
    ['password_account_key', 'discouraged', R('preferred')],
    ['password_account_key', 'preferred', R('preferred')],
    ['password_account_key', 'required', R('required')],
  ])('%s, requested %p → %o', (purpose, requested, expected) => {
    expect(decideUserVerification(purpose, requested, 'policy')).toEqual(expected);
  });

  it('a request may ask for more, never less: send is never below the policy floor nor below the request', () => {
    for (const purpose of purposes) {
      const floor = decideUserVerification(purpose, undefined, 'policy').send;
      for (const requested of requests) {
        const { send, enforce } = decideUserVerification(purpose, requested, 'policy');
        expect(RANK[send]).toBeGreaterThanOrEqual(RANK[floor]);
        if (requested !== undefined) expect(RANK[send]).toBeGreaterThanOrEqual(RANK[requested]);
        expect(RANK[send]).toBe(Math.max(RANK[floor], requested === undefined ? 0 : RANK[requested]));
        // UV is enforced exactly when the browser is told it is required.
        expect(enforce).toBe(send === 'required');
      }
    }
  });

  it('a key that is the only proof always has UV enforced', () => {
    for (const requested of requests) {
      expect(decideUserVerification('passwordless_sign_in', requested, 'policy').enforce).toBe(true);
      expect(decideUserVerification('passwordless_account_key', requested, 'policy').enforce).toBe(true);
    }
  });
});

describe('decideUserVerification (mode client, FIDO2 conformance profile)', () => {
  it.each<[UvPurpose, Requested, UvDecision]>(
    purposes.flatMap((purpose) => [
      [purpose, undefined, { send: 'preferred', enforce: false }],
      [purpose, 'discouraged', { send: 'discouraged', enforce: false }],
      [purpose, 'preferred', { send: 'preferred', enforce: false }],
      [purpose, 'required', { send: 'required', enforce: true }],
    ] as [UvPurpose, Requested, UvDecision][]),
  )('%s, requested %p → %o (the request chooses)', (purpose, requested, expected) => {
    expect(decideUserVerification(purpose, requested, 'client')).toEqual(expected);
  });
});
