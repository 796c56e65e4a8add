/**
 * What a sign-in proves (DESIGN.md "What a login proves"): amr (RFC 8176) and acr derived
 * only from verified factors. Each row is one combination the design names, plus the
 * single-factor states that must never reach `mfa`.
 */
import { describe, expect, it } from '@jest/globals';
import { ACR, acrRank, deriveSignInProof, type Acr, type ProvenFactor } from '../../server/src/policy/sign-in-proof.js';

const pwd: ProvenFactor = { kind: 'password' };
const totp: ProvenFactor = { kind: 'totp' };
const code: ProvenFactor = { kind: 'recovery_code' };
const key = (userVerified: boolean, hardwareBound: boolean): ProvenFactor => ({ kind: 'webauthn', userVerified, hardwareBound });

describe('deriveSignInProof', () => {
  it.each<[string, ProvenFactor[], string[], Acr]>([
    // WebAuthn with UV: two factors on its own (possession + the PIN/biometric the key checked).
    ['key with UV, hardware-bound', [key(true, true)], ['hwk', 'user', 'mfa'], ACR.phishingResistantHardware],
    ['key with UV, not hardware-bound (passkey / unattested)', [key(true, false)], ['swk', 'user', 'mfa'], ACR.phishingResistant],
    // Password + key with user presence only.
    ['password + key (UP), hardware-bound', [pwd, key(false, true)], ['pwd', 'hwk', 'mfa'], ACR.phishingResistantHardware],
    ['password + key (UP), not hardware-bound', [pwd, key(false, false)], ['pwd', 'swk', 'mfa'], ACR.phishingResistant],
    ['password + key with UV, hardware-bound', [pwd, key(true, true)], ['pwd', 'hwk', 'user', 'mfa'], ACR.phishingResistantHardware],
    ['password + key with UV, not hardware-bound', [pwd, key(true, false)], ['pwd', 'swk', 'user', 'mfa'], ACR.phishingResistant],
    // Password + TOTP: two factors, phishable.
    ['password + TOTP', [pwd, totp], ['pwd', 'otp', 'mfa'], ACR.mfa],
    // Password + recovery code: two factors at the lower recovery level.
    ['password + recovery code', [pwd, code], ['pwd', 'kba', 'mfa'], ACR.recovery],
    // Password + a code by SMS or email: two factors at the oob level, between recovery and TOTP's mfa.
    ['password + SMS code', [pwd, { kind: 'sms' }], ['pwd', 'sms', 'mfa'], ACR.oob],
    ['password + email code', [pwd, { kind: 'email' }], ['pwd', 'otp', 'mfa'], ACR.oob],
    ['SMS code only', [{ kind: 'sms' }], ['sms'], ACR.singleFactor],
    // One factor: never mfa.
    ['password only (half sign-in)', [pwd], ['pwd'], ACR.singleFactor],
    ['key without UV only, not hardware-bound', [key(false, false)], ['swk'], ACR.singleFactor],
    ['key without UV only, hardware-bound', [key(false, true)], ['hwk'], ACR.singleFactor],
    ['TOTP only', [totp], ['otp'], ACR.singleFactor],
    ['recovery code only', [code], ['kba'], ACR.singleFactor],
    ['nothing', [], [], ACR.singleFactor],
  ])('%s', (_what, factors, amr, acr) => {
    const proof = deriveSignInProof(factors);
    expect([...proof.amr].sort()).toEqual([...amr].sort());
    expect(proof.acr).toBe(acr);
  });

  it('ranks oob above recovery and below mfa', () => {
    expect(acrRank(ACR.recovery)).toBeLessThan(acrRank(ACR.oob));
    expect(acrRank(ACR.oob)).toBeLessThan(acrRank(ACR.mfa));
  });

  it('is order-independent: the same factors in the other order prove the same', () => {
    const combos: ProvenFactor[][] = [
      [pwd, key(false, true)],
      [pwd, key(true, false)],
      [pwd, totp],
      [pwd, code],
    ];
    for (const factors of combos) {
      const a = deriveSignInProof(factors);
      const b = deriveSignInProof([...factors].reverse());
      expect([...b.amr].sort()).toEqual([...a.amr].sort());
      expect(b.acr).toBe(a.acr);
    }
  });

  it('never claims "pin" (WebAuthn does not say whether the user was verified by PIN or biometric)', () => {
    for (const f of [[key(true, true)], [key(true, false)], [pwd, key(true, true)]]) {
      expect(deriveSignInProof(f).amr).not.toContain('pin');
    }
  });

  it('has no duplicate amr values', () => {
    const { amr } = deriveSignInProof([pwd, key(true, true)]);
    expect(new Set(amr).size).toBe(amr.length);
  });

  it('a recovery-code sign-in ranks above one factor and below password + TOTP', () => {
    const rank = acrRank(deriveSignInProof([pwd, code]).acr);
    expect(rank).toBeGreaterThan(acrRank(deriveSignInProof([pwd]).acr));
    expect(rank).toBeLessThan(acrRank(deriveSignInProof([pwd, totp]).acr));
  });

  it.each<[string, ProvenFactor[]]>([
    ['password twice', [pwd, pwd]],
    ['TOTP twice', [totp, totp]],
    ['a key without UV twice', [key(false, false), key(false, false)]],
  ])('the same single factor proven twice is still one factor (%s): no mfa, single-factor acr', (_what, factors) => {
    // "mfa when two INDEPENDENT factors were proven": repeating one factor is not a second one.
    const proof = deriveSignInProof(factors);
    expect(proof.amr).not.toContain('mfa');
    expect(proof.acr).toBe(ACR.singleFactor);
  });
});

describe('acrRank', () => {
  it('orders the levels lowest first: sf < recovery < oob < mfa < phr < phrh', () => {
    const order = [ACR.singleFactor, ACR.recovery, ACR.oob, ACR.mfa, ACR.phishingResistant, ACR.phishingResistantHardware];
    expect(order.map(acrRank)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it.each(['', 'urn:keygate:acr:unknown', 'phr', 'URN:KEYGATE:ACR:PHR', 'urn:keygate:acr:phr '])('is -1 for an acr keygate did not issue (%p)', (acr) => {
    expect(acrRank(acr)).toBe(-1);
  });

  it('every acr deriveSignInProof returns has a rank', () => {
    for (const f of [[pwd], [pwd, totp], [pwd, code], [key(true, false)], [key(true, true)]]) {
      expect(acrRank(deriveSignInProof(f).acr)).toBeGreaterThanOrEqual(0);
    }
  });
});
