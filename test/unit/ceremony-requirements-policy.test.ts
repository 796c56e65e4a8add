/**
 * What a ceremony requires (policy/ceremony-requirements.ts): user verification, resident
 * key and attestation conveyance are decided by policy from the ceremony's purpose; the
 * request may ask for more, never less.
 */
import { describe, expect, it } from '@jest/globals';
import {
  ceremonyRequirements,
  type AttestationConveyance,
  type RequestedRequirements,
  type ResidentKeyRequirement,
  type UvPurpose,
} from '../../server/src/policy/ceremony-requirements.js';
import { decideUserVerification } from '../../server/src/policy/user-verification.js';

const purposes: UvPurpose[] = ['passwordless_sign_in', 'second_factor', 'passwordless_account_key', 'password_account_key'];
const RK_RANK = { discouraged: 0, preferred: 1, required: 2 } as const;
const ATT_RANK = { none: 0, indirect: 1, direct: 2, enterprise: 3 } as const;

describe('ceremonyRequirements: resident key', () => {
  // [request, expected residentKey, expected requireResidentKey], the same for every purpose.
  it.each<[RequestedRequirements, ResidentKeyRequirement, boolean]>([
    [{}, 'discouraged', false],
    [{ residentKey: 'discouraged' }, 'discouraged', false],
    [{ residentKey: 'preferred' }, 'preferred', false],
    [{ residentKey: 'required' }, 'required', true],
    [{ requireResidentKey: true }, 'required', true],
    [{ requireResidentKey: false }, 'discouraged', false],
    // WebAuthn L2 §5.4.4: residentKey, when present, wins over the L1 flag.
    [{ residentKey: 'preferred', requireResidentKey: true }, 'preferred', false],
    [{ residentKey: 'required', requireResidentKey: false }, 'required', true],
  ])('request %o → %s (requireResidentKey %p)', (requested, residentKey, requireResidentKey) => {
    for (const purpose of purposes) {
      const r = ceremonyRequirements(purpose, requested, 'policy');
      expect([r.residentKey, r.requireResidentKey]).toEqual([residentKey, requireResidentKey]);
    }
  });
});

describe('ceremonyRequirements: attestation conveyance', () => {
  it.each<[AttestationConveyance | undefined, AttestationConveyance]>([
    [undefined, 'none'],
    ['none', 'none'],
    ['indirect', 'indirect'],
    ['direct', 'direct'],
    ['enterprise', 'enterprise'],
  ])('request %p → %s', (attestation, expected) => {
    for (const purpose of purposes) {
      expect(ceremonyRequirements(purpose, { attestation }, 'policy').attestation).toBe(expected);
    }
  });
});

describe('ceremonyRequirements: user verification', () => {
  it.each<[UvPurpose, RequestedRequirements['userVerification'], 'policy' | 'client']>(
    purposes.flatMap((p) => (['discouraged', 'preferred', 'required', undefined] as const).flatMap((uv) => [[p, uv, 'policy'], [p, uv, 'client']] as [UvPurpose, RequestedRequirements['userVerification'], 'policy' | 'client'][])),
  )('%s, requested %p, mode %s: the decision of policy/user-verification.ts', (purpose, userVerification, mode) => {
    expect(ceremonyRequirements(purpose, { userVerification }, mode).userVerification).toEqual(decideUserVerification(purpose, userVerification, mode));
  });
});

describe('ceremonyRequirements: authenticator attachment', () => {
  it.each([[undefined], ['platform'], ['cross-platform']] as const)('the request\'s hint %p passes unchanged (no purpose requires one)', (authenticatorAttachment) => {
    for (const purpose of purposes) expect(ceremonyRequirements(purpose, { authenticatorAttachment }, 'policy').authenticatorAttachment).toBe(authenticatorAttachment);
  });
});

describe('ceremonyRequirements: a request may ask for more, never less', () => {
  it('every field is at least policy\'s floor and at least what was asked', () => {
    for (const purpose of purposes) {
      const floor = ceremonyRequirements(purpose, {}, 'policy');
      for (const residentKey of [undefined, 'discouraged', 'preferred', 'required'] as const) {
        for (const attestation of [undefined, 'none', 'indirect', 'direct', 'enterprise'] as const) {
          const r = ceremonyRequirements(purpose, { residentKey, attestation }, 'policy');
          expect(RK_RANK[r.residentKey]).toBe(Math.max(RK_RANK[floor.residentKey], residentKey ? RK_RANK[residentKey] : 0));
          expect(ATT_RANK[r.attestation]).toBe(Math.max(ATT_RANK[floor.attestation], attestation ? ATT_RANK[attestation] : 0));
          expect(r.requireResidentKey).toBe(r.residentKey === 'required');
        }
      }
    }
  });

  it('the request\'s other fields change nothing', () => {
    const extra = { username: 'alice', extensions: { credProps: true } } as RequestedRequirements;
    for (const purpose of purposes) expect(ceremonyRequirements(purpose, extra, 'policy')).toEqual(ceremonyRequirements(purpose, {}, 'policy'));
  });
});
