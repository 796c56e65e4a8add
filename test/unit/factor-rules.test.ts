/**
 * Factor rules: what a correct password may continue with (`enrol` only for an account that
 * never had a second factor), whether an account can still sign in, and the `last_factor`
 * rule (a removal never takes away the last way in; every factor counts, not only keys).
 */
import { describe, expect, it } from '@jest/globals';
import { canCompleteSignIn, nextSteps, removalLeavesAWayIn, type FactorSet, type NextStep } from '../../server/src/policy/factor-rules.js';

function f(o: Partial<FactorSet> = {}): FactorSet {
  return { password: false, usableKeys: 0, passwordlessKeys: 0, totp: false, recoveryCodes: 0, sms: false, email: false, anySecondFactor: false, ...o };
}

describe('nextSteps (after a correct password)', () => {
  it.each<[string, FactorSet, NextStep[]]>([
    ['a password sign-up not finished (no second factor ever)', f({ password: true }), ['enrol']],
    ['a usable key', f({ password: true, usableKeys: 1, anySecondFactor: true }), ['webauthn']],
    ['two usable keys', f({ password: true, usableKeys: 2, anySecondFactor: true }), ['webauthn']],
    ['TOTP', f({ password: true, totp: true, anySecondFactor: true }), ['totp']],
    ['recovery codes', f({ password: true, recoveryCodes: 3, anySecondFactor: true }), ['recovery_code']],
    ['key + TOTP + codes, strongest first', f({ password: true, usableKeys: 1, totp: true, recoveryCodes: 10, anySecondFactor: true }), ['webauthn', 'totp', 'recovery_code']],
    ['key + codes', f({ password: true, usableKeys: 1, recoveryCodes: 10, anySecondFactor: true }), ['webauthn', 'recovery_code']],
    ['TOTP + codes', f({ password: true, totp: true, recoveryCodes: 1, anySecondFactor: true }), ['totp', 'recovery_code']],
    ['SMS', f({ password: true, sms: true, anySecondFactor: true }), ['sms']],
    ['key + TOTP + SMS + email + codes: codes below TOTP, SMS before email', f({ password: true, usableKeys: 1, totp: true, sms: true, email: true, recoveryCodes: 1, anySecondFactor: true }), ['webauthn', 'totp', 'sms', 'email', 'recovery_code']],
    // The password alone must never let its holder enrol their own factor on an account that had one.
    ['only a flagged/disabled key: nothing, and NOT enrol', f({ password: true, anySecondFactor: true }), []],
    ['a flagged key and all codes used: nothing, and NOT enrol', f({ password: true, recoveryCodes: 0, anySecondFactor: true }), []],
  ])('%s → %p', (_what, factors, expected) => {
    expect(nextSteps(factors)).toEqual(expected);
  });

  it('never offers enrol alongside a second factor', () => {
    for (const usableKeys of [0, 1])
      for (const totp of [false, true])
        for (const recoveryCodes of [0, 2]) {
          const steps = nextSteps(f({ password: true, usableKeys, totp, recoveryCodes, anySecondFactor: usableKeys > 0 || totp || recoveryCodes > 0 }));
          if (steps.includes('enrol')) expect(steps).toEqual(['enrol']);
        }
  });
});

describe('canCompleteSignIn', () => {
  it.each<[string, FactorSet, boolean]>([
    ['nothing at all', f(), false],
    ['a password alone', f({ password: true }), false],
    ['a passwordless key', f({ usableKeys: 1, passwordlessKeys: 1, anySecondFactor: true }), true],
    ['a passwordless key and a password', f({ password: true, usableKeys: 1, passwordlessKeys: 1, anySecondFactor: true }), true],
    ['a key without UV and no password', f({ usableKeys: 1, anySecondFactor: true }), false],
    ['TOTP and no password', f({ totp: true, anySecondFactor: true }), false],
    ['recovery codes and no password', f({ recoveryCodes: 10, anySecondFactor: true }), false],
    ['password + key (UP)', f({ password: true, usableKeys: 1, anySecondFactor: true }), true],
    ['password + TOTP', f({ password: true, totp: true, anySecondFactor: true }), true],
    ['password + one recovery code', f({ password: true, recoveryCodes: 1, anySecondFactor: true }), true],
    ['password + only a flagged key', f({ password: true, anySecondFactor: true }), false],
  ])('%s → %p', (_what, factors, expected) => {
    expect(canCompleteSignIn(factors)).toBe(expected);
  });
});

describe('removalLeavesAWayIn (the last_factor rule)', () => {
  const pwdKey = f({ password: true, usableKeys: 1, anySecondFactor: true });
  const pwdTotp = f({ password: true, totp: true, anySecondFactor: true });
  const pwdKeyTotp = f({ password: true, usableKeys: 1, totp: true, anySecondFactor: true });
  const pwdCodes = f({ password: true, recoveryCodes: 10, anySecondFactor: true });
  const passkey = f({ usableKeys: 1, passwordlessKeys: 1, anySecondFactor: true });
  const twoPasskeys = f({ usableKeys: 2, passwordlessKeys: 2, anySecondFactor: true });
  const passkeyAndPwd = f({ password: true, usableKeys: 1, passwordlessKeys: 1, anySecondFactor: true });

  it.each<[string, FactorSet, FactorSet, boolean]>([
    ['removing the only key of a password + key account', pwdKey, f({ password: true, anySecondFactor: false }), false],
    ['removing TOTP when a key remains', pwdKeyTotp, pwdKey, true],
    ['removing the key when TOTP remains', pwdKeyTotp, pwdTotp, true],
    ['removing TOTP, the only second factor (counts like a key)', pwdTotp, f({ password: true }), false],
    ['removing the password of a password + key account', pwdKey, f({ usableKeys: 1, anySecondFactor: true }), false],
    ['removing the password when a passkey remains', passkeyAndPwd, passkey, true],
    ['removing one of two passkeys', twoPasskeys, passkey, true],
    ['removing the only passkey', passkey, f(), false],
    ['removing recovery codes when they are the only second factor', pwdCodes, f({ password: true }), false],
    ['removing recovery codes when a key remains', f({ ...pwdKey, recoveryCodes: 10 }), pwdKey, true],
    // An account that already cannot sign in is not made worse by cleaning it up.
    ['an account that already had no way in', f({ password: true, anySecondFactor: true }), f({ password: true }), true],
    ['a no-op removal on a working account', pwdKey, pwdKey, true],
  ])('%s → %p', (_what, before, after, expected) => {
    expect(removalLeavesAWayIn(before, after)).toBe(expected);
  });
});

describe('SMS and email codes count as a way in', () => {
  it('password + a verified SMS or email destination can complete a sign-in; removing the last one is refused', () => {
    expect(canCompleteSignIn(f({ password: true, sms: true, anySecondFactor: true }))).toBe(true);
    expect(canCompleteSignIn(f({ password: true, email: true, anySecondFactor: true }))).toBe(true);
    expect(canCompleteSignIn(f({ sms: true, anySecondFactor: true }))).toBe(false);
    expect(removalLeavesAWayIn(f({ password: true, sms: true, anySecondFactor: true }), f({ password: true, anySecondFactor: false }))).toBe(false);
    expect(removalLeavesAWayIn(f({ password: true, sms: true, email: true, anySecondFactor: true }), f({ password: true, email: true, anySecondFactor: true }))).toBe(true);
  });
});
